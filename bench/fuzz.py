"""Fuzz the OAI-PMH endpoint: N seeded random and hostile requests (tests/fuzzing.py), each
answer checked for HTTP 200, well-formedness and validity against the official schemas.

    .venv/bin/python bench/fuzz.py --requests 100000 --seed 1
    .venv/bin/python bench/fuzz.py --database postgresql+psycopg://postgres@127.0.0.1/fuzz
    .venv/bin/python bench/fuzz.py --url http://127.0.0.1:5000/oai

By default the demo catalogue is loaded into a temporary SQLite store (or into --database) and
served in-process through the Flask test client, with a small page size so that lists have
resumption tokens to alter. With --url the requests go to a running server over HTTP instead
(bytes a request line cannot carry raw are sent percent-encoded; a front server's own limits
show as its status codes: run gunicorn with ``--limit-request-line 0`` to let long query
strings reach Granary). Prints the counts (total, by kind, by verb, by status, not well-formed,
schema-invalid) and the first failures with their requests; exits 1 if any answer was bad, 2
on a usage error.
"""
from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import fuzz_run, fuzzing  # noqa: E402
from tests.xsd import load_validator  # noqa: E402

REPO = "granary.example.org"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=100_000, help="how many (default 100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", help="load the demo catalogue into this store (default: a "
                                       "temporary SQLite file)")
    ap.add_argument("--page-size", type=int, default=2)
    ap.add_argument("--url", help="fuzz a running server at this base URL instead")
    ap.add_argument("--show", type=int, default=5, help="failures to print (default 5)")
    args = ap.parse_args(argv)
    if args.requests < 1:
        ap.error("--requests must be at least 1")
    validate, reason = load_validator()
    if validate is None:
        print(f"fuzz: cannot validate answers: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            send = http_sender(args.url)
            target = args.url
        else:
            url = args.database or f"sqlite:///{Path(tmp) / 'fuzz.db'}"
            try:
                app = _demo_app(url, args.page_size)
            except Exception as exc:  # noqa: BLE001 - any failure to set up is reported alike
                print(f"fuzz: cannot load the demo catalogue into {url}: "
                      f"{str(exc).splitlines()[0]}", file=sys.stderr)
                return 2
            send = fuzz_run.flask_sender(app.test_client())
            target = f"the demo catalogue in-process ({url.split(':')[0]})"
        print(f"fuzz: {args.requests} requests, seed {args.seed}, against {target}",
              flush=True)
        start = time.monotonic()
        counts = fuzz_run.run(send, validate, args.requests, args.seed, keep=args.show,
                             progress=lambda n: print(f"  {n} requests, "
                                                      f"{time.monotonic() - start:.0f} s",
                                                      file=sys.stderr, flush=True))
        elapsed = time.monotonic() - start
    _print(counts, elapsed)
    return 1 if counts.bad else 0


def _demo_app(url: str, page_size: int):  # noqa: ANN202 - a Flask app
    from oai import create_app
    from oai.ingest import Catalog, load_demo
    from schemas import default_registry
    from store import RecordStore

    store = RecordStore(url)
    store.upgrade()
    load_demo(Catalog(store, default_registry(), REPO))
    store.close()
    # Not TESTING: an exception is answered (and logged with its traceback) as in production.
    return create_app({"OAI_DATABASE_URL": url, "OAI_PAGE_SIZE": page_size,
                       "OAI_REPOSITORY_IDENTIFIER": REPO})


def http_sender(base_url: str) -> fuzz_run.Send:
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"fuzz: --url must be an http:// URL, not {base_url!r}")
    conn_args = (parts.hostname, parts.port or 80)
    path = (parts.path or "/").encode()

    def send(req: fuzzing.FuzzRequest) -> tuple[int, dict[str, str], bytes]:
        target = (path + b"?" + _printable(req.query)).decode("ascii") if req.query else \
            path.decode("ascii")
        # A connection per request: gunicorn's sync workers close each one anyway, and a server
        # that refuses a request early (gunicorn: request line over 4094 bytes) closes it while
        # the body is still being sent; its answer is read all the same.
        conn = http.client.HTTPConnection(*conn_args, timeout=60)
        try:
            try:
                conn.putrequest(req.method, target, skip_accept_encoding=True)
                for name, value in req.headers:
                    conn.putheader(name, value)
                if req.body is not None:
                    conn.putheader("Content-Length", str(len(req.body)))
                conn.endheaders(req.body)
            except OSError:
                pass  # the server stopped reading: its answer, if any, is below
            try:
                resp = conn.getresponse()
                return resp.status, dict(resp.getheaders()), resp.read()
            except (http.client.HTTPException, OSError) as exc:
                return 0, {}, f"no answer: {exc!r}".encode()
        finally:
            conn.close()
    return send


def _printable(raw: bytes) -> bytes:
    """A request line carries no control bytes, spaces or non-ASCII: percent-encode those."""
    return b"".join(bytes([b]) if 0x21 <= b <= 0x7e else b"%%%02X" % b for b in raw)


def _print(counts: fuzz_run.Counts, elapsed: float) -> None:
    def table(title: str, counter) -> None:  # noqa: ANN001 - a Counter
        print(f"{title}:")
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            print(f"  {key!s:<22} {n:>8}")

    print(f"\ntotal                    {counts.total:>8}   ({elapsed:.0f} s, "
          f"{counts.total / max(elapsed, 1e-9):.0f} requests/s)")
    table("by kind", counts.by_kind)
    table("by verb", counts.by_verb)
    table("by status", counts.by_status)
    print(f"not HTTP 200             {counts.total - counts.by_status.get(200, 0):>8}")
    print(f"not well-formed          {counts.by_problem.get('not well-formed', 0):>8}")
    print(f"schema-invalid           {counts.by_problem.get('schema-invalid', 0):>8}")
    print(f"bad answers              {counts.bad:>8}")
    for failure in counts.failures:
        print("\n" + failure)


if __name__ == "__main__":
    sys.exit(main())
