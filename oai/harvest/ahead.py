"""``Ahead``: iterate one item ahead in a thread, so the partner works while we write.

The run loop walks a list through it: the next page is fetched while the current one is
mapped and written. Only pages are handed over, in order, and an error of the fetch (a
rejected token, a broken page) is raised in the consumer when its turn comes, after every
page before it. Nothing here knows of OAI-PMH or of the store.
"""
from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator


class Ahead:
    """Iterate *pages* one item ahead: a thread takes the next item while the consumer works
    on the current one. The thread is the only user of the iterator (and so of the HTTP
    client behind it). close() tells it to stop; with wait=True it also waits for the item
    it may be taking (a fetch, perhaps sleeping out a partner's Retry-After)."""

    def __init__(self, pages: Iterable, *, stop=lambda: False) -> None:
        self._pages = iter(pages)
        self._stop = stop
        self._closed = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="harvest-fetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._closed.is_set():
                try:
                    item = next(self._pages)
                except StopIteration:
                    break
                if not self._put((True, item)) or self._stop():
                    break       # closed, or asked to stop: nothing after this item
        except BaseException as exc:    # handed to the consumer, raised in its thread
            self._put((False, exc))
            return
        self._put((False, None))

    def _put(self, entry: tuple) -> bool:
        """Queue *entry* once there is room; False when closed first (nobody will read it)."""
        while not self._closed.is_set():
            try:
                self._queue.put(entry, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def __iter__(self) -> Iterator:
        while True:
            ok, item = self._queue.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item

    def close(self, wait: bool = True) -> None:
        self._closed.set()
        if wait:
            self._thread.join()
