"""The full-text index (revision 0006, store/search.py) and the reads of the pages
(store/reads/browse.py): kept in step by the writer, filled by the migration, safe for any
words, and keyset-paged."""
from __future__ import annotations

import pytest

from store.migrate import downgrade
from store.reads import browse
from store.record_types import DCValue, RecordDraft
from store.search import MAX_TERMS, match_expression, terms

ID = "oai:test:{}"


def draft(n, title, **more):
    dc = (DCValue("title", title),) + tuple(DCValue(k, v) for k, v in more.items())
    return RecordDraft(identifier=ID.format(n), dc=dc)


def search(store, q, cursor=None, limit=50):
    return [s.identifier for s in store.database.read(browse.search, q, cursor, limit)]


def test_the_writer_keeps_the_index_in_step(store, clock):
    with store.writer() as w:
        w.put(draft(1, "Granary of wheat", creator="Ceres, Anna", subject="Agriculture"))
        w.put(draft(2, "Barley fields", description="On wheat and barley"))
    # one transaction, one datestamp: then identifier order, descending
    assert search(store, "wheat") == [ID.format(2), ID.format(1)]
    assert search(store, "ceres") == [ID.format(1)]
    assert search(store, "AGRICULTURE") == [ID.format(1)]
    clock.advance(5)
    with store.writer() as w:
        w.put(draft(1, "Granary of rye"))                    # changed: the old words go
    assert search(store, "wheat") == [ID.format(2)]
    assert search(store, "rye") == [ID.format(1)]
    clock.advance(5)
    with store.writer() as w:
        w.delete(ID.format(2))                               # a tombstone is found by nothing
    assert search(store, "barley") == []
    clock.advance(5)
    with store.writer() as w:
        w.put(draft(2, "Barley fields"))                     # revived
    assert search(store, "barley") == [ID.format(2)]


def test_results_are_newest_first_and_keyset_paged(store, clock):
    for n in range(7):
        clock.advance(1)
        with store.writer() as w:
            w.put(draft(n, f"Common title {n}"))
    rows = store.database.read(browse.search, "common", None, 3)
    assert [r.identifier for r in rows] == [ID.format(n) for n in (6, 5, 4)]
    rest = store.database.read(browse.search, "common", rows[-1].cursor, 10)
    assert [r.identifier for r in rest] == [ID.format(n) for n in (3, 2, 1, 0)]
    page = store.database.read(browse.newest, rows[-1].cursor, 2)
    assert [r.identifier for r in page] == [ID.format(3), ID.format(2)]


def test_the_migration_fills_the_index_from_existing_records(store):
    with store.writer() as w:
        w.put(draft(1, "Before the index", subject="Backfill"))
        w.put(draft(2, "Gone soon"))
        w.delete(ID.format(2))
    downgrade(store.engine, "0005")
    with store.engine.connect() as conn:
        tables = conn.dialect.get_table_names(conn)
    assert "record_search" not in tables                     # the downgrade drops it
    store.upgrade()
    assert search(store, "backfill") == [ID.format(1)]
    assert search(store, "gone") == []


@pytest.mark.parametrize("q", ['"', 'a"b', "title:x", "x*", "NEAR(a b)", "a OR b", "NOT",
                               "-x", "(", "^x", "\x00", "🙂", "' OR 1=1 --", "é"])
def test_any_words_are_a_safe_query(store, q):
    with store.writer() as w:
        w.put(draft(1, 'Odd "quoted" title: NEAR, NOT, OR, café'))
    search(store, q)                                         # never a syntax error


def test_words_are_folded_and_bounded():
    assert terms("Café, AND  Wheat!") == ["café", "and", "wheat"]
    assert terms("¿?!") == []
    assert len(terms("w " * 100)) == MAX_TERMS
    assert match_expression(['a"b'], "sqlite") == '"a""b"'


def test_diacritics_and_case_are_folded(store):
    with store.writer() as w:
        w.put(draft(1, "Café society"))
    assert search(store, "CAFÉ") == [ID.format(1)]


def test_set_browse_and_page_starts(store, clock):
    with store.writer() as w:
        for n in range(5):
            w.put(RecordDraft(identifier=ID.format(n), dc=(DCValue("title", f"T{n}"),),
                              sets=("a:b",) if n % 2 else ("a",)))
        w.delete(ID.format(4))
    rows = store.database.read(browse.in_set, "a", None, 10)
    assert {r.identifier for r in rows} == {ID.format(n) for n in range(4)}
    assert [r.identifier for r in store.database.read(browse.in_set, "a:b", None, 10)] == [
        ID.format(3), ID.format(1)]
    last = store.database.read(browse.last_id)
    pages = [store.database.read(browse.live_in_id_range, low, low + 2)
             for low in range(0, last, 2)]
    assert [i for page in pages for i, _ in page] == [ID.format(n) for n in range(4)]
    assert all(len(page) <= 2 for page in pages)
