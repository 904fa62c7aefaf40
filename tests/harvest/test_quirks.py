"""Real servers' quirks, each reproduced by the fake partner and survived by the client."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oai.harvest import BrokenPage, NotOAIResponse, PartnerError, TransportError, UnsafeDocument
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner

RECORDS = make_records(10)
LIVE = [r.identifier for r in RECORDS]
TITLE0 = "Título número 0 – ü"


def harvest(client, verb="ListRecords", prefix="oai_dc", **kwargs):
    pages = list(client.pages(verb, prefix, **kwargs))
    return pages, [r for p in pages for r in p.records]


@pytest.fixture
def day_partner():
    fake = FakePartner(granularity="YYYY-MM-DD").start()
    yield fake
    fake.stop()


# -- characters, entities, truncation ------------------------------------------------------
@pytest.mark.parametrize("raw", [True, False])
def test_forbidden_character_removed_and_reported_with_the_identifier(client, partner, raw):
    partner.fault("control_char", on=1, raw=raw, identifier=LIVE[1])
    pages, records = harvest(client)
    assert [r.identifier for r in records] == LIVE
    assert [(rep.identifier, rep.removed) for rep in pages[0].repairs] == [(LIVE[1], (0x0B,))]
    text = records[1].metadata.decode()
    assert "\x0b" not in text and "&#11;" not in text
    assert ("sealing off the well" if raw else "xy") in text
    assert all(not p.repairs for p in pages[1:])


def test_undefined_entity_once_is_fetched_again(client, partner):
    partner.fault("undefined_entity", on=2)
    _, records = harvest(client)
    assert [r.identifier for r in records] == LIVE
    assert len(partner.requests) == 5  # page 2 asked twice


def test_truncated_page_once_is_fetched_again(client, partner):
    partner.fault("truncate", on=3, keep=0.5)
    _, records = harvest(client)
    assert [r.identifier for r in records] == LIVE


@pytest.mark.parametrize("fault, kind", [("undefined_entity", "undefined-entity"),
                                         ("truncate", "truncated")])
def test_broken_page_falls_back_to_get_record(client, partner, fault, kind):
    bad = LIVE[3]  # on the second page
    options = {"identifier": bad} if fault == "undefined_entity" else {"keep": 0.7}
    on = None if fault == "undefined_entity" else "token"
    partner.fault(fault, on=on, times=0 if fault == "undefined_entity" else 2, **options)
    taken = []
    with pytest.raises(BrokenPage) as caught:
        for page in client.pages("ListRecords", "oai_dc"):
            taken.extend(page.records)
    broken = caught.value
    assert broken.kind == kind and broken.token is not None and broken.body
    assert [r.identifier for r in taken] == LIVE[:3]
    # The run loop's fallback: the window from the last committed datestamp, one by one.
    last = taken[-1].header.datestamp
    w = broken.window
    pages = list(client.fallback_pages(w.prefix, from_=last, until=w.until, set_spec=w.set_spec))
    got = [r.identifier for p in pages for r in p.records]
    aside = [s for p in pages for s in p.set_aside]
    if fault == "undefined_entity":
        assert [s.identifier for s in aside] == [bad]
        assert "undefined-entity" in aside[0].reason
        assert got == [i for i in LIVE[2:] if i != bad]
    else:
        assert aside == [] and got == LIVE[2:]  # GetRecord answers are whole again
    by_id = {r.identifier: r for p in pages for r in p.records}
    assert by_id[LIVE[4]].deleted and by_id[LIVE[4]].metadata is None  # tombstone, no request
    assert b"oai_dc:dc" in by_id[LIVE[5]].metadata
    assert pages[-1].done and all(p.verb == "ListIdentifiers" for p in pages)


def test_fallback_continues_from_its_own_token(client, partner):
    first = next(client.fallback_pages("oai_dc"))
    rest = list(client.fallback_pages("oai_dc", token=first.next_token))
    ids = [r.identifier for p in [first, *rest] for r in p.records]
    assert ids == LIVE


# -- encodings, declarations, namespaces, datestamps ---------------------------------------
def test_wrong_content_type_and_charset_are_ignored(client, partner):
    partner.fault("content_type", times=0, value="text/html; charset=ISO-8859-1")
    _, records = harvest(client)
    assert TITLE0 in records[0].metadata.decode("utf-8")


def test_latin1_document_with_its_declaration(client, partner):
    partner.fault("latin1", times=0)
    _, records = harvest(client)
    assert "Título número 0 - ü" in records[0].metadata.decode("utf-8")


@pytest.mark.parametrize("fault", ["no_declaration", "stylesheet_pi", "leading_space",
                                   "prefixed"])
def test_envelope_variations(client, partner, fault):
    partner.fault(fault, times=0)
    pages, records = harvest(client)
    assert [r.identifier for r in records] == LIVE
    assert pages[-1].end_reason == "empty-token"


def test_datestamps_with_milliseconds_keep_their_text(client, partner):
    partner.fault("ms_datestamps", times=0)
    _, records = harvest(client)
    assert records[0].header.datestamp == "2024-01-01T00:00:00.123Z"
    assert records[0].header.when == datetime(2024, 1, 1, 0, 0, 0, 123000, timezone.utc)


def test_datestamps_with_offsets_compare_in_utc(client, partner):
    partner.fault("offset_datestamps", times=0)
    _, records = harvest(client)
    assert records[1].header.datestamp == "2024-01-01T12:00:00+02:00"
    assert records[1].header.when == datetime(2024, 1, 1, 10, tzinfo=timezone.utc)


# -- granularity and tokens -------------------------------------------------------------------
def test_day_granularity_partner_gets_days_only(make_client, day_partner):
    client = make_client(day_partner)
    _, records = harvest(client, from_=datetime(2024, 1, 2, 15, 30, tzinfo=timezone.utc),
                         until="2024-01-03T23:10:00.5Z")
    first = next(r for r in day_partner.requests if "metadataPrefix" in r.params)
    assert first.params["from"] == "2024-01-02" and first.params["until"] == "2024-01-03"
    assert [r.identifier for r in records] == LIVE[3:8]  # the whole of 3 January
    assert records[0].header.datestamp == "2024-01-02"


@pytest.mark.parametrize("declared", ["yyyy-mm-dd", "YYYY-MM-DD ", "", "nonsense"])
def test_odd_day_granularities(make_client, declared):
    partner = FakePartner(granularity=declared).start()
    try:
        client = make_client(partner)
        harvest(client, from_="2024-01-02T10:00:00Z")
        assert partner.requests[-1].params.get("from") in (None, "2024-01-02")
        assert any(r.params.get("from") == "2024-01-02" for r in partner.requests)
    finally:
        partner.stop()


def test_lower_case_seconds_granularity(make_client):
    partner = FakePartner(granularity="yyyy-mm-ddThh:mm:ssZ").start()
    try:
        harvest(make_client(partner), from_="2024-01-02T10:00:00.250+00:00")
        assert any(r.params.get("from") == "2024-01-02T10:00:00Z" for r in partner.requests)
    finally:
        partner.stop()


def test_tokens_are_percent_encoded(client, partner):
    pages, records = harvest(client)
    token = pages[0].next_token
    assert set("+/=|! %") <= set(token)
    raw = partner.requests[1].query
    assert raw == "verb=ListRecords&resumptionToken=1%2B%2F%3D%7C%21%20%2520%3A3"
    assert partner.requests[1].params["resumptionToken"] == token
    assert len(records) == 10


# -- errors with odd statuses, and hostile documents -------------------------------------------
def test_oai_error_with_422_status_in_a_list(client, partner):
    partner.fault("oai_error", on=1, code="cannotDisseminateFormat", status=422)
    with pytest.raises(PartnerError) as caught:
        harvest(client)
    assert caught.value.code == "cannotDisseminateFormat" and caught.value.http_status == 422


def test_html_page_with_200(client, partner):
    partner.fault("html", on=1)
    with pytest.raises(NotOAIResponse, match="HTML"):
        client.identify()


def test_html_page_with_503_until_retries_run_out(client, partner):
    partner.fault("status", times=0, code=503, content_type="text/html",
                  body=b"<html><body>Down</body></html>")
    with pytest.raises(TransportError) as caught:
        client.identify()
    assert caught.value.status == 503


def test_billion_laughs_from_a_partner(client, partner):
    partner.fault("billion_laughs", on=1)
    with pytest.raises(UnsafeDocument, match="refused"):
        harvest(client)
    assert len(partner.requests) == 1  # not fetched again


def test_external_entity_from_a_partner(client, partner, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET-CONTENT")
    partner.fault("xxe", on=1, path=str(secret))
    with pytest.raises(UnsafeDocument) as caught:
        client.identify()
    assert "TOP-SECRET" not in str(caught.value) and b"TOP-SECRET" not in caught.value.body


# -- the other verbs -----------------------------------------------------------------------------
def test_get_record_and_its_errors(client):
    record = client.get_record(LIVE[0], "simple")
    assert record.metadata_namespace == "urn:example:simple"
    assert TITLE0 in record.metadata.decode()
    assert client.get_record(LIVE[4], "oai_dc").deleted
    with pytest.raises(PartnerError) as caught:
        client.get_record("oai:fake.example.org:nope", "oai_dc")
    assert caught.value.code == "idDoesNotExist"


def test_partner_provenance_is_kept_verbatim(make_client):
    records = make_records(2)
    records[0].provenance = True
    partner = FakePartner(records).start()
    try:
        record = make_client(partner).get_record(records[0].identifier, "oai_dc")
    finally:
        partner.stop()
    assert len(record.about) == 1
    assert record.about[0].startswith(b"<provenance")
    assert b'harvestDate="2023-01-01"' in record.about[0]


def test_metadata_is_kept_as_an_element_of_its_own(client):
    record = client.get_record(LIVE[0], "oai_dc")
    assert record.metadata.startswith(b"<oai_dc:dc ")
    assert b'xmlns:dc="http://purl.org/dc/elements/1.1/"' in record.metadata
    assert record.metadata.endswith(b"</oai_dc:dc>")
    assert record.metadata_namespace == "http://www.openarchives.org/OAI/2.0/oai_dc/"


def test_formats_sets_and_identify(client):
    assert [f.prefix for f in client.list_metadata_formats()] == ["oai_dc", "simple"]
    assert [(s.spec, s.name) for s in client.list_sets()] == \
        [("a", "Set A"), ("a:b", "Set A:B"), ("c", "Set C")]
    identity = client.identify()
    assert identity.granularity.name == "SECONDS" and identity.deleted_record == "persistent"
    assert identity.compression == ("gzip", "deflate")


def test_bad_base_url_is_refused(make_client):
    with pytest.raises(ValueError):
        make_client("ftp://partner.example.org/oai")
