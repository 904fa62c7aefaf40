"""The format registry the server uses: the built-in formats plus those learnt from partners.

Records harvested in a format other than oai_dc are served again verbatim in that format
(OAI-PMH §3.4: a repository may disseminate any number of formats), so ListMetadataFormats,
GetRecord and the list verbs must know the format's prefix, namespace and schema. The
harvester records them in the store (``store.harvest.put_format``); ``LearntFormats`` reads
them through a plain callable, so this module needs no database.

Cheaply: the learnt formats are read again at most every ``ttl`` seconds (default 5) per
process, so a request costs no extra query, and a format learnt by a harvest running
elsewhere is served within seconds. When reading fails, the last list read is kept. Built-in
formats always win a prefix: a learnt format never replaces one.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Iterable, Iterator

from schemas.base import FormatRegistry, MetadataFormat

log = logging.getLogger(__name__)

Learnt = Iterable[tuple[str, str, str]]     # (prefix, namespace, schema)


class LearntFormats(FormatRegistry):
    """*base*'s formats, then each learnt one (verbatim: ``render`` is None)."""

    def __init__(self, base: FormatRegistry, read: Callable[[], Learnt], *, ttl: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._base = base
        self._read = read
        self._ttl = ttl
        self._clock = clock
        self._snapshot: FormatRegistry = base
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def register(self, fmt: MetadataFormat) -> None:
        self._base.register(fmt)
        self._read_at = None   # rebuild the snapshot with it

    def _current(self) -> FormatRegistry:
        now = self._clock()
        if self._read_at is not None and now - self._read_at < self._ttl:
            return self._snapshot
        with self._lock:
            if self._read_at is not None and now - self._read_at < self._ttl:
                return self._snapshot
            try:
                learnt = list(self._read())
            except Exception as exc:   # noqa: BLE001 - serve what we know; say why once
                log.warning("could not read the formats learnt from partners: %s", exc)
                learnt = None
            if learnt is not None:
                self._snapshot = _combined(self._base, learnt)
            self._read_at = now
            return self._snapshot

    def refresh(self) -> None:
        """Read the learnt formats at the next use (after a harvest in this process)."""
        self._read_at = None

    def get(self, prefix: str) -> MetadataFormat | None:
        return self._current().get(prefix)

    def __contains__(self, prefix: object) -> bool:
        return prefix in self._current()

    def __iter__(self) -> Iterator[MetadataFormat]:
        return iter(self._current())

    def by_namespace(self, namespace: str) -> MetadataFormat | None:
        return self._current().by_namespace(namespace)

    def renderable(self) -> list[MetadataFormat]:
        return self._current().renderable()


def _combined(base: FormatRegistry, learnt: Learnt) -> FormatRegistry:
    combined = FormatRegistry(list(base))
    for prefix, namespace, schema in learnt:
        if prefix in combined or prefix == "all":
            continue
        combined.register(MetadataFormat(prefix=prefix, namespace=namespace, schema=schema))
    return combined
