"""Granary beside the peer (issue 12): the pyoai fork (``oaipmh`` from PyPI, in an environment
of its own) and Granary serve the same records, and the same plain client times both, in one
run. Everything is done by calling ``../shared/peer-bench``'s scripts (never copies of them):

* ``synth_to_oaidc.py N FILE`` writes the records as one saved ListRecords response;
  ``parse_floor.py FILE`` times one bare lxml pass over it and ``oai-harvest import FILE``
  takes it into an empty store (target 3: import <= 2x the floor), alternately, ``runs`` times;
* ``peer_pyoai_server.py`` serves the same N records (from its own SQLite file) and gunicorn
  serves the imported store (the README's deployment: one sync worker), at each page size;
  ``harvest_timed.py`` harvests ListRecords and ListIdentifiers from each, alternately
  (target 1: >= 4x the peer's rate);
* ``small_requests.py`` asks each for GetRecord and Identify one after another (target 2:
  >= 2x the peer's requests/s), and asks a constant WSGI app under the same gunicorn
  (``null_app``) too: the floor of the HTTP server and the client alone;
* our harvester takes the served store into a second one, alternately with the plain client
  harvesting the same server (target 4: <= 2.5x its wall time), with the kept items (target 5:
  flatness, the worker's and the harvester's peak RSS).

Called by ``bench/run.py --peer``; the report is ``peer_report``'s.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import scenarios
import server

ROOT = server.ROOT
SCRIPTS = ROOT.parent / "shared" / "peer-bench"
REQUIREMENTS = ROOT / "bench" / "peer-requirements.txt"
DEFAULT_VENV = ROOT / "bench" / ".peer-venv"
VERBS = ("ListRecords", "ListIdentifiers")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fields(output: str) -> dict[str, float | str]:
    """The ``key=value`` words of a script's last line (numbers as floats)."""
    lines = [line for line in output.splitlines() if "=" in line]
    found: dict[str, float | str] = {}
    for word in (lines[-1] if lines else "").split():
        key, sep, value = word.partition("=")
        if sep:
            try:
                found[key] = float(value)
            except ValueError:
                found[key] = value
    return found


def peer_python(venv: str | None) -> Path:
    """The peer environment's python: *venv* (or $GRANARY_PEER_VENV) when given, else
    bench/.peer-venv, built from bench/peer-requirements.txt the first time."""
    folder = Path(venv or os.environ.get("GRANARY_PEER_VENV") or DEFAULT_VENV)
    python = folder / "bin" / "python"
    if not python.exists():
        if venv or os.environ.get("GRANARY_PEER_VENV"):
            raise SystemExit(f"no python in the peer environment {folder}")
        _say(f"building the peer environment in {folder} (PyPI)")
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
                       check=True)
    return python


class Peer:
    """The peer's scripts run with the peer environment's python; its data in *workdir*."""

    def __init__(self, python: Path, scripts: Path, workdir: Path) -> None:
        self.python, self.scripts, self.workdir = python, scripts, workdir
        self.env = {**os.environ, "PEER_BENCH_DIR": str(workdir)}
        missing = [s for s in ("synth_to_oaidc.py", "parse_floor.py", "peer_pyoai_server.py",
                               "harvest_timed.py", "small_requests.py")
                   if not (scripts / s).exists()]
        if missing:
            raise SystemExit(f"{scripts} lacks {', '.join(missing)}: is ../shared beside "
                             "the repository? (--peer-bench names another folder)")

    def run(self, script: str, *args: str, timeout: float = 3600) -> tuple[dict, float]:
        """Run a script to its end: (its result line's fields, wall seconds)."""
        began = time.perf_counter()
        proc = subprocess.run([str(self.python), str(self.scripts / script), *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        seconds = time.perf_counter() - began
        if proc.returncode != 0:
            raise RuntimeError(f"{script} {' '.join(args)} exited {proc.returncode}: "
                               f"{(proc.stdout + proc.stderr)[-800:]}")
        return fields(proc.stdout), seconds

    @contextmanager
    def serve(self, records: int, page_size: int) -> Iterator[str]:
        command = [str(self.python), str(self.scripts / "peer_pyoai_server.py"), "--records",
                   str(records), "--port", "{port}", "--page-size", str(page_size),
                   "--lifetime", "14400"]
        # Its first start builds its SQLite file of the records: give it time.
        with server.serving(command, name="the peer", env=self.env, startup=1800) as (base, _):
            yield base


def granary_import(url: str, saved: Path) -> float:
    """Wall seconds of ``oai-harvest import FILE`` into the store at *url* (start-up
    included: what an administrator waits for)."""
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "harvest_cli.py"), "import",
                           "--database", url, str(saved)], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"import exited {proc.returncode}: {proc.stderr[-800:]}")
    return time.perf_counter() - began


def measure(engine: str, peer: Peer, saved: Path, args) -> dict:
    """Every comparison on one engine; raw runs and medians."""
    _say(f"{engine}, {args.peer_records:,} records")
    out: dict = {"engine": engine, "records": args.peer_records, "import": [], "lists": {},
                 "small": {}, "store_to_store": []}
    for i in range(args.runs):
        with server.scratch_database(engine, postgres_url=args.postgres_url,
                                     workdir=args.workdir) as url:
            floor, floor_seconds = peer.run("parse_floor.py", str(saved))
            seconds = granary_import(url, saved)
            out["import"].append({"seconds": seconds, "floor": floor["seconds"]})
            _say(f"  import {i + 1}/{args.runs}: {seconds:.1f} s, parse floor "
                 f"{floor['seconds']:.2f} s ({seconds / floor['seconds']:.1f}x)")
            if i == args.runs - 1:
                server.vacuum_analyze(url)
                _serve_and_compare(url, engine, peer, args, out)
    return out


def _serve_and_compare(url: str, engine: str, peer: Peer, args, out: dict) -> None:
    sizes = args.page_sizes
    for size in sizes:
        env = {"OAI_PAGE_SIZE": str(size)}
        with server.gunicorn(url, worker_class=args.worker_class, extra_env=env) as ours, \
                peer.serve(args.peer_records, size) as theirs:
            for verb in VERBS:
                runs = out["lists"].setdefault(f"{verb} {size}", [])
                for _ in range(args.runs):
                    mine, _ = peer.run("harvest_timed.py", ours.base_url, "--verb", verb)
                    their, _ = peer.run("harvest_timed.py", theirs, "--verb", verb)
                    if mine["records"] != their["records"] or mine["records"] != mine["unique"]:
                        raise RuntimeError(f"{verb}: Granary served {mine['records']} "
                                           f"({mine['unique']} unique), the peer "
                                           f"{their['records']}")
                    runs.append({"granary": mine, "peer": their})
                    _say(f"  {verb} page {size}: {mine['rate']:,.0f}/s vs "
                         f"{their['rate']:,.0f}/s, flat {mine['flat']}")
            if size == sizes[0]:
                _small_requests(ours.base_url, theirs, peer, args, out)
            out.setdefault("worker_rss_mb", []).append(ours.worker_peak_rss_mb())
            if size == sizes[-1] and not args.skip_store_to_store:
                _store_to_store(ours.base_url, engine, peer, args, out, size)


def _small_requests(ours: str, theirs: str, peer: Peer, args, out: dict) -> None:
    n = str(args.small_requests)
    with server.gunicorn("sqlite://", worker_class=args.worker_class,
                         app="null_app:app") as null:
        for _ in range(args.runs):
            for who, base in (("granary", ours), ("peer", theirs), ("floor", null.base_url)):
                found, _ = peer.run("small_requests.py", base, n)
                out["small"].setdefault(who, []).append(found)
            _say("  small requests (GetRecord, Identify req/s): " + "; ".join(
                f"{who} {runs[-1]['getrecord']:,.0f}, {runs[-1]['identify']:,.0f}"
                for who, runs in out["small"].items()))


def _store_to_store(base: str, engine: str, peer: Peer, args, out: dict, size: int) -> None:
    for _ in range(args.runs):
        plain, _ = peer.run("harvest_timed.py", base, "--verb", "ListRecords")
        with server.scratch_database(engine, postgres_url=args.postgres_url,
                                     workdir=args.workdir) as target:
            ours = scenarios.store_to_store(base, target, args.peer_records)
        if "seconds" not in ours or "error" in ours:
            raise RuntimeError(f"store-to-store: {ours}")
        out["store_to_store"].append({"seconds": ours["seconds"], "rss_mb": ours["rss_mb"],
                                      "plain_seconds": plain["seconds"], "page_size": size})
        _say(f"  store-to-store page {size}: {ours['seconds']:.1f} s vs plain client "
             f"{plain['seconds']:.1f} s, harvester {ours['rss_mb']:.0f} MB")


def run(args) -> list[dict]:
    """The whole comparison for every engine of *args*; the saved file is made once."""
    python = peer_python(args.peer_venv)
    with tempfile.TemporaryDirectory(prefix="granary-peer-", dir=args.workdir) as folder:
        data = Path(os.environ.get("PEER_BENCH_DIR") or folder)
        peer = Peer(python, Path(args.peer_bench or SCRIPTS), data)
        saved = Path(folder) / f"synth-{args.peer_records}.xml"
        peer.run("synth_to_oaidc.py", str(args.peer_records), str(saved))
        return [measure(engine, peer, saved, args) for engine in args.engine_list]
