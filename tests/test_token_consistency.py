"""Resumption tokens under a changing catalogue (OAI-PMH §3.5.1): records are edited, added,
deleted and moved between sets between the pages of a harvest, and no record that stayed
unchanged is ever skipped or served twice.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import catalogue
from tests.conftest import FakeClock
from tests.oaitest import header_ids, oai

N = 24

# One change: (kind, record number). Kinds act on an existing record or add a new one.
change = st.tuples(st.sampled_from(["edit", "delete", "add", "move", "revive"]),
                   st.integers(min_value=0, max_value=N - 1))


def _apply(store, clock, kind: str, i: int, counter: list[int]) -> str:
    clock.advance(1)
    with store.writer() as w:
        if kind == "edit":
            w.put(catalogue.draft(i, title=f"Edited {clock.now.isoformat()}"))
        elif kind == "delete":
            w.delete(catalogue.ident(i))
        elif kind == "move":
            w.put(catalogue.draft(i, sets=("history",)))
        elif kind == "revive":
            w.put(catalogue.draft(i))
        else:
            counter[0] += 1
            w.put(catalogue.draft(1000 + counter[0]))
            return catalogue.ident(1000 + counter[0])
    return catalogue.ident(i)


def _harvest_with_changes(client, store, clock, query: dict, plan: list[list[tuple[str, int]]]):
    """Harvest page by page, applying plan[k] after page k. Returns (ids served, ids changed)."""
    served, changed, counter = [], set(), [0]
    q = dict(query)
    for page_no in range(1000):
        r = oai(client, q)
        if r.error_codes:
            assert r.error_codes == ["noRecordsMatch"], r.body[:300]
            break
        served += header_ids(r.xpath("//o:record | //o:ListIdentifiers/o:header"))
        tok = r.token
        if tok is None or not (tok.text or "").strip():
            break
        for kind, i in (plan[page_no] if page_no < len(plan) else []):
            changed.add(_apply(store, clock, kind, i, counter))
        q = {"verb": query["verb"], "resumptionToken": tok.text}
    return served, changed


def _check(initial: set[str], served: list[str], changed: set[str]) -> None:
    unchanged = initial - changed
    counts = {i: served.count(i) for i in unchanged}
    assert {i for i, c in counts.items() if c != 1} == set(), counts


def _setup(url: str, clock: FakeClock):
    from oai import create_app
    from store import RecordStore

    store = RecordStore(url, clock=clock)
    store.upgrade()
    catalogue.build(store, clock, n=N, deleted=(5,))
    app = create_app({"OAI_DATABASE_URL": url, "OAI_PAGE_SIZE": 4, "TESTING": True})
    return store, app.test_client()


QUERIES = [
    {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
    {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "human-rights"},
    {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2024-01-03"},
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.sampled_from(QUERIES),
       plan=st.lists(st.lists(change, max_size=4), min_size=1, max_size=8))
def test_unchanged_records_exactly_once_sqlite(query, plan):
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        store, client = _setup(f"sqlite:///{Path(tmp) / 'p.db'}", clock)
        try:
            initial, _ = _harvest_with_changes(client, store, clock, query, [])
            served, changed = _harvest_with_changes(client, store, clock, query, plan)
            _check(set(initial), served, changed)
        finally:
            store.close()


def test_scripted_changes_both_engines(store_url):
    """A fixed, nasty plan on each engine: edits just behind and ahead of the cursor, a
    deletion, an addition and set moves on every page."""
    clock = FakeClock()
    store, client = _setup(store_url, clock)
    try:
        for query in QUERIES:
            initial, _ = _harvest_with_changes(client, store, clock, query, [])
            plan = [[("edit", 0), ("edit", 23), ("add", 0)], [("delete", 8), ("move", 9)],
                    [("revive", 5), ("edit", 12), ("move", 1)], [("delete", 20)]]
            served, changed = _harvest_with_changes(client, store, clock, query, plan)
            _check(set(initial), served, changed)
    finally:
        store.close()
