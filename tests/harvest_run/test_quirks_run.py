"""Real servers' quirks, end to end through the run loop against the fault-injecting partner:
each is survived, and what could not be taken is reported, never silently lost."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oai.harvest.mapping import our_identifier
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.conftest import OURS, all_rows

RECORDS = make_records(10)
LIVE = [r.identifier for r in RECORDS if not r.deleted]


def ours(ident: str) -> str:
    return our_identifier(OURS, "fake", ident)


@pytest.fixture
def fake_source(store, partner):
    store.harvest.add_source("fake", partner.base_url)
    return partner


def taken(store) -> set[str]:
    return {row.identifier for row in all_rows(store)}


def list_requests(partner, verb="ListRecords"):
    return [r.params for r in partner.requests if r.params.get("verb") == verb]


def test_everything_arrives_with_tombstones(store, fake_source, run_harvest):
    report = run_harvest(store, "fake")
    assert (report.status, report.added, report.deleted, report.pages) == ("success", 8, 2, 4)
    assert taken(store) == {ours(r.identifier) for r in RECORDS}
    assert store.get_stored(ours(RECORDS[4].identifier)).deleted
    # The tombstone keeps its sets, so set-selective harvests of our copy still show it.
    assert store.get_stored(ours(RECORDS[4].identifier)).set_specs == ("partner:fake:a",)


def test_503_with_retry_after_is_waited_out(store, fake_source, run_harvest, sleeps):
    fake_source.fault("status", on="token", code=503, retry_after=7)
    report = run_harvest(store, "fake")
    assert report.status == "success" and report.records == 10
    assert 7.0 in sleeps


def test_oai_error_sent_with_422_fails_the_run_with_its_code(store, fake_source, run_harvest):
    fake_source.fault("oai_error", on="ListRecords", code="badArgument", status=422, times=0)
    report = run_harvest(store, "fake")
    assert report.status == "failed" and report.exit_code == 1
    assert "badArgument" in report.message
    assert "HTTP 422" not in report.message   # the body decided, not the status


def test_incremental_with_nothing_new_is_success(store, fake_source, run_harvest):
    assert run_harvest(store, "fake").status == "success"
    watermark = datetime.strptime(store.harvest.get_source("fake").watermark,
                                  "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    # noRecordsMatch, even sent with 422 (zenodo), means "nothing new" on an incremental run.
    fake_source.fault("oai_error", on="ListRecords", code="noRecordsMatch", status=422)
    report = run_harvest(store, "fake")
    assert (report.status, report.mode, report.records) == ("success", "incremental", 0)
    sent = list_requests(fake_source)[-1]
    assert sent["from"] == report.from_
    assert report.from_ == (watermark - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_forbidden_characters_are_removed_reported_and_marked_altered(
        store, fake_source, run_harvest):
    fake_source.fault("control_char", on="ListRecords", raw=True, identifier=LIVE[1])
    report = run_harvest(store, "fake")
    assert report.status == "success"
    assert any(LIVE[1] in text and "U+000B" in text for text in report.repairs)
    rec = store.get_stored(ours(LIVE[1]))
    title = next(v.value for v in rec.dc if v.element == "title")
    assert title.endswith("sealing off the well")
    assert rec.origin.altered
    assert b'altered="true"' in store.get_record(ours(LIVE[1]), "oai_dc").about
    assert not store.get_stored(ours(LIVE[0])).origin.altered


def test_a_page_that_stays_broken_falls_back_and_sets_aside_only_the_bad_record(
        store, fake_source, run_harvest):
    bad = LIVE[3]
    fake_source.fault("undefined_entity", times=0, identifier=bad)
    report = run_harvest(store, "fake")
    assert (report.status, report.exit_code) == ("partial", 3)
    assert [s.identifier for s in report.set_aside] == [bad]
    assert "undefined-entity" in report.set_aside[0].reason
    assert taken(store) == {ours(r.identifier) for r in RECORDS if r.identifier != bad}
    assert any("ListIdentifiers + GetRecord" in note for note in report.notes)
    run = store.harvest.runs("fake", limit=1)[0]
    assert (run.status, run.set_aside) == ("partial", 1)
    assert [r.identifier for r in store.harvest.set_aside_records(run.id)] == [bad]


def test_a_truncated_page_falls_back_from_the_last_committed_datestamp(
        store, fake_source, run_harvest):
    fake_source.fault("truncate", on="token", times=2, keep=0.7)
    report = run_harvest(store, "fake")
    assert report.status == "success" and not report.set_aside
    assert taken(store) == {ours(r.identifier) for r in RECORDS}
    fallback = list_requests(fake_source, "ListIdentifiers")
    assert fallback[0]["from"] == "2024-01-01T20:00:00Z"   # the first page's last datestamp


def test_rejected_token_restarts_only_the_list_from_its_last_datestamp(
        store, fake_source, run_harvest):
    fake_source.fault("oai_error", on="token", code="badResumptionToken")
    report = run_harvest(store, "fake")
    assert report.status == "success"
    assert taken(store) == {ours(r.identifier) for r in RECORDS}
    assert any("rejected a resumption token" in note for note in report.notes)
    firsts = [p for p in list_requests(fake_source) if "resumptionToken" not in p]
    assert [p.get("from") for p in firsts] == [None, "2024-01-01T20:00:00Z"]
    assert report.unchanged == 1   # only the record at that datestamp came twice


def test_401_stops_the_source_with_a_clear_message(store, fake_source, run_harvest):
    fake_source.fault("status", code=401, times=0)
    report = run_harvest(store, "fake")
    assert (report.status, report.exit_code) == ("failed", 1)
    assert "HTTP 401" in report.message and "access denied" in report.message
    assert len(fake_source.requests) == 1     # no retries, nothing after it
    assert store.harvest.runs("fake", limit=1)[0].status == "failed"


def test_day_granularity_partner_gets_days_only(store, run_harvest):
    fake = FakePartner(make_records(6), granularity="YYYY-MM-DD").start()
    try:
        store.harvest.add_source("fake", fake.base_url)
        assert run_harvest(store, "fake").status == "success"
        report = run_harvest(store, "fake")
        assert (report.status, report.mode) == ("success", "incremental")
        sent = list_requests(fake)[-1]["from"]
        watermark = store.harvest.get_source("fake").watermark
        expected = (datetime.strptime(watermark[:10], "%Y-%m-%d") - timedelta(days=1))
        assert sent == expected.strftime("%Y-%m-%d")
        ranged = run_harvest(store, "fake", from_="2024-01-02T05:06:07Z",
                             until="2024-01-02T23:00:00Z")
        assert (ranged.mode, ranged.from_, ranged.until) == ("range", "2024-01-02", "2024-01-02")
        assert ranged.records == 2   # 10 h apart: 2024-01-02 holds records 3 and 4
    finally:
        fake.stop()


def test_a_record_the_store_refuses_is_set_aside_and_the_rest_taken(store, run_harvest):
    records = make_records(4)
    records[1].identifier = "oai:fake.example.org:" + "x" * 1100   # too long to index
    fake = FakePartner(records).start()
    try:
        store.harvest.add_source("fake", fake.base_url)
        report = run_harvest(store, "fake")
    finally:
        fake.stop()
    assert report.status == "partial"
    assert [s.identifier for s in report.set_aside] == [records[1].identifier]
    assert "refused by the store" in report.set_aside[0].reason
    assert taken(store) == {ours(r.identifier) for r in records if r is not records[1]}
