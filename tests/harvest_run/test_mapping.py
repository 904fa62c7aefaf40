"""Partner records -> drafts (identifiers, sets, Dublin Core, formats, tombstones) and the
provenance container, without a network or a database."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from oai import xmlwriter
from oai.harvest.mapping import RecordMapper, find_provenance, our_identifier, target_for
from oai.harvest.models import HarvestedRecord, Header
from oai.replies import GetRecordReply
from schemas import default_registry
from schemas.oai_dc import OAI_DC_NS
from schemas.provenance import PROVENANCE_NS, is_utc_datetime, partner_chain, render
from store.drafts import check_identifier
from store.record_types import DCValue, Origin, RecordRow

DC = (b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
      b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title xml:lang="en">T</dc:title>'
      b'<dc:creator>C</dc:creator>%s</oai_dc:dc>')
PROV = "{%s}" % PROVENANCE_NS


def mapper(verbatim: str | None = None, namespace: str = OAI_DC_NS, sets_of=lambda i: None):
    target = target_for("oai_dc" if verbatim is None else verbatim, namespace, verbatim,
                        default_registry().renderable())
    return RecordMapper(source="src", base_url="http://partner.example/oai",
                        repository_identifier="b.example.org", target=target,
                        fallback_date="2024-05-01T00:00:00Z", sets_of=sets_of)


def record(ident="oai:p.example:1", specs=(), deleted=False, metadata=DC % b"", abouts=()):
    header = Header(ident, "2024-01-02T03:04:05.678Z", tuple(specs), deleted)
    if deleted:
        return HarvestedRecord(header, None, ())
    return HarvestedRecord(header, metadata, tuple(abouts), OAI_DC_NS)


def test_identifiers_are_ours_deterministic_and_valid_uris():
    weird = "oai:p.example:a b/ü%?#"
    ident = our_identifier("b.example.org", "src", weird)
    assert ident == "oai:b.example.org:src:oai:p.example:a%20b/%C3%BC%25?%23"
    assert check_identifier(ident) == ident
    assert our_identifier("b.example.org", "src", weird) == ident
    assert our_identifier("b.example.org", "other", weird) != ident


def test_dublin_core_is_parsed_rendered_and_the_original_kept():
    mapped = mapper().map(record(specs=("x:y", "bad spec")), harvest_date="2024-05-01T10:00:00Z",
                          repaired=False)
    d = mapped.draft
    assert d.identifier == "oai:b.example.org:src:oai:p.example:1"
    assert d.dc == (DCValue("title", "T", "en"), DCValue("creator", "C"))
    assert d.sets == ("partner:src", "partner:src:x:y")
    assert any("bad spec" in note for note in mapped.notes)
    assert set(d.disseminations) == {"oai_dc", "marc21", "mods"}
    assert b"schemaLocation" in d.disseminations["oai_dc"] and d.own_format is None
    o = d.origin
    assert (o.identifier, o.datestamp, o.metadata_namespace, o.harvest_date, o.altered) == \
        ("oai:p.example:1", "2024-01-02T03:04:05.678Z", OAI_DC_NS, "2024-05-01T10:00:00Z", False)
    assert o.raw_metadata == DC % b""
    assert b'harvestDate="2024-05-01T10:00:00Z"' in d.about


def test_left_out_elements_and_repairs_mark_the_record_altered():
    extra = DC % b'<x:note xmlns:x="urn:x">n</x:note>'
    mapped = mapper().map(record(metadata=extra), harvest_date="2024-05-01", repaired=False)
    assert mapped.draft.origin.altered and b'altered="true"' in mapped.draft.about
    assert any("{urn:x}note" in note for note in mapped.notes)
    repaired = mapper().map(record(), harvest_date="2024-05-01", repaired=True)
    assert repaired.draft.origin.altered


def test_tombstones_keep_their_sets_and_announce_every_format():
    known = {"oai:b.example.org:src:oai:p.example:1": ("partner:src:old",)}
    m = mapper(sets_of=known.get)
    gone = m.map(record(deleted=True), harvest_date="2024-05-01", repaired=False).draft
    assert gone.deleted and gone.sets == ("partner:src:old",) and gone.about is None
    assert dict(gone.disseminations) == {"oai_dc": b"", "marc21": b"", "mods": b""}
    assert gone.origin.raw_metadata is None
    with_sets = m.map(record(deleted=True, specs=("new",)), harvest_date="x", repaired=False)
    assert with_sets.draft.sets == ("partner:src", "partner:src:new")


def test_other_formats_are_kept_verbatim_under_our_prefix():
    raw = b'<s:record xmlns:s="urn:example:simple"><s:name>N</s:name></s:record>'
    m = mapper("simple-src", "urn:example:simple")
    d = m.map(HarvestedRecord(Header("oai:p.example:9", "2024-01-01"), raw, (),
                              "urn:example:simple"), harvest_date="2024-05-01",
              repaired=False).draft
    assert dict(d.disseminations) == {"simple-src": raw} and d.dc == ()
    assert d.origin.raw_metadata == raw and d.origin.metadata_namespace == "urn:example:simple"


def prov(*, base="http://a.example/oai", ident="oai:a:1", stamp="2023-01-01",
         harvest="2023-02-01T00:00:00Z", inner=b"") -> bytes:
    return (f'<provenance xmlns="{PROVENANCE_NS}"><originDescription harvestDate="{harvest}" '
            f'altered="false"><baseURL>{base}</baseURL><identifier>{ident}</identifier>'
            f'<datestamp>{stamp}</datestamp><metadataNamespace>{OAI_DC_NS}</metadataNamespace>'
            ).encode() + inner + b"</originDescription></provenance>"


def test_partner_provenance_is_found_and_chained():
    rights = b'<rights xmlns="urn:rights">CC-BY</rights>'
    assert find_provenance([rights, prov()]) == prov()
    assert find_provenance([rights]) is None
    mapped = mapper().map(record(abouts=(rights, prov())), harvest_date="2024-05-01T00:00:00Z",
                          repaired=False)
    root = etree.fromstring(mapped.draft.about)
    ours = root.find(f"{PROV}originDescription")
    assert ours.findtext(f"{PROV}baseURL") == "http://partner.example/oai"
    assert ours.find(f"{PROV}originDescription").findtext(f"{PROV}baseURL") == \
        "http://a.example/oai"


@pytest.mark.parametrize("about, chained", [
    (prov(), True),
    (prov(inner=b"<originDescription/>"), False),       # an incomplete link anywhere
    (prov(stamp="last tuesday"), False),
    (prov(harvest="2023-02-01 00:00"), False),
    (b"<provenance xmlns='urn:not-it'/>", False),
    (b"<broken", False),
    (None, False),
])
def test_only_a_well_formed_chain_is_nested(about, chained):
    assert (partner_chain(about) is not None) == chained


def origin(**overrides) -> Origin:
    values = dict(source="s", base_url="http://p.example/oai", identifier="oai:p:1",
                  datestamp="2024-01-02T03:04:05.678+02:00", metadata_namespace=OAI_DC_NS,
                  harvest_date="2024-05-01", about=prov())
    values.update(overrides)
    return Origin(**values)


@pytest.mark.parametrize("stamp, written", [
    ("2024-01-02T03:04:05.678+02:00", "2024-01-02T03:04:05.678+02:00"),  # verbatim
    ("2024-01-02", "2024-01-02"),
    ("2024-01-02 03:04:05", "2024-01-02T03:04:05Z"),     # refused by the schema: rewritten
    ("", "2024-05-01T00:00:00Z"),                        # nothing usable: the fallback
])
def test_dates_keep_their_granularity_unless_the_schema_refuses_them(stamp, written, validate):
    about = render(origin(datestamp=stamp), fallback_date="2024-05-01T00:00:00Z")
    desc = etree.fromstring(about).find(f"{PROV}originDescription")
    assert desc.findtext(f"{PROV}datestamp") == written and is_utc_datetime(written)
    assert desc.get("harvestDate") == "2024-05-01"
    row = RecordRow("oai:b.example.org:x", datetime(2024, 5, 1, tzinfo=timezone.utc), False,
                    (), metadata=DC % b"", about=about)
    envelope = xmlwriter.Envelope("http://b.example/oai", datetime(2024, 5, 1, tzinfo=timezone.utc),
                                  {"verb": "GetRecord"})
    validate(b"".join(xmlwriter.write(envelope, GetRecordReply(row))))
