"""The harvester reads a record by its root element: MODS and qualified DC (besides the MARC
and DataCite of test_harvest_formats.py) are read into Dublin Core, kept verbatim as their own
format and rendered in the others; a record a crosswalk refuses is set aside with the reason;
a format with no crosswalk is kept verbatim only. Every rendering is schema-valid."""
from __future__ import annotations

from datetime import datetime, timezone

from oai import xmlwriter
from oai.harvest.mapping import RecordMapper, target_for
from oai.harvest.models import HarvestedRecord, Header
from oai.replies import GetRecordReply
from schemas import default_registry
from store.record_types import RecordRow

MODS_NS = "http://www.loc.gov/mods/v3"
MARC_NS = "http://www.loc.gov/MARC21/slim"
QDC_NS = "http://purl.org/dc/terms/"
MODS = (b'<mods xmlns="http://www.loc.gov/mods/v3" version="3.6"><titleInfo><title>River '
        b'maps</title></titleInfo><name type="personal"><namePart>Smith, Jane</namePart><role>'
        b'<roleTerm type="text">creator</roleTerm></role></name><originInfo><dateIssued>2001'
        b'</dateIssued></originInfo></mods>')
QDC = (b'<qdc:qualifieddc xmlns:qdc="http://dspace.org/qualifieddc/" '
       b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
       b'<dc:title>Lake notes</dc:title><dcterms:issued>2019-05-01</dcterms:issued>'
       b'<dcterms:abstract>About lakes.</dcterms:abstract></qdc:qualifieddc>')
DELETED_MARC = (b'<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000dam a2200000 i '
                b'4500</leader></record>')


def mapper(prefix: str, namespace: str, verbatim: str) -> RecordMapper:
    target = target_for(prefix, namespace, verbatim, default_registry().renderable())
    return RecordMapper(source="src", base_url="http://partner.example/oai",
                        repository_identifier="b.example.org", target=target,
                        fallback_date="2024-05-01T00:00:00Z")


def harvested(metadata: bytes, namespace: str) -> HarvestedRecord:
    return HarvestedRecord(Header("oai:p.example:1", "2024-01-02T03:04:05Z", (), False),
                           metadata, (), namespace)


def served(draft, prefix: str) -> bytes:
    """The GetRecord response serving *draft* in *prefix*."""
    when = datetime(2024, 5, 1, tzinfo=timezone.utc)
    row = RecordRow(draft.identifier, when, False, draft.sets, draft.disseminations[prefix],
                    draft.about)
    envelope = xmlwriter.Envelope("http://b.example/oai", when, {"verb": "GetRecord"})
    return b"".join(xmlwriter.write(envelope, GetRecordReply(row)))


def test_mods_is_kept_and_read_into_dublin_core(validate):
    draft = mapper("mods", MODS_NS, "mods").map(
        harvested(MODS, MODS_NS), harvest_date="2024-05-01", repaired=False).draft
    assert draft.own_format == "mods" and draft.disseminations["mods"] == MODS
    assert set(draft.disseminations) == {"oai_dc", "marc21", "mods"}
    assert ("title", "River maps") in [(v.element, v.value) for v in draft.dc]
    for prefix in ("oai_dc", "marc21", "mods"):
        validate(served(draft, prefix))


def test_qualified_dc_is_read_and_served_verbatim_too(validate):
    draft = mapper("qdc", QDC_NS, "qdc").map(
        harvested(QDC, QDC_NS), harvest_date="2024-05-01", repaired=False).draft
    assert draft.own_format == "qdc" and draft.disseminations["qdc"] == QDC
    values = [(v.element, v.value) for v in draft.dc]
    assert ("title", "Lake notes") in values and ("date", "2019-05-01") in values
    assert ("description", "About lakes.") in values
    for prefix in ("oai_dc", "marc21", "mods"):
        validate(served(draft, prefix))


def test_a_record_the_crosswalk_refuses_is_set_aside_with_the_reason():
    mapped = mapper("marc21", MARC_NS, "marc21").map(
        harvested(DELETED_MARC, MARC_NS), harvest_date="2024-05-01", repaired=False)
    assert mapped.draft is None
    assert mapped.aside.reason == ("the marc21 record cannot be read: the MARC record is "
                                   "marked deleted (Leader/05 = d)")


def test_a_format_without_crosswalk_is_kept_verbatim_only():
    raw = b'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><title>T</title></arXiv>'
    draft = mapper("arXiv", "http://arxiv.org/OAI/arXiv/", "arXiv").map(
        harvested(raw, "http://arxiv.org/OAI/arXiv/"), harvest_date="x", repaired=False).draft
    assert dict(draft.disseminations) == {"arXiv": raw} and draft.dc == ()
