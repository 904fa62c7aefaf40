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

Workers are started with ``forkserver``, never by forking the caller: a harvest has a
fetching thread and an open database transaction, neither of which may be copied.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections import deque
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from schemas.base import FormatRegistry
from store.record_types import DCValue

T = TypeVar("T")
# (prefixes to render, the Dublin Core to render them from), or None: nothing to render.
Job = tuple[Sequence[str], Sequence[DCValue]] | None

START_AFTER = 2000   # below this, starting the workers (~0.3 s) costs more than it saves
CHUNK = 200          # records a worker renders at a time (~50 ms of work)
AHEAD = 3            # chunks waiting for each worker, so that none waits on the caller

_registry: FormatRegistry | None = None


def render(registry: FormatRegistry, job: Job) -> dict[str, bytes]:
    """Each prefix of *job* serialized from its Dublin Core (``MetadataFormat.serialize``)."""
    if job is None:
        return {}
    prefixes, dc = job
    out = {}
    for prefix in prefixes:
        fmt = registry.get(prefix)
        if fmt is None:
            raise ValueError(f"no metadata format {prefix!r} to render")
        out[prefix] = fmt.serialize(dc)
    return out


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
        self._pool: Any = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _workers(self, coming: int) -> Any:
        """The pool, started once more than ``start_after`` records are asked for."""
        self.seen += coming
        if self._pool is None and self.workers and self.seen > self.start_after:
            context = multiprocessing.get_context("forkserver")
            self._pool = context.Pool(self.workers, initializer=_start,
                                      initargs=(self.registry,))
        return self._pool

    def submit(self, jobs: Sequence[Job]) -> Callable[[], list[dict[str, bytes]]]:
        """Hand over *jobs* (a page of a harvest); the function returned gives their
        renderings, raising the first failing record's error. With workers, they render
        meanwhile, a share each; without, the renderings are made when asked for."""
        pool = self._workers(len(jobs))
        if pool is None:
            return lambda: [render(self.registry, job) for job in jobs]
        share = max(1, -(-len(jobs) // self.workers))          # ceiling
        results = [pool.apply_async(_render_chunk, ([_plain(j) for j in jobs[i:i + share]],))
                   for i in range(0, len(jobs), share)]
        return lambda: list(_raised([out for result in results for out in result.get()]))

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
        if pool is None:
            for item in source:
                yield item, render(self.registry, job(item))
            return
        pending: deque = deque()

        def submit() -> bool:
            batch = list(islice(source, self.chunk))
            if batch:
                jobs = [_plain(job(item)) for item in batch]
                pending.append((batch, pool.apply_async(_render_chunk, (jobs,))))
            return bool(batch)

        while len(pending) < self.workers * AHEAD and submit():
            pass
        while pending:
            batch, result = pending.popleft()
            outcomes = result.get()
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


def _start(registry: FormatRegistry) -> None:
    global _registry
    _registry = registry
    # Ctrl-C is the caller's to handle: a worker leaves with the pool, without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _render_chunk(jobs: list) -> list[dict[str, bytes] | Exception]:
    assert _registry is not None
    out: list[dict[str, bytes] | Exception] = []
    for plain in jobs:
        try:
            job = None if plain is None else (plain[0], [DCValue(*v) for v in plain[1]])
            out.append(render(_registry, job))
        except Exception as exc:  # noqa: BLE001 - raised again in the caller, at its record
            out.append(exc if _portable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
    return out


def _portable(exc: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure means it cannot cross back as it is
        return False
    return True
