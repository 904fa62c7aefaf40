"""Benchmark plumbing: a gunicorn server on a free loopback port, its workers' peak memory, and
scratch databases (an SQLite file, or a fresh PostgreSQL schema dropped afterwards).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The direct child processes of *pid* (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (the peak resident set size) of process *pid* in MB, None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def worker_peak_rss_mb(self) -> float | None:
        """The largest VmHWM among the gunicorn workers (the master does no serving)."""
        peaks = [p for p in map(peak_rss_mb, self.worker_pids()) if p is not None]
        return max(peaks) if peaks else None


@contextmanager
def serving(command: list[str], *, name: str, env: dict[str, str] | None = None,
            startup: float = 120) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run *command* (a server that takes the port from ``{port}`` in its words) on a free
    loopback port until it answers Identify; (base URL, process). Stopped (and waited for)
    on exit; its output is shown only if it dies before answering."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([word.replace("{port}", str(port)) for word in command], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/oai"
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{name} exited: {log.read().decode(errors='replace')}")
            try:
                if requests.get(base, params={"verb": "Identify"}, timeout=30).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within {startup:.0f} s")
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextmanager
def gunicorn(database_url: str, *, workers: int = 1, worker_class: str = "sync",
             extra_env: dict[str, str] | None = None,
             app: str = "oai:create_app()") -> Iterator[Server]:
    """gunicorn serving *app* (Granary's ``oai:create_app()`` unless said; a module of bench/
    by its name) on 127.0.0.1 with the default page size; stopped (and waited for) on exit."""
    env = {k: v for k, v in os.environ.items() if k != "OAI_PAGE_SIZE"}   # the default, unless
    env.update({"OAI_DATABASE_URL": database_url, **(extra_env or {})})  # extra_env sets one
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:{port}", "--workers",
               str(workers), "--worker-class", worker_class, "--log-level", "warning",
               "--timeout", "300", "--pythonpath", str(ROOT / "bench"), app]
    with serving(command, name="gunicorn", env=env) as (base, proc):
        # Every worker must be up before memory is read (each answers on its own).
        deadline = time.monotonic() + 120
        while len(children(proc.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield Server(base, proc)


def _conninfo(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1].split("?", 1)[0]


@contextmanager
def scratch_database(engine: str, *, postgres_url: str = DEFAULT_POSTGRES,
                     workdir: str | None = None) -> Iterator[str]:
    """A SQLAlchemy URL to an empty store: a new SQLite file in a temporary folder, or a new
    PostgreSQL schema (search_path set through the URL, as the tests do). Removed afterwards."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="granary-bench-", dir=workdir) as folder:
            yield f"sqlite:///{folder}/granary.db"
        return
    if engine != "postgres":
        raise ValueError(f"unknown engine {engine!r}: sqlite or postgres")
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_conninfo(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options={quote('-csearch_path=' + schema)}"
    finally:
        with psycopg.connect(_conninfo(postgres_url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def vacuum_analyze(url: str) -> None:
    """Fresh planner statistics after a bulk load, as an operator would do (PostgreSQL's
    autovacuum would get there on its own, later); then a checkpoint, so that the load's
    dirty pages are written now and not by the checkpointer in the middle of a measurement."""
    if not url.startswith("postgresql"):
        return
    import psycopg

    options = url.split("options=", 1)[1] if "options=" in url else ""
    from urllib.parse import unquote
    search_path = unquote(options).removeprefix("-csearch_path=")
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        if search_path:
            conn.execute(f'SET search_path TO "{search_path}"')
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
