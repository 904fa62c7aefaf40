"""Reading partners' bytes: hostile documents refused, forbidden characters repaired and
attributed to their records, everything else that is not well-formed classified."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from oai.harvest import BrokenPage, NotOAIResponse, UnsafeDocument
from oai.harvest.parse import read_items, read_response

DATA = Path(__file__).parent / "data"


def page(name: str, verb: str = "ListRecords"):
    resp = read_response((DATA / name).read_bytes(), f"fixture:{name}")
    return resp, read_items(resp, verb)


def test_billion_laughs_is_refused_without_expansion():
    with pytest.raises(UnsafeDocument) as caught:
        read_response((DATA / "billion_laughs.xml").read_bytes(), "fixture:laughs")
    assert caught.value.kind == "unsafe"
    assert "DTD" in str(caught.value)
    assert len(caught.value.body) < 1000  # the raw bytes kept for quarantine, nothing expanded


def test_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = (f'<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&x;'
           '</responseDate></OAI-PMH>').encode()
    with pytest.raises(UnsafeDocument) as caught:
        read_response(doc, "fixture:xxe")
    assert "TOP-SECRET" not in str(caught.value)
    assert b"TOP-SECRET" not in caught.value.body


def test_external_entity_in_a_broken_document_is_refused_too(tmp_path):
    doc = (b'<!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">&x;\x0b')
    with pytest.raises(UnsafeDocument):
        read_response(doc, "fixture:xxe-broken")


def test_forbidden_characters_are_removed_and_reported_per_record():
    resp, items = page("control_chars.xml")
    by_id = {r.identifier: r for r in items.records}
    assert set(by_id) == {"oai:partner:1", "oai:partner:2", "oai:partner:3"}
    repairs = {r.identifier: r.removed for r in items.repairs}
    assert repairs == {"oai:partner:1": (0x0B,), "oai:partner:2": (0x0B, 0x1F, 0xFFFE, 0x00)}
    first = by_id["oai:partner:1"].metadata.decode()
    assert "sealing off the well" in first and "\x0b" not in first
    second = by_id["oai:partner:2"].metadata.decode()
    # Only the forbidden characters go: the legal references (A, TAB) stay, as characters.
    assert "abcA\td" in second and "xy" in second
    assert "\ufdd0" not in second and "\ufdd0" not in first  # no placeholder left behind
    assert "removed 1 character(s) XML forbids from record oai:partner:1: U+000B" == \
        str(items.repairs[0])
    assert by_id["oai:partner:3"].metadata.decode().count("clean été") == 1


def test_partner_noncharacters_are_kept_apart_from_repairs():
    doc = ('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01'
           '</responseDate><ListIdentifiers><header><identifier>id\ufdd0x</identifier>'
           '<datestamp>2024-01-01</datestamp></header><header><identifier>b\x0b</identifier>'
           '<datestamp>2024-01-01</datestamp></header></ListIdentifiers></OAI-PMH>')
    resp = read_response(doc.encode(), "fixture:nonchar")
    items = read_items(resp, "ListIdentifiers")
    assert [r.identifier for r in items.records] == ["id\ufdd0x", "b"]
    # Cannot be attributed safely: reported once, for the response.
    assert [(r.identifier, r.removed) for r in items.repairs] == [(None, (0x0B,))]


@pytest.mark.parametrize("name, kind", [("undefined_entity.xml", "undefined-entity"),
                                        ("truncated.xml", "truncated"),
                                        ("latin1_mislabelled.xml", "encoding")])
def test_broken_pages_are_classified(name, kind):
    with pytest.raises(BrokenPage) as caught:
        read_response((DATA / name).read_bytes(), f"fixture:{name}")
    assert caught.value.kind == kind
    assert caught.value.body == (DATA / name).read_bytes()
    assert f"fixture:{name}" in str(caught.value)


def test_declared_encoding_wins():
    _, items = page("latin1_declared.xml")
    assert "Ångström café" in items.records[0].metadata.decode("utf-8")


def test_utf16_with_bom_and_a_forbidden_character():
    doc = ('<?xml version="1.0" encoding="UTF-16"?><OAI-PMH xmlns="http://www.openarchives.org/'
           'OAI/2.0/"><responseDate>2024-01-01</responseDate><ListIdentifiers><header>'
           '<identifier>ü\x0c</identifier><datestamp>2024-01-01</datestamp></header>'
           '</ListIdentifiers></OAI-PMH>')
    resp = read_response(codecs.BOM_UTF16_LE + doc.encode("utf-16-le"), "fixture:utf16")
    items = read_items(resp, "ListIdentifiers")
    assert items.records[0].identifier == "ü"
    assert items.repairs[0].identifier == "ü"


def test_prefixes_stylesheet_and_no_declaration():
    resp, items = page("prefixed_stylesheet.xml", "ListIdentifiers")
    assert resp.response_date == "2024-03-01T10:00:00.250+01:00"
    first, second = items.records
    assert first.header.set_specs == ("s",)  # a repeated setSpec counts once
    assert first.header.datestamp == "2024-02-01T12:00:00.485Z"
    assert first.header.when.isoformat() == "2024-02-01T12:00:00.485000+00:00"
    assert second.deleted and second.header.when.isoformat() == "2024-02-01T12:00:00+00:00"
    assert items.resumption.token == "a+b/c=d|e!f g"
    assert items.resumption.complete_list_size == 9


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE html><html><body>Maintenance</body></html>",
    b"<html><head><title>Error</title></head></html>",
])
def test_html_is_not_oai(body):
    with pytest.raises(NotOAIResponse):
        read_response(body, "fixture:html")


def test_other_xml_is_not_oai():
    with pytest.raises(NotOAIResponse, match="not OAI-PMH"):
        read_response(b"<rss><channel/></rss>", "fixture:rss")


def test_empty_body_is_a_broken_page():
    with pytest.raises(BrokenPage) as caught:
        read_response(b"", "fixture:empty")
    assert caught.value.kind == "truncated"


def test_identify_values_are_cleaned_too():
    from oai.harvest.parse import read_identify

    doc = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01'
           b'</responseDate><Identify><repositoryName>Library\x0b of &#1;Things</repositoryName>'
           b'<baseURL>http://x.example/oai</baseURL><protocolVersion>2.0</protocolVersion>'
           b'<adminEmail>a@x.example\x0c</adminEmail><earliestDatestamp></earliestDatestamp>'
           b'<deletedRecord>no</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify>'
           b'</OAI-PMH>')
    identity = read_identify(read_response(doc, "fixture:identify"))
    assert identity.repository_name == "Library of Things"
    assert identity.admin_emails == ("a@x.example",)
    assert identity.earliest_datestamp is None  # empty in the wild (metha#38)
