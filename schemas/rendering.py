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
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

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


def rendered(items: Iterable[T], job: Callable[[T], Job], registry: FormatRegistry, *,
             processes: int | None = None, start_after: int | None = None,
             chunk: int = CHUNK) -> Iterator[tuple[T, dict[str, bytes]]]:
    """(item, its renderings) for each of *items*, in their order; ``job(item)`` says what
    to render (it runs here, as the item comes). Raises a record's rendering error at it."""
    source = iter(items)
    for item in islice(source, START_AFTER if start_after is None else start_after):
        yield item, render(registry, job(item))
    for following in source:   # anything left? (a small input never starts workers)
        source = chain([following], source)
        break
    else:
        return
    workers = worker_count(processes)
    if workers == 0:
        for item in source:
            yield item, render(registry, job(item))
        return
    context = multiprocessing.get_context("forkserver")
    with context.Pool(workers, initializer=_start, initargs=(registry,)) as pool:
        pending: deque = deque()

        def submit() -> bool:
            batch = list(islice(source, chunk))
            if batch:
                jobs = [_plain(job(item)) for item in batch]
                pending.append((batch, pool.apply_async(_render_chunk, (jobs,))))
            return bool(batch)

        while len(pending) < workers * AHEAD and submit():
            pass
        while pending:
            batch, result = pending.popleft()
            outcomes = result.get()
            submit()
            for item, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    raise outcome
                yield item, outcome


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
