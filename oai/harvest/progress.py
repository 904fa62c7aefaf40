"""Progress of running harvests: a tqdm bar per source on a terminal, plain lines otherwise.

The run loop calls a ``Tracker`` (one per source) after each committed page and for each note
(a repair, a set-aside record, a restarted list). ``for_stream`` picks the kind: a terminal gets
bars (records, pages, rate and, once the partner announces a completeListSize, time left);
cron and log files get one line per page at most every ``every`` seconds, plus every note.
The final per-source summary is the CLI's job, not this module's.
"""
from __future__ import annotations

import threading
import time
from typing import TextIO

from oai.harvest.models import Page


class Tracker:
    """Progress of one source. This base class shows nothing (library use, tests)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.records = 0
        self.pages = 0
        self._finished_lists = 0      # records of lists already complete
        self._list_total: int | None = None

    @property
    def total(self) -> int | None:
        """Records expected in all, as far as completeListSize tells (None: unknown)."""
        if self._list_total is None:
            return None
        return self._finished_lists + self._list_total

    def page(self, page: Page) -> None:
        """A page was committed."""
        self.records += len(page.records)
        self.pages += 1
        size = page.resumption.complete_list_size if page.resumption else None
        if size is not None:
            self._list_total = size
        if page.done:
            self._finished_lists, self._list_total = self.records, None
        self.show(page)

    def show(self, page: Page) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class LineTracker(Tracker):
    """Plain lines on *stream* (stderr): for cron and log files."""

    _lock = threading.Lock()

    def __init__(self, source: str, stream: TextIO | None, every: float = 10.0) -> None:
        super().__init__(source)
        self.stream, self.every = stream, every
        self._start = time.monotonic()
        self._last: float | None = None

    def _write(self, text: str) -> None:
        with self._lock:
            print(f"{self.source}: {text}", file=self.stream, flush=True)

    def show(self, page: Page) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every and not page.done:
            return
        self._last = now
        total = f" of about {self.total}" if self.total else ""
        rate = self.records / max(now - self._start, 1e-6)
        self._write(f"page {self.pages}: {self.records} records{total} ({rate:.1f}/s)")

    def note(self, text: str) -> None:
        self._write(text)


class BarTracker(Tracker):
    """A tqdm bar: records, pages, rate, time left once a completeListSize is known."""

    def __init__(self, source: str, stream: TextIO | None, position: int = 0) -> None:
        super().__init__(source)
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bar = tqdm(desc=source, unit=" rec", file=stream, position=position,
                        dynamic_ncols=True, leave=True)

    def show(self, page: Page) -> None:
        total = self.total
        if total is not None and total != self.bar.total:
            self.bar.total = max(total, self.records)
            self.bar.refresh()
        self.bar.set_postfix_str(f"{self.pages} pages", refresh=False)
        self.bar.update(len(page.records))

    def note(self, text: str) -> None:
        self._tqdm.write(f"{self.source}: {text}", file=self.bar.fp)

    def close(self) -> None:
        self.bar.close()


class Progress:
    """Makes a tracker per source, all of one kind: ``"bar"``, ``"lines"`` or ``"none"``."""

    def __init__(self, kind: str = "none", stream: TextIO | None = None,
                 every: float = 10.0) -> None:
        if kind not in ("bar", "lines", "none"):
            raise ValueError(f"unknown progress kind {kind!r}")
        self.kind, self.stream, self.every = kind, stream, every
        self._positions = 0
        self._lock = threading.Lock()

    @classmethod
    def for_stream(cls, stream: TextIO, every: float = 10.0) -> Progress:
        """Bars on a terminal, lines otherwise."""
        isatty = getattr(stream, "isatty", None)
        return cls("bar" if isatty and isatty() else "lines", stream, every)

    def track(self, source: str) -> Tracker:
        if self.kind == "bar":
            with self._lock:
                position, self._positions = self._positions, self._positions + 1
            return BarTracker(source, self.stream, position)
        if self.kind == "lines":
            return LineTracker(source, self.stream, self.every)
        return Tracker(source)
