"""The scale benchmark (issue 4): build, serve and harvest synthetic stores on SQLite and
PostgreSQL, and print how the measurements compare with the targets.

For each engine and size: build the store with ``synth`` (bulk import rate), serve it with
gunicorn (one sync worker, default page size), harvest it completely with the plain client
(``harvest_client``) for ListRecords and ListIdentifiers, then selectively (from/until in the
middle of the datestamps, and a set with a sub-set), timing the pages at the start, middle and
end; read the worker's peak RSS; take the store into a second one with our own harvester (when
it exists); and, on the store of ``--concurrent-size`` records, run ``--concurrent`` full
harvests at once while records are edited. Medians of ``--runs`` runs. The table goes to
stdout and ``bench/results/latest.md``, the raw numbers to ``bench/results/latest.json``.

    python bench/run.py --engines sqlite,postgres --sizes 100000 --runs 3

With ``--peer``, the comparison with the peer (issue 12, ``peers.py``) instead: the same
records served by Granary and by ``oaipmh``, every ratio of the issue's targets, written to
``bench/results/peer-latest.md`` and ``.json``.

    python bench/run.py --peer --engines sqlite,postgres --peer-records 100000 --runs 3
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peer_report  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
import server  # noqa: E402
from harvest_client import harvest  # noqa: E402
from synth import START, YEARS, synth  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _stamp(fraction: float) -> str:
    moment = START + timedelta(seconds=int(YEARS * 365.25 * 86400 * fraction))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# name -> (verb, harvest keyword arguments)
LISTS = {
    "ListRecords": ("ListRecords", {}),
    "ListIdentifiers": ("ListIdentifiers", {}),
    "ListRecords from/until (middle 20%)": ("ListRecords",
                                            {"from_": _stamp(0.4), "until": _stamp(0.6)}),
    "ListRecords set=collections:maps": ("ListRecords", {"set_spec": "collections:maps"}),
}


def build(engine: str, size: int, runs: int, args: argparse.Namespace, keep):
    """Build the store *runs* times (the import rates); *keep(url)* runs on the last one."""
    imports = []
    for i in range(runs):
        with server.scratch_database(engine, postgres_url=args.postgres_url,
                                     workdir=args.workdir) as url:
            result = synth(url, size, batch=args.batch, progress=args.progress)
            imports.append({"rate": result.rate, "seconds": result.seconds,
                            "write_rate": size / result.write_seconds,
                            "build_seconds": result.build_seconds,
                            "render_seconds": result.render_seconds,
                            "write_seconds": result.write_seconds})
            _say(f"  import {i + 1}/{runs}: {result.rate:,.0f} records/s "
                 f"(store writes alone {size / result.write_seconds:,.0f}/s)")
            if i == runs - 1:
                server.vacuum_analyze(url)
                return imports, keep(url)
    raise ValueError("runs must be at least 1")


def measure_lists(url: str, size: int, args: argparse.Namespace) -> dict:
    out: dict = {"lists": {}}
    with server.gunicorn(url, workers=1) as srv:
        for name, (verb, kwargs) in LISTS.items():
            runs = []
            for _ in range(args.runs):
                r = harvest(srv.base_url, verb, keep_ids=False, **kwargs)
                if r.repeats:
                    raise RuntimeError(f"{name}: {len(r.repeats)} identifiers repeated")
                if not kwargs and r.items != size:
                    raise RuntimeError(f"{name}: {r.items} items for a store of {size}")
                runs.append({"items": r.items, "seconds": r.seconds, "rate": r.rate,
                             "pages": len(r.pages), **r.page_profile()})
                _say(f"  {name}: {r.items} in {r.seconds:.1f} s = {r.rate:,.0f}/s; pages (ms) "
                     + ", ".join(f"{k} {v:.1f}" for k, v in r.page_profile().items()
                                 if v is not None))
            out["lists"][name] = {"runs": runs, **{
                key: report.median([run[key] for run in runs])
                for key in ("items", "rate", "seconds", "first", "early", "middle", "end",
                            "last")}}
        out["server_peak_rss_mb"] = srv.worker_peak_rss_mb()
    return out


def measure_store_to_store(url: str, engine: str, size: int, args: argparse.Namespace) -> dict:
    why_not = scenarios.harvester_available()
    if why_not:
        return {"skipped": why_not}
    runs = []
    with server.gunicorn(url, workers=1) as srv:
        for _ in range(args.store_to_store_runs or args.runs):
            with server.scratch_database(engine, postgres_url=args.postgres_url,
                                         workdir=args.workdir) as target:
                runs.append(scenarios.store_to_store(srv.base_url, target, size))
                _say(f"  store-to-store: {runs[-1]}")
            if "rate" not in runs[-1]:
                return runs[-1]
    return {"runs": runs, "rate": report.median([r["rate"] for r in runs]),
            "rss_mb": max(r["rss_mb"] for r in runs)}


def measure(engine: str, size: int, args: argparse.Namespace) -> dict:
    _say(f"{engine}, {size:,} records")

    def with_store(url: str) -> dict:
        found = measure_lists(url, size, args)
        if not args.skip_store_to_store:
            found["store_to_store"] = measure_store_to_store(url, engine, size, args)
        if args.concurrent and size == args.concurrent_size:
            with server.gunicorn(url, workers=args.concurrent_workers) as srv:
                found["concurrent"] = scenarios.concurrent_harvests(
                    srv.base_url, url, size, args.concurrent)
            _say(f"  concurrent: {found['concurrent']}")
        return found

    imports, found = build(engine, size, args.build_runs or args.runs, args, with_store)
    return {"engine": engine, "size": size, "imports": imports,
            "import_rate": report.median([i["rate"] for i in imports]),
            "write_rate": report.median([i["write_rate"] for i in imports]), **found}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--build-runs", type=int, default=0,
                        help="imports per size (default: --runs)")
    parser.add_argument("--batch", type=int, default=1000, help="synth records per transaction")
    parser.add_argument("--concurrent", type=int, default=20, help="0 to skip")
    parser.add_argument("--concurrent-size", type=int, default=100000)
    parser.add_argument("--concurrent-workers", type=int, default=2)
    parser.add_argument("--skip-store-to-store", action="store_true")
    parser.add_argument("--store-to-store-runs", type=int, default=0,
                        help="harvests into a second store (default: --runs)")
    parser.add_argument("--postgres-url", default=server.DEFAULT_POSTGRES)
    parser.add_argument("--workdir", help="folder for the SQLite files (default: the system's)")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="folder for latest.md and latest.json")
    parser.add_argument("--progress", action="store_true")
    peer = parser.add_argument_group("the comparison with the peer (--peer)")
    peer.add_argument("--peer", action="store_true",
                      help="compare with the peer instead of the scale benchmark")
    peer.add_argument("--peer-records", type=int, default=100000)
    peer.add_argument("--page-sizes", default="100,500")
    peer.add_argument("--small-requests", type=int, default=2000,
                      help="GetRecord and Identify requests of each kind, a run")
    peer.add_argument("--worker-class", default="sync", help="Granary's gunicorn worker class")
    peer.add_argument("--peer-venv", help="the peer environment (else $GRANARY_PEER_VENV, "
                      "else bench/.peer-venv, built from bench/peer-requirements.txt)")
    peer.add_argument("--peer-bench", help="the peer-bench scripts (else ../shared/peer-bench)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.peer:
        return compare_with_peer(args, engines)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    began, first_commit = time.time(), report.commit()
    results = [measure(engine, size, args) for engine in engines for size in sizes]
    meta = report.environment(args, began, first_commit)
    _write(args.out, "latest", report.markdown(results, meta), meta, results)
    return 0


def compare_with_peer(args: argparse.Namespace, engines: list[str]) -> int:
    args.engine_list = engines
    args.page_sizes = [int(s) for s in args.page_sizes.split(",") if s.strip()]
    began, first_commit = time.time(), report.commit()
    results = peers.run(args)
    meta = {**report.environment(args, began, first_commit), "worker_class": args.worker_class}
    _write(args.out, "peer-latest", peer_report.markdown(results, meta), meta, results)
    return 0


def _write(folder: Path, stem: str, table: str, meta: dict, results: list[dict]) -> None:
    """The table to stdout and STEM.md, the raw figures to STEM.json."""
    print(table)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.md").write_text(table, encoding="utf-8")
    (folder / f"{stem}.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
