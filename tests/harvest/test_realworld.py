"""Every real response in the shared realworld folder is read (the broken one repaired and
reported), and the real quirks they carry come out right. Skipped when the folder is absent;
the same quirks are always tested on our own fixtures and the fake partner."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from oai.harvest import PartnerError, TokenRejected
from oai.harvest.parse import read_formats, read_identify, read_items, read_response, read_sets
from tests.harvest.fakepartner import FakePartner

REALWORLD = Path(os.environ.get("OAI_REALWORLD_DIR",
                                Path(__file__).resolve().parents[3] / "shared" / "realworld"))
FILES = sorted(REALWORLD.glob("*.xml")) if REALWORLD.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason=f"no real responses in {REALWORLD}")


def load(name: str):
    return read_response((REALWORLD / name).read_bytes(), name)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_response_is_read(path):
    resp = read_response(path.read_bytes(), path.name)
    if resp.errors:
        with pytest.raises(PartnerError):
            resp.raise_errors()
        assert resp.response_date
        return
    verb = resp.body.tag.split("}")[-1]
    if verb in ("ListRecords", "ListIdentifiers", "GetRecord"):
        items = read_items(resp, verb)
        assert items.records and not items.set_aside
        assert all(r.identifier and r.header.when is not None for r in items.records)
        assert all(r.metadata or r.deleted or verb == "ListIdentifiers" for r in items.records)
    elif verb == "Identify":
        assert read_identify(resp).base_url
    elif verb == "ListSets":
        assert read_sets(resp)
    else:
        assert read_formats(resp)


def test_the_broken_page_is_repaired_and_reported():
    items = read_items(load("listrecords_pucrio_invalid_control_char.xml"), "ListRecords")
    assert len(items.records) == 5
    assert [(r.identifier, r.removed) for r in items.repairs] == \
        [("oai:MAXWELL.puc-rio.br:24183", (0x0B,))]
    repaired = next(r for r in items.records if r.identifier == "oai:MAXWELL.puc-rio.br:24183")
    assert b"sealing off the well" in repaired.metadata
    # A one-page list that still ends with a (correctly empty) token.
    assert items.resumption.token is None and items.resumption.complete_list_size == 5


def test_empty_last_token_with_attributes():
    items = read_items(load("listidentifiers_nsdl_page4_last.xml"), "ListIdentifiers")
    assert items.resumption.token is None and items.resumption.cursor == 600
    assert len(items.records) == 133


def test_tokens_are_kept_exactly():
    first = read_items(load("listidentifiers_nsdl_page1_token.xml"), "ListIdentifiers")
    assert first.resumption.token == "0/200/733/nsdl_dc/null/2012-07-26/null"
    pmc = read_items(load("listrecords_pmc_oai_dc_page1_token.xml"), "ListRecords")
    assert pmc.resumption.token.startswith("oai%3Apubmedcentral.nih.gov%3A4078828!")


def test_deleted_records_and_repeated_setspec():
    items = read_items(load("getrecord_deleted_erasmus-dspace_2004.xml"), "GetRecord")
    (record,) = items.records
    assert record.deleted and record.metadata is None and record.header.set_specs == ("1:1",)
    dataverse = read_items(load("listrecords_dataverse_deleted_lastpage.xml"), "ListRecords")
    assert sum(r.deleted for r in dataverse.records) == 6


def test_foreign_formats_keep_their_namespace():
    marc = read_items(load("listrecords_inspire_marcxml.xml"), "ListRecords")
    assert {r.metadata_namespace for r in marc.records} == {"http://www.loc.gov/MARC21/slim"}
    datacite = read_items(load("getrecord_zenodo_datacite.xml"), "GetRecord")
    assert datacite.records[0].metadata_namespace == "http://datacite.org/schema/kernel-4"


def test_zenodo_422_bad_token_over_http(make_client):
    body = (REALWORLD / "error_badResumptionToken_zenodo_http422.xml").read_bytes()
    partner = FakePartner().start()
    try:
        partner.fault("status", on="token", code=422, body=body,
                      content_type="text/xml; charset=utf-8")
        client = make_client(partner)
        with pytest.raises(TokenRejected) as caught:
            list(client.pages("ListRecords", "oai_dc"))
    finally:
        partner.stop()
    assert caught.value.http_status == 422 and caught.value.code == "badResumptionToken"


def test_arxiv_no_records_match_over_http(make_client):
    body = (REALWORLD / "error_noRecordsMatch_arxiv.xml").read_bytes()
    partner = FakePartner().start()
    try:
        partner.fault("status", on=1, code=200, body=body, content_type="text/xml")
        pages = list(make_client(partner).pages("ListRecords", "oai_dc"))
    finally:
        partner.stop()
    assert len(pages) == 1 and pages[0].end_reason == "no-records-match"
    assert pages[0].response_date == "2016-06-02T19:13:02Z"
