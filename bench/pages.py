"""pages: how long the pages for people take at the start and at the end of a big catalogue.

``python bench/pages.py N [--database URL]`` fills a store with N synthetic records through
bench/synth.py (skipped when the store already holds them), then times, in process through
Flask's test client (no network, no server), the median of ``--repeat`` requests of:

- the home page; the catalogue's first page and a page deep in it (after the 40 oldest live
  records: the cursor a reader reaches at the end of the catalogue);
- a set's first page and a page deep in it (the set "theses", a sixth of the records);
- a search for a common word (first page and a deep page) and for two rare words;
- a record page; the sitemap (an index past 50,000 records) and one sitemap page.

Keyset paging means the deep pages should cost what the first ones do. What it costs to run:
the fill is the import path's rate (bench/synth.py, the search index included: 100,000
records took 55 s on SQLite on a shared 2-core machine, so 1,000,000 take ten to fifteen
minutes) and about 4 KB of disk per record (423 MB at 100,000, so about 4 GB at a million);
the timings themselves take seconds. Pass ``--database`` to keep the store, so a second run
skips the fill.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.synth import Synthesizer, identifier, synth  # noqa: E402
from store import RecordStore  # noqa: E402


def _deep_cursor(conn, sql: str) -> str:
    seconds, ident = conn.execute(text(sql)).one()
    return quote(f"{seconds}~{ident}", safe="")


def _targets(store: RecordStore) -> list[tuple[str, str]]:
    maker = Synthesizer()
    common = maker.titles[0].split()[0]
    rare = " ".join(maker.dc(7)[0].value.split()[:2])
    with store.engine.connect() as conn:
        # OFFSET here only finds where a reader ends up; the pages themselves never use it.
        deep = _deep_cursor(conn, "SELECT datestamp, identifier FROM records WHERE NOT deleted "
                                  "ORDER BY datestamp, identifier LIMIT 1 OFFSET 40")
        deep_set = _deep_cursor(conn, "SELECT rs.datestamp, rs.identifier FROM record_sets rs "
                                      "JOIN records r ON r.id = rs.record_id WHERE rs.set_spec ="
                                      " 'theses' AND NOT r.deleted ORDER BY rs.datestamp, "
                                      "rs.identifier LIMIT 1 OFFSET 40")
    return [
        ("home", "/"),
        ("browse, first page", "/browse"),
        ("browse, deep page", f"/browse?after={deep}"),
        ("set, first page", "/sets/theses"),
        ("set, deep page", f"/sets/theses?after={deep_set}"),
        (f"search '{common}', first page", f"/search?q={quote(common)}"),
        (f"search '{common}', deep page", f"/search?q={quote(common)}&after={deep}"),
        (f"search '{rare}'", f"/search?q={quote(rare)}"),
        ("record page", "/records/" + identifier(7)),
        ("sitemap.xml", "/sitemap.xml"),
        ("one sitemap page", "/sitemap-records.xml?page=1"),
    ]


def run(url: str, count: int, repeat: int) -> list[dict]:
    store = RecordStore(url)
    store.upgrade()
    have = store.stats()["records"]
    store.close()
    if have < count:
        print(f"filling {count - have:,} records (bench/synth.py) ...", file=sys.stderr)
        t0 = time.perf_counter()
        # oai_dc only: the pages read Dublin Core, and the fill is then the cheaper one.
        synth(url, count - have, start=have, progress=True, formats=("oai_dc",))
        print(f"  filled in {time.perf_counter() - t0:,.0f} s", file=sys.stderr)
    from oai import create_app
    app = create_app({"OAI_DATABASE_URL": url, "TESTING": True})
    client = app.test_client()
    store = app.extensions["granary"].store
    results = []
    for name, path in _targets(store):
        times, size, status = [], 0, 0
        heavy = "sitemap" in name
        for _ in range(max(1, repeat // 10) if heavy else repeat):
            t0 = time.perf_counter()
            r = client.get(path)
            body = r.get_data()
            times.append(time.perf_counter() - t0)
            r.close()
            size, status = len(body), r.status_code
        results.append({"page": name, "path": path, "status": status, "bytes": size,
                        "median_ms": round(statistics.median(times) * 1000, 2),
                        "max_ms": round(max(times) * 1000, 2), "runs": len(times)})
    store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="records in the catalogue (1000000: the issue)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page (median)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.count < 100 or args.repeat < 1:
        parser.error("count must be at least 100 and --repeat at least 1")
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='granary-pages-')}/bench.db"
    results = run(url, args.count, args.repeat)
    if args.json:
        print(json.dumps({"records": args.count, "database": url, "results": results}))
        return 0
    print(f"{args.count:,} records, {url}")
    print(f"{'page':40} {'status':>6} {'median ms':>10} {'max ms':>9} {'KB':>8}")
    for r in results:
        print(f"{r['page']:40} {r['status']:>6} {r['median_ms']:>10.2f} {r['max_ms']:>9.2f} "
              f"{r['bytes'] / 1024:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
