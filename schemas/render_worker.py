"""A rendering worker: a Python process of its own (``python -m schemas.render_worker``) that
renders chunks of records for ``schemas.rendering``, talking over its standard input and
output, and the ``Worker`` handle the caller keeps of it.

The worker is a fresh interpreter, neither forked from the caller nor made by
``multiprocessing``: a fork would copy the locks a harvest's fetching thread may hold (lxml's
among them), and ``multiprocessing``'s other ways import the caller's main module again in
every worker, which runs a script written without a ``__main__`` guard a second time (its
import, its writes) or hangs it. The worker imports only the renderer's modules.

The conversation is pickled messages, each preceded by its length: in, the registry, then
numbered chunks of jobs; out, each chunk's number with one outcome a job (its renderings, or
the exception rendering it raised). Two threads of the caller's write the chunks and read
the outcomes as they come, so the caller never waits on a full pipe, nor the worker.
"""
from __future__ import annotations

import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from typing import IO, Any, Callable, Sequence

from schemas.base import FormatRegistry
from store.record_types import DCValue

# (prefixes to render, the Dublin Core to render them from), or None: nothing to render.
Job = tuple[Sequence[str], Sequence[DCValue]] | None

_LENGTH = struct.Struct("!Q")


def send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message; EOFError when the other side has closed."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Worker:
    """One worker process. ``submit`` hands it a chunk and returns the function that waits
    for that chunk's outcomes; chunks are rendered in the order they were handed over."""

    def __init__(self, registry: FormatRegistry) -> None:
        # The caller's import path, so that a registry naming formats of the caller's own
        # modules unpickles in the worker too.
        path = os.pathsep.join(p for p in sys.path if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "schemas.render_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
        self._outcomes: queue.Queue = queue.Queue()
        self._chunks: queue.Queue = queue.Queue()
        self._arrived: dict[int, list] = {}
        self._next = 0
        self._threads = [threading.Thread(target=self._read, name="render-results",
                                          daemon=True),
                         threading.Thread(target=self._write, name="render-jobs", daemon=True)]
        for thread in self._threads:
            thread.start()
        self._chunks.put(registry)

    @property
    def _stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin

    def _read(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                self._outcomes.put(receive(self.process.stdout))
        except (EOFError, OSError, pickle.UnpicklingError):
            self._outcomes.put(None)      # the worker has gone: whoever waits is told

    def _write(self) -> None:
        try:
            while (message := self._chunks.get()) is not None:
                send(self._stdin, message)
        except OSError:
            pass                          # gone: whoever waits is told by the reader
        finally:
            try:
                self._stdin.close()       # the end of its input: the worker ends
            except OSError:
                pass

    def submit(self, jobs: list) -> Callable[[], list]:
        number, self._next = self._next, self._next + 1
        self._chunks.put((number, jobs))
        return lambda: self._wait(number)

    def _wait(self, number: int) -> list:
        # Chunks nobody waited for (a page given up after an error) are dropped on the way.
        while number not in self._arrived:
            message = self._outcomes.get()
            if message is None:
                self._outcomes.put(None)
                raise RuntimeError(f"a rendering worker ended unexpectedly (exit status "
                                   f"{self.process.poll()})")
            got, outcomes = message
            if got >= number:
                self._arrived[got] = outcomes
        return self._arrived.pop(number)

    def close(self) -> None:
        """Ask the worker to end (the end of its input), and make sure it has. Chunks it was
        still given are not waited for: whoever closes has what it needs."""
        self._chunks.put(None)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


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


def render_chunk(registry: FormatRegistry, jobs: list) -> list[dict[str, bytes] | Exception]:
    """A worker's part: each job's renderings (DC values came as plain tuples), or its
    error."""
    out: list[dict[str, bytes] | Exception] = []
    for plain in jobs:
        try:
            job = None if plain is None else (plain[0], [DCValue(*v) for v in plain[1]])
            out.append(render(registry, job))
        except Exception as exc:  # noqa: BLE001 - raised again in the caller, at its record
            out.append(exc if _portable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
    return out


def _portable(exc: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure means it cannot cross back as it is
        return False
    return True


def main() -> None:
    # Ctrl-C is the caller's to handle; the worker ends when its input does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        registry = receive(stdin)
        while True:
            number, jobs = receive(stdin)
            send(stdout, (number, render_chunk(registry, jobs)))
    except (EOFError, BrokenPipeError):
        return


if __name__ == "__main__":
    main()
