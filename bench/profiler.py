"""Where the time goes: cProfile of the server answering list pages, or of a bulk import.

``python bench/profiler.py serve --database URL [--verb ListIdentifiers] [--pages 300]``
serves that many consecutive pages of a list from the app itself (Flask's test client, the
same code a gunicorn worker runs, minus the HTTP parsing), reading each streamed body
completely; ``python bench/profiler.py import N --database URL`` profiles ``synth``. Both print
the top functions by own time and by cumulative time; ``--save FILE`` keeps the raw profile.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# A non-empty resumptionToken; tokens are URL-safe text, never escaped in XML.
_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def make_client(url: str):
    """The app's test client, made (and warmed by one request) before profiling starts."""
    from oai import create_app

    app = create_app({"OAI_DATABASE_URL": url, "OAI_AUTO_MIGRATE": "false"})
    client = app.test_client()
    client.get("/oai", query_string={"verb": "Identify"}).get_data()
    return client


def serve_pages(client, verb: str, pages: int) -> tuple[int, int]:
    """Walk *pages* pages of *verb* through the app; (pages, bytes) served. Only the token
    is looked up in each body (a regular expression, so the client's parsing stays out of
    the profile)."""
    query = {"verb": verb, "metadataPrefix": "oai_dc"}
    served = size = 0
    while served < pages:
        body = client.get("/oai", query_string=query).get_data()
        size += len(body)
        served += 1
        found = _TOKEN.search(body)
        if found is None:
            break
        query = {"verb": verb, "resumptionToken": found.group(1).decode()}
    return served, size


def report(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        out.write(f"\n=== top {top} by {key} ===\n")
        stats.sort_stats(key).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="profiler", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    serve = sub.add_parser("serve", help="profile list pages served by the app")
    serve.add_argument("--verb", default="ListRecords",
                       choices=["ListRecords", "ListIdentifiers"])
    serve.add_argument("--pages", type=int, default=300)
    imp = sub.add_parser("import", help="profile synth")
    imp.add_argument("count", type=int)
    for p in (serve, imp):
        p.add_argument("--database", required=True)
        p.add_argument("--top", type=int, default=25)
        p.add_argument("--save", type=Path, help="write the raw profile (pstats) here")
    args = parser.parse_args(argv)
    profile = cProfile.Profile()
    began = time.perf_counter()
    if args.what == "serve":
        client = make_client(args.database)
        began = time.perf_counter()
        profile.enable()
        pages, size = serve_pages(client, args.verb, args.pages)
        profile.disable()
        summary = f"{pages} pages of {args.verb}, {size / pages / 1024:.0f} KiB each"
    else:
        from synth import synth

        profile.enable()
        result = synth(args.database, args.count)
        profile.disable()
        summary = f"synth of {result.records} records"
    seconds = time.perf_counter() - began
    print(f"{summary} in {seconds:.2f} s under the profiler")
    print(report(profile, args.top))
    if args.save:
        profile.dump_stats(args.save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
