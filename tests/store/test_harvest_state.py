"""Harvest state: sources, runs, checkpoints, set-aside records, learnt formats, and the page
bookkeeping that commits with the page's records."""
from __future__ import annotations

from dataclasses import replace

import pytest

from store import (
    Checkpoint, ListQuery, Origin, RecordStore, SetAsideRecord, Source, StoreError, WriteCounts,
)
from tests.store.helpers import T0, draft, put

URL = "https://partner.example.org/oai"
DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


def origin(source: str = "p", n: int = 1, harvested: str = "2024-01-01T00:00:00Z") -> Origin:
    return Origin(source, URL, f"oai:partner:{n}", "2020-05-01", DC_NS, harvested)


def harvested(n: int, source: str = "p", **kw):
    return draft(f"oai:granary:{source}:{n}", origin=origin(source, n), sets=(f"partner:{source}",),
                 **kw)


def checkpoint(run_id: int, key: str = "", token: str | None = "t1", **kw) -> Checkpoint:
    return Checkpoint("p", key, run_id, "ListRecords", "oai_dc", key or None, None, None,
                      token, **kw)


@pytest.fixture
def running(store):
    """A source "p" with a run in progress."""
    store.harvest.add_source("p", URL, sets=("math", "physics:quantum"), delay=0.5)
    return store.harvest.start_run("p", mode="full", from_=None, until=None)


# -- sources ------------------------------------------------------------------------------
def test_sources_round_trip(store, clock):
    h = store.harvest
    made = h.add_source("p", URL, prefix="marc21", sets=("a", "b:c", "a"), delay=2)
    assert made == Source("p", URL, "marc21", ("a", "b:c"), 2.0, None, T0)
    assert h.get_source("p") == made and h.get_source("nope") is None
    h.add_source("Other-1.x_y", "http://other.example/oai")
    assert [s.name for s in h.list_sources()] == ["Other-1.x_y", "p"]
    h.set_watermark("p", "2024-03-01T10:00:00Z")
    changed = h.update_source("p", delay=0, sets=())
    assert changed == replace(made, delay=0.0, sets=(), watermark="2024-03-01T10:00:00Z")
    with pytest.raises(StoreError, match="already exists"):
        h.add_source("p", URL)
    with pytest.raises(StoreError, match="no harvest source named 'nope'"):
        h.set_watermark("nope", None)


@pytest.mark.parametrize("name", ["", "-x", ".x", "a b", "a:b", "a/b", "é", "x" * 65, None, 3])
def test_bad_source_names_are_refused(store, name):
    with pytest.raises(StoreError, match="not a valid source name"):
        store.harvest.add_source(name, URL)
    assert store.harvest.list_sources() == []


@pytest.mark.parametrize("values, message", [
    ({"base_url": "ftp://partner.example/oai"}, "http"),
    ({"base_url": "http://"}, "http"),
    ({"base_url": "partner.example/oai"}, "http"),
    ({"base_url": "https://partner.example/o ai"}, "http"),
    ({"base_url": None}, "http"),
    ({"prefix": "bad prefix"}, "metadataPrefix"),
    ({"sets": "math"}, "sequence"),
    ({"sets": ("ok", "not ok")}, "setSpec"),
    ({"delay": -1}, "delay"),
    ({"delay": float("nan")}, "delay"),
    ({"delay": True}, "delay"),
    ({"delay": "1"}, "delay"),
])
def test_bad_source_values_are_refused(store, values, message):
    args = {"base_url": URL} | values
    with pytest.raises(StoreError, match=message):
        store.harvest.add_source("p", args.pop("base_url"), **args)
    assert store.harvest.list_sources() == []
    store.harvest.add_source("p", URL)
    if None in values.values():
        return                          # update_source: None means "keep as it is"
    with pytest.raises(StoreError, match=message):
        store.harvest.update_source("p", **values)
    assert store.harvest.get_source("p").base_url == URL


def test_source_counts_follow_origin_source(store, clock):
    store.harvest.add_source("p", URL)
    put(store, harvested(1), harvested(2), harvested(3), harvested(9, source="q"), draft(1))
    with store.writer() as w:
        w.delete("oai:granary:p:3")
    assert store.harvest.source_counts("p") == {"records": 2, "deleted": 1}
    assert store.harvest.source_counts("q") == {"records": 1, "deleted": 0}
    assert store.harvest.source_counts("nobody") == {"records": 0, "deleted": 0}


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
    other = store.harvest.add_source("q", URL)
    run_q = store.harvest.start_run(other.name, mode="full", from_=None, until=None)
    with pytest.raises(StoreError, match="belongs to source 'q'"):
        with store.writer() as w:
            w.save_checkpoint(checkpoint(run_q.id))


def test_runs_newest_first_and_a_crashed_run_is_offered_for_resuming(store, clock):
    store.harvest.add_source("p", URL)
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
    store.harvest.add_source("p", URL)
    with pytest.raises(StoreError, match="mode"):
        store.harvest.start_run("p", mode="sometimes", from_=None, until=None)
    with pytest.raises(StoreError, match="no harvest source"):
        store.harvest.start_run("q", mode="full", from_=None, until=None)
    run = store.harvest.start_run("p", mode="full", from_=None, until=None)
    with pytest.raises(StoreError, match="finishes as one of"):
        store.harvest.finish_run(run.id, status="running")
    with pytest.raises(StoreError, match="no harvest run"):
        store.harvest.finish_run(run.id + 1, status="failed")


# -- removing a source ----------------------------------------------------------------------
def test_remove_source_forgets_its_history_and_keeps_records(store, running):
    put(store, harvested(1))
    with store.writer() as w:
        w.save_checkpoint(checkpoint(running.id))
        w.set_aside(SetAsideRecord(running.id, "oai:x:1", "why"))
    assert store.harvest.remove_source("p") == 0
    assert store.harvest.get_source("p") is None and store.harvest.runs("p") == []
    assert store.harvest.checkpoints(running.id) == []
    assert store.harvest.set_aside_records(running.id) == []
    assert store.get_stored("oai:granary:p:1").deleted is False
    with pytest.raises(StoreError, match="no harvest source"):
        store.harvest.remove_source("p")
    store.harvest.add_source("p", URL)          # the name is free again
    assert store.harvest.runs("p") == []


def test_purge_turns_the_source_records_into_tombstones(store, running, clock):
    put(store, harvested(1, formats=("oai_dc", "marc21")), harvested(2), harvested(3),
        harvested(7, source="q"), draft(1))
    with store.writer() as w:
        w.delete("oai:granary:p:3")
    now = clock.advance(60)
    assert store.harvest.remove_source("p", purge=True) == 2
    rec = store.get_stored("oai:granary:p:1")
    assert (rec.deleted, rec.datestamp, rec.dc, rec.set_specs) == (True, now, (), ("partner:p",))
    assert rec.origin == origin("p", 1)
    assert store.record_formats("oai:granary:p:1") == ["marc21", "oai_dc"]
    # Set- and format-selective harvests see the deletions (§2.5.1, §2.6).
    rows = store.list_page(ListQuery("oai_dc", set_spec="partner:p"), after=None, limit=9)
    assert [(r.identifier, r.deleted) for r in rows] == [     # (datestamp, identifier) order
        ("oai:granary:p:3", True), ("oai:granary:p:1", True), ("oai:granary:p:2", True)]
    assert store.get_stored("oai:granary:p:3").datestamp == T0       # already a tombstone
    assert store.get_stored("oai:granary:q:7").deleted is False
    assert store.get_stored("oai:test:00001").deleted is False
    assert store.harvest.source_counts("p") == {"records": 0, "deleted": 3}
    # The tombstone is what the partner's own deletion of it would make.
    gone = replace(harvested(1), deleted=True)
    assert put(store, gone) == ["unchanged"]


def test_purge_goes_in_batches_within_one_transaction(store):
    store.harvest.add_source("p", URL)
    put(store, *[harvested(i) for i in range(7)])
    with pytest.raises(RuntimeError):
        with store.writer() as w:
            assert w.delete_source_records("p", chunk=2) == 7
            assert w.counts == WriteCounts(deleted=7)
            raise RuntimeError("roll it all back")
    assert store.harvest.source_counts("p") == {"records": 7, "deleted": 0}
    with store.writer() as w:
        assert w.delete_source_records("p", chunk=3) == 7
        assert w.delete_source_records("p") == 0
    assert store.harvest.source_counts("p") == {"records": 0, "deleted": 7}


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


# -- learnt formats --------------------------------------------------------------------------
def test_learnt_formats(store):
    h = store.harvest
    assert h.formats() == []
    h.put_format("mods", "http://www.loc.gov/mods/v3", "http://www.loc.gov/mods/v3/mods.xsd")
    h.put_format("marc21", "http://www.loc.gov/MARC21/slim", "urn:x")
    h.put_format("marc21", "http://www.loc.gov/MARC21/slim", " http://x/MARC21slim.xsd ")
    assert h.formats() == [
        ("marc21", "http://www.loc.gov/MARC21/slim", "http://x/MARC21slim.xsd"),
        ("mods", "http://www.loc.gov/mods/v3", "http://www.loc.gov/mods/v3/mods.xsd")]
    with pytest.raises(StoreError, match="metadataPrefix"):
        h.put_format("bad prefix", "urn:a", "urn:b")
    with pytest.raises(StoreError, match="namespace"):
        h.put_format("x", " ", "urn:b")
    with pytest.raises(StoreError, match="schema"):
        h.put_format("x", "urn:a", None)


# -- upgrade, secret key, one writer per thread ---------------------------------------------
def test_a_first_revision_catalogue_upgrades_into_harvest_state(store_url, clock):
    old = RecordStore(store_url, clock=clock)
    old.upgrade("0001")
    put(old, harvested(1), draft(2))
    old.close()
    new = RecordStore(store_url, clock=clock)
    new.upgrade()
    assert new.stats()["records"] == 2 and new.stats()["harvested"] == 1
    assert new.harvest.list_sources() == []
    new.harvest.add_source("p", URL)
    assert new.harvest.source_counts("p") == {"records": 1, "deleted": 0}
    new.close()


def test_the_secret_key_exists_from_the_upgrade_and_is_readable_inside_a_writer(store):
    with store.writer() as w:
        key = store.secret_key()
        w.put(draft(1))
    assert len(key) >= 40 and store.secret_key() == key


def test_a_missing_secret_key_inside_a_writer_fails_fast(store):
    from sqlalchemy import text
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM repository_meta"))
    with store.writer() as w:
        if store.engine.dialect.name == "sqlite":
            with pytest.raises(StoreError, match="before opening a writer"):
                store.secret_key()
        else:
            assert store.secret_key()       # PostgreSQL makes it on another connection
        w.put(draft(1))
    assert store.secret_key() == store.secret_key()


def test_a_second_writer_in_the_same_thread_fails_fast(store):
    with store.writer() as w:
        w.put(draft(1))
        with pytest.raises(StoreError, match="already open"):
            with store.writer():
                pass
        with pytest.raises(StoreError, match="already open"):
            store.harvest.add_source("p", URL)
    assert store.stats()["records"] == 1
    store.harvest.add_source("p", URL)        # and the guard is lifted afterwards
