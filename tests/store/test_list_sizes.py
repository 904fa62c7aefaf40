"""list_sizes: the writer keeps every list's size (per prefix, and per prefix and set) equal
to what counting its rows gives, through every kind of change; the first page's
completeListSize (OAI-PMH §3.5) is read from it."""
from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from store import ListQuery, RecordStore
from store.migrate import downgrade
from store.models import list_sizes
from store.reads.lists import count_rows
from tests.store.helpers import draft, put

PREFIXES = ("oai_dc", "marc21")
SETS = ("a", "a:b", "a:b:c", "d", "d:e")


def _lists(store):
    with store.engine.connect() as conn:
        keys = {(p, s) for p, s in conn.execute(select(list_sizes.c.prefix,
                                                       list_sizes.c.set_spec))}
    return sorted(keys | {(p, s) for p in PREFIXES + ("none",) for s in ("",) + SETS})


def assert_sizes_match_rows(store):
    with store.engine.connect() as conn:
        for prefix, spec in _lists(store):
            query = ListQuery(prefix, set_spec=spec or None)
            assert store.count(query) == count_rows(conn, query), (prefix, spec)


# One operation on record n: (kind, n, sets, formats)
OPERATION = st.tuples(
    st.sampled_from(["put", "put", "put", "delete", "tombstone"]),
    st.integers(0, 7),
    st.lists(st.sampled_from(SETS), max_size=3).map(tuple),
    st.sampled_from([("oai_dc",), ("oai_dc", "marc21"), ("marc21",)]),
    st.sampled_from(["A", "B"]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.lists(OPERATION, min_size=1, max_size=6), min_size=1, max_size=6))
def test_sizes_follow_every_change(sqlite_url, clock, plan):
    store = RecordStore(sqlite_url.replace(".db", f"-{random.random()}.db"), clock=clock)
    store.upgrade()
    try:
        for transaction in plan:
            with store.writer() as w:
                for kind, n, sets, formats, title in transaction:
                    if kind == "delete":
                        w.delete(f"oai:test:{n:05d}")
                    else:
                        w.put(draft(n, title=title, sets=sets, formats=formats,
                                    deleted=kind == "tombstone"))
            clock.advance()
            assert_sizes_match_rows(store)
    finally:
        store.close()


def test_sizes_on_both_engines_and_through_the_migration(store):
    put(store, draft(1, sets=("a:b",)), draft(2, sets=("a", "d"), formats=("oai_dc", "marc21")),
        draft(3))
    put(store, draft(2, sets=("d:e",), formats=("oai_dc",)), draft(4, deleted=True, sets=("a",)))
    with store.writer() as w:
        w.delete("oai:test:00001")
        w.put_many([draft(n, sets=("a:b:c",)) for n in range(10, 40)], batch_size=7)
    assert_sizes_match_rows(store)
    assert store.count(ListQuery("oai_dc")) == 34
    assert store.count(ListQuery("oai_dc", set_spec="a")) == 32     # 1, 4 and 10..39
    assert store.count(ListQuery("marc21")) == 1                    # 2's deleted marc21 row
    before = {key: store.count(ListQuery(key[0], set_spec=key[1] or None))
              for key in _lists(store)}
    downgrade(store.engine, "0004")        # revision 0005 fills list_sizes from the rows
    store.upgrade()
    assert {key: store.count(ListQuery(key[0], set_spec=key[1] or None))
            for key in _lists(store)} == before


def test_a_whole_list_is_sized_from_list_sizes_unless_until_leaves_rows_out(store, clock):
    put(store, draft(1), draft(2))
    clock.advance(60)
    put(store, draft(3))
    newest = store.list_page(ListQuery("oai_dc"), after=None, limit=5)[-1].datestamp
    with store.engine.begin() as conn:      # a kept size that differs from the rows
        conn.execute(list_sizes.update().where(list_sizes.c.set_spec == "")
                     .values(records=99))
    assert store.count(ListQuery("oai_dc")) == 99
    assert store.count(ListQuery("oai_dc", until=newest)) == 99      # leaves nothing out
    assert store.count(ListQuery("oai_dc", until=newest - timedelta(seconds=1))) == 2
    assert store.count(ListQuery("oai_dc", from_=newest)) == 1       # counted from the rows
    assert store.count(ListQuery("marc21")) == 0
