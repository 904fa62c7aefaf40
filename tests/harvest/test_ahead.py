"""ahead.Ahead: the next page is taken in a thread while the current one is written."""
from __future__ import annotations

import threading

import pytest

from oai.harvest.ahead import Ahead


class Boom(Exception):
    pass


def pages(n, *, fail_at=None, log=None):
    for i in range(n):
        if i == fail_at:
            raise Boom(i)
        if log is not None:
            log.append(i)
        yield i


def test_items_come_in_order_and_the_end_is_the_end():
    ahead = Ahead(pages(50))
    assert list(ahead) == list(range(50))
    ahead.close()


def test_an_error_comes_after_every_item_before_it():
    ahead = Ahead(pages(5, fail_at=3))
    got = []
    with pytest.raises(Boom):
        for item in ahead:
            got.append(item)
    assert got == [0, 1, 2]
    ahead.close()


def test_only_one_item_is_taken_ahead_and_close_stops_the_thread():
    log: list[int] = []
    ahead = Ahead(pages(100, log=log))
    it = iter(ahead)
    assert next(it) == 0
    # The consumer holds item 0: the thread may have taken 1 (queued) and 2 (waiting for room).
    ahead.close()
    assert len(log) <= 3
    assert not ahead._thread.is_alive()


def test_asked_to_stop_no_item_after_the_current_one_is_taken():
    stop = threading.Event()
    log: list[int] = []

    def source():
        for i in pages(100, log=log):
            if i == 4:
                stop.set()
            yield i

    ahead = Ahead(source(), stop=stop.is_set)
    assert list(ahead) == [0, 1, 2, 3, 4]
    assert log == [0, 1, 2, 3, 4]
    ahead.close()


def test_close_without_waiting_leaves_a_slow_fetch_behind_and_the_thread_ends():
    release = threading.Event()

    def slow():
        yield 0
        release.wait(5)
        yield 1
        yield 2

    ahead = Ahead(slow())
    assert next(iter(ahead)) == 0
    ahead.close(wait=False)         # returns at once, with the thread still fetching
    assert ahead._thread.is_alive()
    release.set()
    ahead._thread.join(5)
    assert not ahead._thread.is_alive()
