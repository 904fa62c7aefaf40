"""The writer: every reply kind is schema-valid, stored metadata lands inside
<metadata>, values are escaped, and output comes in bounded chunks."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from oai import xmlwriter
from oai.errors import BadArgument, BadVerb, CannotDisseminateFormat
from oai.identity import RepositoryIdentity
from oai.replies import (
    GetRecordReply,
    IdentifyReply,
    ListIdentifiersReply,
    ListMetadataFormatsReply,
    ListRecordsReply,
    ListSetsReply,
    TokenInfo,
)
from schemas import default_registry
from store.record_types import DCValue, RecordRow, SetInfo
from tests.oaitest import NS

NOW = datetime(2024, 5, 6, 7, 8, 9, 999999, tzinfo=timezone.utc)
BASE = "http://repo.example.org/oai"
IDENTITY = RepositoryIdentity("Granary <test> & co", ("a@example.org", "b@example.org"),
                              "granary.example.org", base_url=BASE)
PROVENANCE = (
    b'<provenance xmlns="http://www.openarchives.org/OAI/2.0/provenance" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="'
    b'http://www.openarchives.org/OAI/2.0/provenance '
    b'http://www.openarchives.org/OAI/2.0/provenance.xsd">'
    b'<originDescription harvestDate="2024-01-01" altered="false">'
    b'<baseURL>http://partner.example.org/oai</baseURL><identifier>oai:p.org:1</identifier>'
    b'<datestamp>2023-12-31</datestamp>'
    b'<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>'
    b'</originDescription></provenance>')


def dc_bytes(title: str) -> bytes:
    return default_registry().get("oai_dc").serialize(
        (DCValue("title", title, "en"), DCValue("identifier", "https://example.org/1")))


def row(i: int, *, deleted: bool = False, about: bytes | None = None,
        metadata: bytes | None = None) -> RecordRow:
    return RecordRow(f"oai:granary.example.org:rec-{i:04d}", NOW, deleted,
                     ("human-rights:trafficking", "history") if i % 2 else (),
                     metadata if metadata is not None else dc_bytes(f"Title {i} <&> \"q\""),
                     about)


def render(reply, echo=None) -> bytes:
    env = xmlwriter.Envelope(BASE, NOW, echo if echo is not None else {"verb": reply.verb})
    return b"".join(xmlwriter.write(env, reply))


def tree(body: bytes):
    return etree.fromstring(body)


REPLIES = [
    IdentifyReply(IDENTITY, datetime(2020, 1, 1, tzinfo=timezone.utc)),
    GetRecordReply(row(1, about=PROVENANCE)),
    GetRecordReply(row(2, deleted=True, about=PROVENANCE)),
    ListMetadataFormatsReply(tuple(default_registry())),
    ListSetsReply((SetInfo("a", "A & B", "About <a>"), SetInfo("a:b", "B")), TokenInfo("t", 0, 3)),
    ListRecordsReply(tuple(row(i, deleted=i == 3) for i in range(5)), TokenInfo("", 5, 10)),
    ListIdentifiersReply(tuple(row(i) for i in range(3)), None),
]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda r: type(r).__name__)
def test_every_reply_is_schema_valid(reply, validate):
    body = render(reply)
    validate(body)
    root = tree(body)
    assert root.xpath("name(/*/*[3])") == reply.verb


def test_envelope(validate):
    body = render(REPLIES[0])
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH ')
    root = tree(body)
    assert root.findtext("o:responseDate", namespaces=NS) == "2024-05-06T07:08:09Z"  # no fraction
    req = root.find("o:request", NS)
    assert req.text == BASE and dict(req.attrib) == {"verb": "Identify"}
    assert root.get(f"{{{NS['xsi']}}}schemaLocation") == (
        "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")


def test_echo_is_escaped(validate):
    echo = {"verb": "GetRecord", "identifier": 'invalid"id<&>', "metadataPrefix": "x"}
    body = b"".join(xmlwriter.write_errors(xmlwriter.Envelope(BASE, NOW, echo),
                                           [CannotDisseminateFormat('no "x" <here>')]))
    root = tree(body)
    assert dict(root.find("o:request", NS).attrib) == echo
    assert root.findtext("o:error", namespaces=NS) == 'no "x" <here>'


def test_errors_one_element_each(validate):
    env = xmlwriter.Envelope(BASE, NOW, {})
    errors = [BadVerb("v"), BadArgument("a1"), BadArgument("a2")]
    body = b"".join(xmlwriter.write_errors(env, errors))
    validate(body)
    root = tree(body)
    assert [(e.get("code"), e.text) for e in root.findall("o:error", NS)] == [
        ("badVerb", "v"), ("badArgument", "a1"), ("badArgument", "a2")]
    assert dict(root.find("o:request", NS).attrib) == {}


def test_identify_content(validate):
    root = tree(render(REPLIES[0]))
    ident = root.find("o:Identify", NS)
    assert ident.findtext("o:repositoryName", namespaces=NS) == "Granary <test> & co"
    assert [e.text for e in ident.findall("o:adminEmail", NS)] == ["a@example.org", "b@example.org"]
    assert ident.findtext("o:earliestDatestamp", namespaces=NS) == "2020-01-01T00:00:00Z"
    assert [e.text for e in ident.findall("o:compression", NS)] == ["gzip", "deflate"]
    assert root.xpath("//id:oai-identifier/id:sampleIdentifier/text()", namespaces=NS) == [
        "oai:granary.example.org:rec-0001"]


def test_spliced_metadata_and_about_land_inside_their_elements():
    root = tree(render(REPLIES[1]))
    rec = root.find("o:GetRecord/o:record", NS)
    assert [c.tag.split("}")[1] for c in rec] == ["header", "metadata", "about"]
    meta = rec.find("o:metadata", NS)
    assert len(meta) == 1 and meta[0].tag == f"{{{NS['oai_dc']}}}dc"
    assert meta.xpath("oai_dc:dc/dc:title/text()", namespaces=NS) == ['Title 1 <&> "q"']
    assert rec.find("o:about", NS)[0].tag == f"{{{NS['prov']}}}provenance"
    assert [s.text for s in rec.findall("o:header/o:setSpec", NS)] == [
        "human-rights:trafficking", "history"]


def test_deleted_record_is_header_only():
    rec = tree(render(REPLIES[2])).find("o:GetRecord/o:record", NS)
    assert [c.tag.split("}")[1] for c in rec] == ["header"]
    assert rec.find("o:header", NS).get("status") == "deleted"


def test_stored_declaration_and_bom_are_dropped(validate):
    meta = b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>\n" + dc_bytes("with declaration")
    body = render(GetRecordReply(row(1, metadata=meta)))
    validate(body)
    assert body.count(b"<?xml") == 1


def test_tokens(validate):
    last = tree(render(REPLIES[5])).find("o:ListRecords/o:resumptionToken", NS)
    assert (last.text or "") == ""
    assert dict(last.attrib) == {"cursor": "5", "completeListSize": "10"}
    first = tree(render(REPLIES[4])).find("o:ListSets/o:resumptionToken", NS)
    assert first.text == "t" and first.get("cursor") == "0" and first.get("expirationDate") is None
    assert tree(render(REPLIES[6])).find(".//o:resumptionToken", NS) is None


def test_set_description_is_oai_dc():
    s = tree(render(REPLIES[4])).find("o:ListSets/o:set", NS)
    assert s.xpath("o:setDescription/oai_dc:dc/dc:description/text()", namespaces=NS) == [
        "About <a>"]
    assert tree(render(REPLIES[4])).findall("o:ListSets/o:set", NS)[1].find(
        "o:setDescription", NS) is None


def test_large_pages_stream_in_bounded_chunks(validate):
    rows = tuple(row(i, metadata=dc_bytes("x" * 2000 + str(i))) for i in range(200))
    env = xmlwriter.Envelope(BASE, NOW, {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    chunks = list(xmlwriter.write(env, ListRecordsReply(rows, TokenInfo("next", 0, 1000))))
    assert len(chunks) > 3
    # the page is handed on in pieces of at most CHUNK_SIZE bytes
    assert max(len(c) for c in chunks) < xmlwriter.CHUNK_SIZE + 4096
    body = b"".join(chunks)
    validate(body)
    got = tree(body).findall("o:ListRecords/o:record", NS)
    assert len(got) == 200
    assert got[199].xpath("o:metadata/oai_dc:dc/dc:title/text()", namespaces=NS) == [
        "x" * 2000 + "199"]


def test_headers_sharing_a_datestamp_keep_their_own_fields(validate):
    # Headers are copies of per-page templates keyed by datestamp, setSpecs and deletion.
    later = datetime(2024, 5, 7, tzinfo=timezone.utc)
    rows = (row(1), row(2), row(3, deleted=True), row(4, deleted=True), row(5),
            RecordRow("oai:granary.example.org:x", later, False, ("history",), dc_bytes("x"),
                      None))
    for reply, path in ((ListRecordsReply(rows), "o:ListRecords/o:record/o:header"),
                        (ListIdentifiersReply(rows), "o:ListIdentifiers/o:header")):
        body = render(reply, {"verb": reply.verb, "metadataPrefix": "oai_dc"})
        validate(body)
        got = [(h.findtext("o:identifier", namespaces=NS), h.findtext("o:datestamp", namespaces=NS),
                h.get("status"), [s.text for s in h.findall("o:setSpec", NS)])
               for h in tree(body).findall(path, NS)]
        assert got == [(r.identifier, "2024-05-07T00:00:00Z" if r.datestamp == later
                        else "2024-05-06T07:08:09Z", "deleted" if r.deleted else None,
                        list(r.set_specs)) for r in rows]
    records = tree(render(ListRecordsReply(rows))).findall("o:ListRecords/o:record", NS)
    assert [len(r) for r in records] == [2, 2, 1, 1, 2, 2]
