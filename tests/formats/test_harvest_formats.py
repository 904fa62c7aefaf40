"""Harvested MARC 21, MARCXML and DataCite records (the real responses of the shared realworld
folder, served by the fake partner) are kept verbatim in their own format and served in
oai_dc, marc21 and mods through their Dublin Core; every response is schema-valid."""
from __future__ import annotations

import pytest
import requests
from lxml import etree

from oai.harvest.mapping import our_identifier
from tests.formats.conftest import REALWORLD
from tests.harvest_run.conftest import OURS

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "{http://purl.org/dc/elements/1.1/}"
MARC = "{http://www.loc.gov/MARC21/slim}"
MODS = "{http://www.loc.gov/mods/v3}"
DATACITE_NS = "http://datacite.org/schema/kernel-4"

pytestmark = pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"no {REALWORLD}")


def formats_answer(prefix: str, namespace: str, schema: str) -> bytes:
    """A ListMetadataFormats answer offering oai_dc and *prefix*."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = "2024-01-01T00:00:00Z"
    etree.SubElement(root, f"{{{OAI}}}request", verb="ListMetadataFormats").text = "http://x/oai"
    lmf = etree.SubElement(root, f"{{{OAI}}}ListMetadataFormats")
    for p, ns, xsd in (("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc/",
                        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
                       (prefix, namespace, schema)):
        fmt = etree.SubElement(lmf, f"{{{OAI}}}metadataFormat")
        etree.SubElement(fmt, f"{{{OAI}}}metadataPrefix").text = p
        etree.SubElement(fmt, f"{{{OAI}}}schema").text = xsd
        etree.SubElement(fmt, f"{{{OAI}}}metadataNamespace").text = ns
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def as_list_records(name: str) -> bytes:
    """The real response *name*, as a ListRecords answer (a GetRecord one renamed)."""
    data = (REALWORLD / name).read_bytes()
    return data.replace(b"<GetRecord>", b"<ListRecords>").replace(b"</GetRecord>",
                                                                  b"</ListRecords>")


CASES = [
    # (file, partner prefix, namespace, schema, partner identifier, title, own prefix)
    ("getrecord_loc_marc21_2002.xml", "marc21", "http://www.loc.gov/MARC21/slim",
     "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
     "oai:lcoa1.loc.gov:loc.gmd/g3914c.cw0369000", None, "marc21"),
    ("listrecords_inspire_marcxml.xml", "marcxml", "http://www.loc.gov/MARC21/slim",
     "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
     "oai:inspirehep.net:972855", None, "marc21"),
    ("getrecord_zenodo_datacite.xml", "datacite", DATACITE_NS,
     "http://schema.datacite.org/meta/kernel-4.5/metadata.xsd",
     "oai:zenodo.org:10357859", None, "datacite"),
]


def partner_heading(name: str, identifier: str) -> tuple[str, str]:
    """(DC element, text) of the record's title as the partner's metadata states it: 245 $a,
    DataCite's title; INSPIRE's conference records have no 245, and the marc21 crosswalk
    makes their meeting (111 $a) the creator (tests/crosswalks/test_marc21_ingest.py)."""
    root = etree.parse(str(REALWORLD / name)).getroot()
    record = next(r for r in root.iter(f"{{{OAI}}}record")
                  if r.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier") == identifier)
    payload = next(c for c in record.find(f"{{{OAI}}}metadata") if isinstance(c.tag, str))
    if payload.tag.startswith(MARC):
        field = payload.find(f"{MARC}datafield[@tag='245']")
        if field is None:
            field = payload.find(f"{MARC}datafield[@tag='111']")
            return "creator", field.findtext(f"{MARC}subfield[@code='a']")
        return "title", field.findtext(f"{MARC}subfield[@code='a']").rstrip(" /:.;,")
    return "title", payload.findtext(f"{{{DATACITE_NS}}}titles/{{{DATACITE_NS}}}title")


def c14n(element: etree._Element) -> bytes:
    """Exclusive canonical XML: the same element whatever namespaces its context declares."""
    return etree.tostring(element, method="c14n", exclusive=True)


def get(base_url: str, **params) -> bytes:
    return requests.get(base_url, params=params, timeout=10).content


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_real_partner_records_are_served_in_every_format(
        case, store, clock, partner, run_harvest, serve_granary, validate):
    name, prefix, namespace, schema, partner_id, _, own = case
    partner.fault("body", on="ListMetadataFormats", times=0,
                  data=formats_answer(prefix, namespace, schema))
    partner.fault("body", on="ListRecords", times=0, data=as_list_records(name))
    store.harvest.add_source("real", partner.base_url, prefix=prefix)
    report = run_harvest(store, "real")
    assert report.status == "success"
    ours = our_identifier(OURS, "real", partner_id)
    stored = store.get_stored(ours)
    assert stored is not None and not stored.deleted
    assert set(stored.formats) == {"oai_dc", "marc21", "mods", own}
    element, title = partner_heading(name, partner_id)
    assert title and any(v.element == element and title in v.value for v in stored.dc)

    served = serve_granary(store.url, OURS, clock)
    # The record's own format comes back as the partner sent it.
    raw = etree.fromstring(stored.origin.raw_metadata)
    body = get(served.base_url, verb="GetRecord", identifier=ours, metadataPrefix=own)
    validate(body) if own != "datacite" else None   # no DataCite schema in the folder
    payload = next(c for c in etree.fromstring(body).find(f".//{{{OAI}}}metadata")
                   if isinstance(c.tag, str))
    assert c14n(payload) == c14n(raw)
    # And in oai_dc (with its title), marc21 and mods through its Dublin Core.
    for fmt in ("oai_dc", "marc21", "mods"):
        if fmt == own:
            continue
        body = get(served.base_url, verb="GetRecord", identifier=ours, metadataPrefix=fmt)
        validate(body)
        doc = etree.fromstring(body)
        assert doc.find(f"{{{OAI}}}error") is None, body[:500]
        if fmt == "oai_dc":
            texts = [t.text for t in doc.iter(f"{DC}{element}")]
            assert any(title in t for t in texts), texts
    body = get(served.base_url, verb="ListMetadataFormats", identifier=ours)
    validate(body)
    listed = {e.text for e in etree.fromstring(body).iter(f"{{{OAI}}}metadataPrefix")}
    assert listed == {"oai_dc", "marc21", "mods", own}
    body = get(served.base_url, verb="ListRecords", metadataPrefix="mods")
    validate(body)
    assert ours.encode() in body
