"""Real server processes for the tests: gunicorn serving ``oai:create_app()`` on a free
loopback port, and a synthetic catalogue big enough to take many pages.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from store.record_types import DCValue, RecordDraft, SetInfo

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(database_url: str, *, workers: int = 2, **env: str) -> Iterator[str]:
    """gunicorn serving `oai:create_app()` on 127.0.0.1 with *workers* sync workers; *env*
    adds settings (OAI_PAGE_SIZE...). Yields the base URL; stopped (and waited for) on exit."""
    port = _free_port()
    environ = {**os.environ, "OAI_DATABASE_URL": database_url, **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--log-level", "warning", "oai:create_app()"],
        cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/oai"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stdout.read().decode()}")
            try:
                if requests.get(base, params={"verb": "Identify"}, timeout=10).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not start within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()   # a pipe left open is a ResourceWarning, which fails the test


def fill_synthetic(database_url: str, n: int, *, sets: int = 1,
                   delete_every: int = 1000) -> dict[str, bool]:
    """A catalogue of *n* records ``oai:granary.example.org:00000``...: every odd one in one
    of *sets* sets (``bulk``, or ``bulk-000``... when several), every *delete_every*-th
    deleted afterwards. Returns identifier -> deleted."""
    from schemas import default_registry
    from store import RecordStore

    oai_dc = default_registry().get("oai_dc")
    specs = ["bulk"] if sets == 1 else [f"bulk-{k:03d}" for k in range(sets)]
    ids = [f"oai:granary.example.org:{i:05d}" for i in range(n)]

    def drafts():
        for i, ident in enumerate(ids):
            dc = (DCValue("title", f"Synthetic record {i}"), DCValue("identifier", f"urn:x:{i}"))
            yield RecordDraft(ident, dc, sets=(specs[i // 2 % sets],) if i % 2 else (),
                              disseminations={"oai_dc": oai_dc.serialize(dc)})

    store = RecordStore(database_url)
    try:
        store.upgrade()
        with store.writer() as w:
            for spec in specs:
                w.put_set(SetInfo(spec, spec.capitalize()))
            w.put_many(drafts())
        with store.writer() as w:
            for ident in ids[::delete_every]:
                w.delete(ident)
    finally:
        store.close()
    return {ident: i % delete_every == 0 for i, ident in enumerate(ids)}
