"""Harvest runs: the page bookkeeping that commits with the page's records, finishing a run
(watermark, checkpoints), crashed runs, and the content hash of harvested records."""
from __future__ import annotations

from dataclasses import replace

import pytest

from store import SetAsideRecord, StoreError, WriteCounts
from tests.store.helpers import PARTNER_URL, T0, checkpoint, harvested, put


# -- runs ---------------------------------------------------------------------------------
def test_a_page_commits_records_checkpoint_and_counters_together(store, running, clock):
    with store.writer() as w:
        counts = w.put_many([harvested(1), harvested(2)])
        w.set_aside(SetAsideRecord(running.id, "oai:partner:bad", "not well-formed", "2020"))
        w.save_checkpoint(checkpoint(running.id, pages=1, records=3, last_datestamp="2020"))
        w.add_to_run(running.id, counts, set_aside=1, first_response_date="2024-01-01T00:00:00Z")
    clock.advance()
    with store.writer() as w:
        counts = w.put_many([harvested(2, title="changed"), harvested(3)])
        w.save_checkpoint(checkpoint(running.id, token=None, pages=2, records=5, ordered=False))
        w.add_to_run(running.id, counts, first_response_date="2024-01-01T00:00:09Z")
    run = store.harvest.unfinished_run("p")
    assert (run.added, run.updated, run.unchanged, run.deleted, run.set_aside, run.pages) == (
        3, 1, 0, 0, 1, 2)
    assert run.first_response_date == "2024-01-01T00:00:00Z"    # the first one is kept
    assert store.harvest.checkpoints(running.id) == [
        checkpoint(running.id, token=None, pages=2, records=5, ordered=False)]
    assert store.harvest.set_aside_records(running.id) == [
        SetAsideRecord(running.id, "oai:partner:bad", "not well-formed", "2020")]


def test_a_failed_page_leaves_no_records_checkpoint_or_counts(store, running):
    with store.writer() as w:
        w.save_checkpoint(checkpoint(running.id, token="before"))
    with pytest.raises(RuntimeError):
        with store.writer() as w:
            counts = w.put_many([harvested(1), harvested(2)])
            w.set_aside(SetAsideRecord(running.id, "oai:partner:bad", "no metadata"))
            w.save_checkpoint(checkpoint(running.id, token="after"))
            w.add_to_run(running.id, counts, set_aside=1, first_response_date="2024")
            raise RuntimeError("the connection dropped before COMMIT")
    assert store.stats()["records"] == 0
    assert [cp.token for cp in store.harvest.checkpoints(running.id)] == ["before"]
    assert store.harvest.set_aside_records(running.id) == []
    run = store.harvest.get_run(running.id)
    assert (run.added, run.pages, run.set_aside, run.first_response_date) == (0, 0, 0, None)


def test_success_moves_the_watermark_and_clears_checkpoints(store, running, clock):
    with store.writer() as w:
        w.save_checkpoint(checkpoint(running.id, "math", token=None))
        w.save_checkpoint(checkpoint(running.id, "physics:quantum", token=None))
    end = clock.advance(30)
    done = store.harvest.finish_run(running.id, status="success", message="all\x00 good",
                                    watermark="2024-01-01T00:00:00Z")
    assert (done.status, done.finished, done.message) == ("success", end, "all good")
    assert store.harvest.get_source("p").watermark == "2024-01-01T00:00:00Z"
    assert store.harvest.checkpoints(running.id) == []
    assert store.harvest.unfinished_run("p") is None
    with pytest.raises(StoreError, match="already finished"):
        store.harvest.finish_run(running.id, status="failed")


@pytest.mark.parametrize("status", ["failed", "interrupted"])
def test_a_failed_run_keeps_checkpoints_and_the_old_watermark(store, running, status):
    store.harvest.set_watermark("p", "2023-12-01")
    with store.writer() as w:
        w.save_checkpoint(checkpoint(running.id, "math", token="resume-here"))
    store.harvest.finish_run(running.id, status=status, message="partner down",
                             watermark="2024-01-01")
    assert store.harvest.get_source("p").watermark == "2023-12-01"
    assert [cp.token for cp in store.harvest.checkpoints(running.id)] == ["resume-here"]
    assert store.harvest.runs("p")[0].message == "partner down"


def test_partial_without_watermark_keeps_the_old_one(store, running):
    store.harvest.set_watermark("p", "2023-12-01")
    store.harvest.finish_run(running.id, status="partial")
    assert store.harvest.get_source("p").watermark == "2023-12-01"


def test_set_aside_records_are_kept_in_the_order_met(store, running):
    aside = [SetAsideRecord(running.id, None, "a record without an identifier"),
             SetAsideRecord(running.id, "oai:partner:9", "not well-formed", "2020-01-01"),
             SetAsideRecord(running.id, None, "another one without"),
             SetAsideRecord(running.id, "oai:partner:9", "met again in another set")]
    with store.writer() as w:
        for rec in aside:
            w.set_aside(rec)
        w.set_aside(SetAsideRecord(running.id, "oai:partner:\x0bodd", "bad\x00 bytes"))
        w.add_to_run(running.id, WriteCounts(), set_aside=5)
    assert store.harvest.set_aside_records(running.id) == aside + [
        SetAsideRecord(running.id, "oai:partner:odd", "bad bytes")]
    assert store.harvest.get_run(running.id).set_aside == 5
    with pytest.raises(StoreError, match="SetAsideRecord"):
        with store.writer() as w:
            w.set_aside(("oai:x", "why"))


def test_a_closed_run_takes_no_more_pages(store, running):
    store.harvest.finish_run(running.id, status="interrupted")
    for write in (lambda w: w.add_to_run(running.id, WriteCounts(added=1)),
                  lambda w: w.save_checkpoint(checkpoint(running.id)),
                  lambda w: w.set_aside(SetAsideRecord(running.id, "oai:x:1", "why"))):
        with pytest.raises(StoreError, match="is interrupted, not running"):
            with store.writer() as w:
                w.put(harvested(1))
                write(w)
    assert store.stats()["records"] == 0
    with pytest.raises(StoreError, match="no harvest run 999"):
        with store.writer() as w:
            w.add_to_run(999, WriteCounts())
    other = store.harvest.add_source("q", PARTNER_URL)
    run_q = store.harvest.start_run(other.name, mode="full", from_=None, until=None)
    with pytest.raises(StoreError, match="belongs to source 'q'"):
        with store.writer() as w:
            w.save_checkpoint(checkpoint(run_q.id))


def test_runs_newest_first_and_a_crashed_run_is_offered_for_resuming(store, clock):
    store.harvest.add_source("p", PARTNER_URL)
    first = store.harvest.start_run("p", mode="full", from_=None, until=None)
    store.harvest.finish_run(first.id, status="success", watermark="w1")
    clock.advance()
    crashed = store.harvest.start_run("p", mode="incremental", from_="w1", until=None)
    assert store.harvest.unfinished_run("p") == crashed
    assert (crashed.status, crashed.mode, crashed.from_, crashed.started) == (
        "running", "incremental", "w1", T0 + (clock.now - T0))
    clock.advance()
    fresh = store.harvest.start_run("p", mode="range", from_="2020", until="2021")
    assert [r.id for r in store.harvest.runs("p")] == [fresh.id, crashed.id, first.id]
    assert [r.id for r in store.harvest.runs("p", limit=1)] == [fresh.id]
    left = store.harvest.get_run(crashed.id)
    assert left.status == "interrupted" and "superseded" in left.message
    assert store.harvest.unfinished_run("p") == fresh
    assert store.harvest.runs("nobody") == [] and store.harvest.unfinished_run("nobody") is None


def test_run_arguments_are_checked(store):
    store.harvest.add_source("p", PARTNER_URL)
    with pytest.raises(StoreError, match="mode"):
        store.harvest.start_run("p", mode="sometimes", from_=None, until=None)
    with pytest.raises(StoreError, match="no harvest source"):
        store.harvest.start_run("q", mode="full", from_=None, until=None)
    run = store.harvest.start_run("p", mode="full", from_=None, until=None)
    with pytest.raises(StoreError, match="finishes as one of"):
        store.harvest.finish_run(run.id, status="running")
    with pytest.raises(StoreError, match="no harvest run"):
        store.harvest.finish_run(run.id + 1, status="failed")


# -- content hash of harvested records -------------------------------------------------------
def test_a_record_harvested_again_unchanged_keeps_datestamp_about_and_harvest_date(store, clock):
    first = harvested(1, about=b"<provenance harvestDate='2024-01-01'/>")
    assert put(store, first) == ["added"]
    clock.advance(86400)
    again = replace(first, about=b"<provenance harvestDate='2024-01-02'/>",
                    origin=replace(first.origin, harvest_date="2024-01-02T00:00:00Z"))
    assert put(store, again) == ["unchanged"]
    rec = store.get_stored(first.identifier)
    assert rec.datestamp == T0 and rec.origin.harvest_date == "2024-01-01T00:00:00Z"
    assert store.get_record(first.identifier, "oai_dc").about == first.about
    # A real change at the partner is an update, and brings the new about with it.
    changed = replace(again, origin=replace(again.origin, datestamp="2024-01-02"))
    assert put(store, changed) == ["updated"]
    assert store.get_record(first.identifier, "oai_dc").about == again.about

