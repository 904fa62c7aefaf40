"""The real server process (gunicorn, as deployed) on a free loopback port, harvested completely
by Sickle, an independent OAI-PMH client: every record exactly once, deletions included.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from store.types import DCValue, RecordDraft, SetInfo

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(database_url: str, **env):
    """gunicorn serving `oai:create_app()` on 127.0.0.1; stopped (and waited for) on exit."""
    port = _free_port()
    environ = {**os.environ, "OAI_DATABASE_URL": database_url, **env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning", "oai:create_app()"],
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


def sickle_harvest(base: str, verb: str = "ListRecords") -> list:
    from sickle import Sickle

    client = Sickle(base, max_retries=3, timeout=30)
    return list(getattr(client, verb)(metadataPrefix="oai_dc", ignore_deleted=False))


def test_sickle_harvests_the_demo_catalogue(store_url):
    from harvest_cli import main

    assert main(["--database", store_url, "demo"]) == 0
    with running_server(store_url) as base:
        records = sickle_harvest(base)
        ids = [r.header.identifier for r in records]
        assert ids and len(ids) == len(set(ids))
        assert any(r.header.deleted for r in records)
        live = [r for r in records if not r.header.deleted]
        assert all(r.metadata.get("title") for r in live)
        headers = sickle_harvest(base, "ListIdentifiers")
        assert [h.identifier for h in headers] == ids


@pytest.mark.slow
def test_sickle_harvests_ten_thousand_records(store_url):
    from schemas import default_registry
    from store import RecordStore

    oai_dc = default_registry().get("oai_dc")
    store = RecordStore(store_url)
    store.upgrade()

    def drafts():
        for i in range(10_000):
            dc = (DCValue("title", f"Synthetic record {i}"), DCValue("identifier", f"urn:x:{i}"))
            yield RecordDraft(f"oai:granary.example.org:{i:05d}", dc,
                              sets=("bulk",) if i % 2 else (),
                              disseminations={"oai_dc": oai_dc.serialize(dc)})

    with store.writer() as w:
        w.put_set(SetInfo("bulk", "Bulk"))
        w.put_many(drafts())
    with store.writer() as w:
        for i in range(0, 10_000, 1000):
            w.delete(f"oai:granary.example.org:{i:05d}")
    store.close()

    with running_server(store_url, OAI_PAGE_SIZE="500") as base:
        records = sickle_harvest(base)
    ids = [r.header.identifier for r in records]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert sum(r.header.deleted for r in records) == 10
