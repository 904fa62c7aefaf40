"""Query plans of list pages: index range scans in key order, never a sort or a full scan.

The catalogue is made big enough, and analysed, for PostgreSQL's planner to prefer indexes
the way it would on a real catalogue; SQLite's planner prefers them at any size.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from store import ListQuery
from store.reads.lists import list_statement
from tests.store.helpers import T0, draft

N = 3000


@pytest.fixture
def big_store(store, clock):
    with store.writer() as w:
        w.put_many((draft(n, sets=(f"s{n % 10}:sub{n % 3}",)) for n in range(N // 2)),
                   batch_size=500)
    clock.advance(3600)
    with store.writer() as w:
        w.put_many((draft(n, sets=(f"s{n % 10}:sub{n % 3}",)) for n in range(N // 2, N)),
                   batch_size=500)
    with store.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return store


QUERIES = {
    "first page": (ListQuery("oai_dc"), None),
    "next page": (ListQuery("oai_dc"), (T0, "oai:test:00700")),
    "from-until": (ListQuery("oai_dc", from_=T0 + timedelta(seconds=1),
                             until=T0 + timedelta(days=1)), (T0, "oai:test:00700")),
    "set first page": (ListQuery("oai_dc", set_spec="s3"), None),
    "set next page": (ListQuery("oai_dc", set_spec="s3", from_=T0), (T0, "oai:test:00700")),
    "subset next page": (ListQuery("oai_dc", set_spec="s3:sub1"), (T0, "oai:test:00700")),
}


def test_list_pages_use_the_keyset_indexes(big_store):
    # One catalogue for all the queries: filling it is the slow part.
    for name, (query, after) in QUERIES.items():
        _check_plan(big_store, name, query, after)


def _check_plan(big_store, name, query, after):
    stmt = list_statement(query, after, 50, with_metadata=True)
    with big_store.engine.connect() as conn:
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            steps = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            why = (name, steps)
            assert not any("TEMP B-TREE" in step for step in steps), why        # no sort
            driver = "ix_record_sets_set_spec" if query.set_spec else "ix_disseminations_prefix"
            assert driver in steps[0], why                 # driven by the keyset index
            if after is not None or query.set_spec:
                assert steps[0].startswith("SEARCH"), why  # a range, not a full scan
            if after is not None:
                # The scan starts at the last row of the previous page, not at its datestamp.
                assert "(datestamp,identifier)>(?,?)" in steps[0], why
        else:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
            why = (name, plan)
            driver = "record_sets" if query.set_spec else "disseminations"
            assert f"Seq Scan on {driver}" not in plan, why
            assert f"ix_{driver}_" in plan, why
            # Only a small set's few matches may be sorted rather than read in index order
            # (the planner's fair choice for 100 rows); a big selection never is.
            for rows in re.findall(r"Sort  \(cost=\S+ rows=(\d+)", plan):
                assert int(rows) < 200, why
            if query.set_spec != "s3:sub1":
                assert "Sort" not in plan and "Seq Scan" not in plan, why
            assert "Gather" not in plan, why             # no parallel workers to start
            if after is not None:
                assert re.search(r"Index Cond: .*ROW\(datestamp, identifier\) > ROW", plan), why
    assert len(big_store.list_page(query, after=after, limit=50)) == 50


@pytest.mark.postgres
def test_postgres_connections_plan_no_parallel_workers(postgres_url):
    # At a million records PostgreSQL chose a parallel plan for set pages whose workers
    # took longer to start than the page takes without them; the store's connections
    # turn parallel plans off.
    from store import RecordStore
    store = RecordStore(postgres_url)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"
    finally:
        store.close()
