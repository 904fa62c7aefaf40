"""Harvest sources: adding, checking, counting, removing (and purging), learnt formats, and a
first-revision catalogue upgraded into harvest state."""
from __future__ import annotations

from dataclasses import replace

import pytest

from store import ListQuery, RecordStore, SetAsideRecord, Source, StoreError, WriteCounts
from store.migrate import downgrade
from tests.store.helpers import (
    PARTNER_URL,
    T0,
    checkpoint,
    draft,
    harvest_origin,
    harvested,
    put,
)


def test_sources_round_trip(store, clock):
    h = store.harvest
    made = h.add_source("p", PARTNER_URL, prefix="marc21", sets=("a", "b:c", "a"), delay=2)
    assert made == Source("p", PARTNER_URL, "marc21", ("a", "b:c"), 2.0, None, T0)
    assert h.get_source("p") == made and h.get_source("nope") is None
    h.add_source("Other-1.x_y", "http://other.example/oai")
    assert [s.name for s in h.list_sources()] == ["Other-1.x_y", "p"]
    h.set_watermark("p", "2024-03-01T10:00:00Z")
    changed = h.update_source("p", delay=0, sets=())
    assert changed == replace(made, delay=0.0, sets=(), watermark="2024-03-01T10:00:00Z")
    with pytest.raises(StoreError, match="already exists"):
        h.add_source("p", PARTNER_URL)
    with pytest.raises(StoreError, match="no harvest source named 'nope'"):
        h.set_watermark("nope", None)


@pytest.mark.parametrize("name", ["", "-x", ".x", "a b", "a:b", "a/b", "é", "x" * 65, None, 3])
def test_bad_source_names_are_refused(store, name):
    with pytest.raises(StoreError, match="not a valid source name"):
        store.harvest.add_source(name, PARTNER_URL)
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
    args = {"base_url": PARTNER_URL} | values
    with pytest.raises(StoreError, match=message):
        store.harvest.add_source("p", args.pop("base_url"), **args)
    assert store.harvest.list_sources() == []
    store.harvest.add_source("p", PARTNER_URL)
    if None in values.values():
        return                          # update_source: None means "keep as it is"
    with pytest.raises(StoreError, match=message):
        store.harvest.update_source("p", **values)
    assert store.harvest.get_source("p").base_url == PARTNER_URL


def test_source_counts_follow_origin_source(store, clock):
    store.harvest.add_source("p", PARTNER_URL)
    put(store, harvested(1), harvested(2), harvested(3), harvested(9, source="q"), draft(1))
    with store.writer() as w:
        w.delete("oai:granary:p:3")
    assert store.harvest.source_counts("p") == {"records": 2, "deleted": 1}
    assert store.harvest.source_counts("q") == {"records": 1, "deleted": 0}
    assert store.harvest.source_counts("nobody") == {"records": 0, "deleted": 0}


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
    store.harvest.add_source("p", PARTNER_URL)          # the name is free again
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
    assert rec.origin == harvest_origin("p", 1)
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
    store.harvest.add_source("p", PARTNER_URL)
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
    old.upgrade()
    put(old, harvested(1), draft(2))
    downgrade(old.engine, "0001")       # written at head, taken back to the first revision
    old.close()
    new = RecordStore(store_url, clock=clock)
    new.upgrade()
    assert new.stats()["records"] == 2 and new.stats()["harvested"] == 1
    assert new.harvest.list_sources() == []
    new.harvest.add_source("p", PARTNER_URL)
    assert new.harvest.source_counts("p") == {"records": 1, "deleted": 0}
    new.close()

