"""rebuild: how fast a new format reaches every stored record, and in how much memory.

``python bench/rebuild.py N [--database URL] [--prefix P ...] [--page SIZE]`` fills a store
with N synthetic records served in oai_dc only (bench/synth.py, in a child process so its
memory is not counted here), then runs ``oai.ingest.rebuild.rebuild`` (what ``oai-harvest
formats rebuild`` runs) for the formats named (default: every format rendered from Dublin
Core, i.e. marc21 and mods are new) and prints records/s and the peak resident set size of
this process, with the RSS after the first pages, so that growth with N would show.
Without --database a SQLite file in a temporary folder is used and removed afterwards.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oai.ingest.rebuild import PAGE, RebuildCounts, rebuild  # noqa: E402
from schemas import default_registry  # noqa: E402
from store import RecordStore  # noqa: E402


def rss_mb() -> float:
    """The current resident set size of this process (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KB


def run(url: str, count: int, prefixes: list[str], page: int) -> dict:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), str(count),
                    "--database", url, "--formats", "oai_dc"],
                   check=True, stdout=subprocess.DEVNULL)
    synth_seconds = time.perf_counter() - t0
    store = RecordStore(url)
    early: list[float] = []

    def progress(counts: RebuildCounts) -> None:
        if len(early) < 5:
            early.append(rss_mb())
        if counts.read % (page * 20) == 0:
            print(f"  {counts.read} records read, {counts.written} written, "
                  f"RSS {rss_mb():.0f} MB", file=sys.stderr)

    try:
        began = time.perf_counter()
        counts = rebuild(store, default_registry(), prefixes, page=page, progress=progress)
        seconds = time.perf_counter() - began
    finally:
        store.close()
    return {"records": count, "read": counts.read, "written": counts.written,
            "seconds": round(seconds, 1), "rate": round(counts.read / seconds),
            "synth_seconds": round(synth_seconds, 1),
            "rss_after_first_pages_mb": round(max(early, default=0.0), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "prefixes": prefixes or [f.prefix for f in default_registry().renderable()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/rebuild.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of synthetic records")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty store (default: "
                        "a temporary SQLite file)")
    parser.add_argument("--prefix", action="append", default=[], metavar="P",
                        help="a format to render (repeatable; default: every rendered one)")
    parser.add_argument("--page", type=int, default=PAGE, help="records per transaction")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.count < 1 or args.page < 1:
        parser.error("count and --page must be at least 1")
    with tempfile.TemporaryDirectory(prefix="granary-rebuild-") as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        result = run(url, args.count, args.prefix, args.page)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['read']} records read, {result['written']} written in "
              f"{result['seconds']} s: {result['rate']:,} records/s "
              f"({', '.join(result['prefixes'])}); peak RSS {result['peak_rss_mb']} MB "
              f"(after the first pages {result['rss_after_first_pages_mb']} MB); "
              f"synth {result['synth_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
