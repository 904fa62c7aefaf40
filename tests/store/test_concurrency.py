"""Two writers at once: the second waits for the first instead of failing or losing rows;
a second writer in the same thread fails at once instead of waiting for the first."""
from __future__ import annotations

import threading

import pytest

from store import ListQuery, RecordStore, StoreError
from tests.store.helpers import PARTNER_URL, draft


def test_concurrent_writers_both_commit(store_url):
    stores = [RecordStore(store_url) for _ in range(3)]
    stores[0].upgrade()
    errors: list[Exception] = []
    start = threading.Barrier(len(stores))

    def write(k: int, s: RecordStore) -> None:
        try:
            start.wait()
            for round_ in range(5):
                with s.writer() as w:
                    # Each writer reads (existing rows) then writes, and all share set "s".
                    w.put_many(draft(k * 1000 + round_ * 10 + i, sets=("s:shared",))
                               for i in range(10))
        except Exception as exc:   # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k, s)) for k, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert stores[0].count(ListQuery("oai_dc", set_spec="s")) == 150
    assert stores[0].count_sets() == 2
    for s in stores:
        s.close()


def test_a_second_writer_in_the_same_thread_fails_fast(store):
    with store.writer() as w:
        w.put(draft(1))
        with pytest.raises(StoreError, match="already open"):
            with store.writer():
                pass
        with pytest.raises(StoreError, match="already open"):
            store.harvest.add_source("p", PARTNER_URL)
    assert store.stats()["records"] == 1
    store.harvest.add_source("p", PARTNER_URL)        # and the guard is lifted afterwards
