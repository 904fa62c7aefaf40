"""List pages: keyset order and paging, from/until bounds, format filter, header-only reads."""
from __future__ import annotations

import random
from datetime import timedelta

from store import ListQuery
from store.reads.lists import page_sql
from tests.store.helpers import T0, draft, put


def _harvest(store, query, limit, with_metadata=False):
    """Every row of *query*, page by page, as a harvester following tokens would see it."""
    rows, after = [], None
    while page := store.list_page(query, after=after, limit=limit, with_metadata=with_metadata):
        assert len(page) <= limit
        rows += page
        after = (page[-1].datestamp, page[-1].identifier)
    return rows


def test_keyset_pages_across_equal_datestamps(store, clock):
    # 180 records in 3 seconds, written in shuffled order: pages cut through runs of equal
    # datestamps and must still return each record exactly once, in (datestamp, id) order.
    numbers = list(range(180))
    random.Random(7).shuffle(numbers)
    for chunk in (numbers[:70], numbers[70:71], numbers[71:]):
        with store.writer() as w:
            w.put_many((draft(n, sets=("even",) if n % 2 == 0 else ("odd:x",)) for n in chunk),
                       batch_size=16)
        clock.advance()
    for limit in (1, 7, 70, 500):
        rows = _harvest(store, ListQuery("oai_dc"), limit)
        keys = [(r.datestamp, r.identifier) for r in rows]
        assert keys == sorted(keys) and len(set(keys)) == 180
    evens = _harvest(store, ListQuery("oai_dc", set_spec="even"), 9)
    assert sorted(r.identifier for r in evens) == [f"oai:test:{n:05d}" for n in range(0, 180, 2)]
    assert [r.datestamp for r in evens] == sorted(r.datestamp for r in evens)
    assert len(_harvest(store, ListQuery("oai_dc", set_spec="odd"), 13)) == 90


def test_records_changed_during_a_harvest_are_not_lost(store, clock):
    put(store, *(draft(n) for n in range(20)))
    first = store.list_page(ListQuery("oai_dc"), after=None, limit=5)
    clock.advance()
    put(store, draft(2, title="edited"), draft(17, title="edited"), draft(99))
    rest = _harvest_from(store, ListQuery("oai_dc"), first[-1])
    ids = [r.identifier for r in first + rest]
    # Every record whose datestamp did not change appears once; changed ones come again
    # at the end with their new datestamp (§3.5.1).
    assert sorted(set(ids)) == sorted({f"oai:test:{n:05d}" for n in list(range(20)) + [99]})
    assert ids.count("oai:test:00002") == 2 and ids.count("oai:test:00017") == 1


def _harvest_from(store, query, last):
    rows, after = [], (last.datestamp, last.identifier)
    while page := store.list_page(query, after=after, limit=4):
        rows += page
        after = (page[-1].datestamp, page[-1].identifier)
    return rows


def test_from_and_until_are_inclusive(store, clock):
    for n in range(5):                       # record n has datestamp T0 + n seconds
        put(store, draft(n, sets=("s",)))
        clock.advance()
    t = [T0 + timedelta(seconds=n) for n in range(5)]
    for spec in (None, "s"):
        def ids(spec=spec, **bounds):
            q = ListQuery("oai_dc", set_spec=spec, **bounds)
            return [int(r.identifier[-5:]) for r in _harvest(store, q, 2)]
        assert ids(from_=t[1], until=t[3]) == [1, 2, 3]
        assert ids(from_=t[4]) == [4]
        assert ids(until=t[0]) == [0]
        assert ids(from_=t[2], until=t[2]) == [2]
        assert ids(from_=t[3], until=t[2]) == []
        assert ids(until=t[0] - timedelta(days=365)) == []
        assert store.count(ListQuery("oai_dc", from_=t[1], until=t[3], set_spec=spec)) == 3


def test_only_records_with_the_format_are_listed(store):
    put(store, draft(1, formats=("oai_dc", "marc21")), draft(2), draft(3, formats=("marc21",)))
    assert [r.identifier for r in _harvest(store, ListQuery("marc21"), 10)] == [
        "oai:test:00001", "oai:test:00003"]
    assert store.count(ListQuery("oai_dc")) == 2 and store.count(ListQuery("mods")) == 0
    assert store.get_record("oai:test:00002", "marc21") is None
    assert store.get_record("oai:nope:1", "oai_dc") is None
    assert store.record_formats("oai:test:00001") == ["marc21", "oai_dc"]
    assert store.record_formats("oai:nope:1") is None


def test_pages_with_and_without_metadata(store):
    put(store, draft(1, about=b"<about-payload/>"), draft(2, title="Two"))
    full = store.list_page(ListQuery("oai_dc"), after=None, limit=5)
    assert [(r.metadata, r.about) for r in full] == [
        (b"<oai_dc>A title</oai_dc>", b"<about-payload/>"), (b"<oai_dc>Two</oai_dc>", None)]
    assert full[0].datestamp.utcoffset() == timedelta(0)
    heads = store.list_page(ListQuery("oai_dc"), after=None, limit=5, with_metadata=False)
    assert [(r.identifier, r.metadata, r.about) for r in heads] == [
        ("oai:test:00001", None, None), ("oai:test:00002", None, None)]
    # list_page runs this text on the driver's cursor (no SQLAlchemy events to observe).
    for after in (None, (full[0].datestamp, full[0].identifier)):
        sql, _ = page_sql(store.engine.dialect, ListQuery("oai_dc"), after, 5, False)
        assert "xml" not in sql and "about" not in sql
        sql, _ = page_sql(store.engine.dialect, ListQuery("oai_dc"), after, 5, True)
        assert "xml" in sql and "about" in sql


def test_empty_store(store):
    assert store.earliest_datestamp() is None
    assert store.list_page(ListQuery("oai_dc"), after=None, limit=5) == []
    assert store.count(ListQuery("oai_dc", set_spec="x")) == 0
    assert store.get_stored("oai:test:00001") is None
    assert store.stats() == {"records": 0, "deleted": 0, "sets": 0, "harvested": 0}
