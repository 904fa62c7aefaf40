"""Rendering many records into their formats: in this process for a few, in worker processes
for many, in the records' order either way.

An import or a harvest renders each record's Dublin Core into every format we serve (oai_dc,
MARC 21, MODS: three quarters of an import's time is rendering and the rest reading and
writing). ``rendered`` keeps the reading and the writing in the calling process and hands
the rendering, a chunk of records at a time, to worker processes on the other cores, so the
two halves overlap. The first ``start_after`` records are rendered here: a small file never
pays for starting workers. A record whose rendering fails gets its exception raised when its
turn comes, exactly as if it had been rendered here, so whatever the caller does with a
failing record (refuse the file, set the record aside) is unchanged.

The workers are processes of their own (``schemas.render_worker``: why not forked, and not
``multiprocessing``'s), started once a renderer has seen ``start_after`` records and kept
until it is closed.
"""
from __future__ import annotations

import os
from collections import deque
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from schemas.base import FormatRegistry
from schemas.render_worker import Job, Worker, render

T = TypeVar("T")

START_AFTER = 2000   # below this, starting the workers (~0.3 s) costs more than it saves
CHUNK = 200          # records a worker renders at a time (~50 ms of work)
AHEAD = 3            # chunks waiting for each worker, so that none waits on the caller


def worker_count(processes: int | None = None) -> int:
    """*processes*, else one worker for each core but the caller's (at most four: the caller
    reads and writes at one core's speed, and more workers than that only wait for it)."""
    if processes is not None:
        return max(0, processes)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:      # not Linux
        cores = os.cpu_count() or 1
    return min(4, cores - 1)


class Renderer:
    """Renders jobs, here until ``start_after`` records were asked for, then with worker
    processes kept until ``close()`` (a context manager closes it). One renderer serves a
    whole import or a whole harvest, so the workers start once."""

    def __init__(self, registry: FormatRegistry, *, processes: int | None = None,
                 start_after: int | None = None, chunk: int | None = None) -> None:
        self.registry = registry
        self.workers = worker_count(processes)
        self.start_after = START_AFTER if start_after is None else start_after
        self.chunk = CHUNK if chunk is None else chunk
        self.seen = 0
        self._pool: list[Worker] = []
        self._turn = 0

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, []
        for worker in pool:
            worker.close()

    def _workers(self, coming: int) -> list[Worker]:
        """The workers, started once more than ``start_after`` records are asked for."""
        self.seen += coming
        if not self._pool and self.workers and self.seen > self.start_after:
            self._pool = [Worker(self.registry) for _ in range(self.workers)]
        return self._pool

    def _hand(self, jobs: Sequence[Job]) -> Callable[[], list]:
        """*jobs* to the next worker in turn; the function waits for their outcomes."""
        worker = self._pool[self._turn % len(self._pool)]
        self._turn += 1
        return worker.submit([_plain(job) for job in jobs])

    def submit(self, jobs: Sequence[Job]) -> Callable[[], list[dict[str, bytes]]]:
        """Hand over *jobs* (a page of a harvest); the function returned gives their
        renderings, raising the first failing record's error. With workers, they render
        meanwhile, a share each; without, the renderings are made when asked for."""
        pool = self._workers(len(jobs))
        if not pool:
            return lambda: [render(self.registry, job) for job in jobs]
        share = max(1, -(-len(jobs) // len(pool)))          # ceiling
        waits = [self._hand(jobs[i:i + share]) for i in range(0, len(jobs), share)]
        return lambda: list(_raised([out for wait in waits for out in wait()]))

    def stream(self, items: Iterable[T], job: Callable[[T], Job]
               ) -> Iterator[tuple[T, dict[str, bytes]]]:
        """(item, its renderings) for each of *items*, in their order, reading ahead of the
        caller by a few chunks (an import); ``job(item)`` says what to render. Raises a
        record's rendering error at that record."""
        source = iter(items)
        for item in islice(source, self.start_after):
            self.seen += 1
            yield item, render(self.registry, job(item))
        for following in source:   # anything left? (a small input never starts workers)
            source = chain([following], source)
            break
        else:
            return
        pool = self._workers(self.chunk)
        if not pool:
            for item in source:
                yield item, render(self.registry, job(item))
            return
        pending: deque = deque()

        def submit() -> bool:
            batch = list(islice(source, self.chunk))
            if batch:
                pending.append((batch, self._hand([job(item) for item in batch])))
            return bool(batch)

        while len(pending) < len(pool) * AHEAD and submit():
            pass
        while pending:
            batch, wait = pending.popleft()
            outcomes = wait()
            submit()
            for item, outcome in zip(batch, _raised(outcomes), strict=True):
                yield item, outcome


def rendered(items: Iterable[T], job: Callable[[T], Job], registry: FormatRegistry, *,
             processes: int | None = None, start_after: int | None = None,
             chunk: int | None = None) -> Iterator[tuple[T, dict[str, bytes]]]:
    """``Renderer.stream`` with a renderer of its own, closed when the items end."""
    with Renderer(registry, processes=processes, start_after=start_after,
                  chunk=chunk) as renderer:
        yield from renderer.stream(items, job)


def _raised(outcomes: list) -> Iterator[dict[str, bytes]]:
    """The outcomes in order, raising the first that is an exception when it comes."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        yield outcome


def _plain(job: Job) -> tuple[Sequence[str], list[tuple[str, str, str | None]]] | None:
    # Plain tuples cross to the worker at a fraction of the cost of pickled DCValues.
    if job is None:
        return None
    prefixes, dc = job
    return tuple(prefixes), [(v.element, v.value, v.lang) for v in dc]
