"""Running the fuzzer (tests/fuzzing.py): learn the catalogue from the server, send the
requests, check every answer (HTTP 200, well-formed, valid against the official schemas) and
count them, keeping the first failures with the requests that caused them. Shared by
tests/test_fuzz.py and bench/fuzz.py.
"""
from __future__ import annotations

import gzip
import zlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable
from urllib.parse import urlencode

from lxml import etree

from tests.fuzzing import OAI_NS, Catalogue, Fuzzer, FuzzRequest

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

Send = Callable[[FuzzRequest], "tuple[int, dict[str, str], bytes]"]


def learn(send: Send) -> Catalogue:
    """Ask the server for its formats, sets, identifiers and first tokens."""
    cat = Catalogue()

    def ask(verb: str, **args: str) -> etree._Element:
        req = FuzzRequest("learn", verb, "GET", urlencode({"verb": verb, **args}).encode())
        body = decoded(*send(req)[1:])
        cat.observe(verb, body)
        return etree.fromstring(body, _PARSER)

    def texts(tree: etree._Element, path: str) -> list[str]:
        return [t.text for t in tree.iterfind(path, {"o": OAI_NS}) if t.text]
    cat.prefixes = texts(ask("ListMetadataFormats"), ".//o:metadataPrefix")
    cat.sets = texts(ask("ListSets"), ".//o:setSpec")
    for prefix in cat.prefixes:
        tree = ask("ListIdentifiers", metadataPrefix=prefix)
        for _ in range(100):  # the first 100 pages are plenty to fuzz with
            cat.identifiers += texts(tree, ".//o:identifier")
            token = texts(tree, ".//o:resumptionToken")
            if not token:
                break
            tree = ask("ListIdentifiers", resumptionToken=token[0])
        ask("ListRecords", metadataPrefix=prefix)
    cat.identifiers = sorted(set(cat.identifiers))
    return cat


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    coding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "")
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "deflate":
        return zlib.decompress(body)
    return body


def check(status: int, headers: dict[str, str], body: bytes,
          validate: Callable[[bytes], None]) -> tuple[str, str] | None:
    """None for a good answer, else (what is wrong, detail)."""
    if status != 200:
        return f"status {status}", body[:300].decode("utf-8", "replace")
    try:
        body = decoded(headers, body)
        etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, OSError, zlib.error) as exc:
        return "not well-formed", f"{exc}: {body[:300]!r}"
    try:
        validate(body)
    except AssertionError as exc:
        return "schema-invalid", str(exc)[:1500]
    return None


@dataclass
class Counts:
    total: int = 0
    by_kind: Counter = field(default_factory=Counter)
    by_verb: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_problem: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)   # the first few, with their requests

    @property
    def bad(self) -> int:
        return sum(self.by_problem.values())


def run(send: Send, validate: Callable[[bytes], None], requests: int, seed: int,
        keep: int = 5, progress: Callable[[int], None] | None = None) -> Counts:
    """Send *requests* fuzzed requests; count every answer and keep the first failures."""
    cat = learn(send)
    counts = Counts()
    for n, req in enumerate(islice(Fuzzer(seed, cat), requests)):
        status, headers, body = send(req)
        counts.total += 1
        counts.by_kind[req.kind.split(":")[0]] += 1
        counts.by_verb[req.verb] += 1
        counts.by_status[status] += 1
        problem = check(status, headers, body, validate)
        if problem is None:
            if status == 200:
                cat.observe(req.verb, decoded(headers, body))
        else:
            counts.by_problem[problem[0]] += 1
            if len(counts.failures) < keep:
                counts.failures.append(f"{problem[0]} for request #{n} (seed {seed})\n"
                                       f"  {req.describe()}\n  answer: {problem[1]}")
        if progress is not None and (n + 1) % 10_000 == 0:
            progress(n + 1)
    return counts


def flask_sender(client) -> Send:  # noqa: ANN001 - a Flask test client
    """Send through a Flask test client, the query string exactly as generated."""
    def send(req: FuzzRequest) -> tuple[int, dict[str, str], bytes]:
        resp = client.open("/oai", method=req.method, data=req.body, headers=list(req.headers),
                           environ_overrides={"QUERY_STRING": req.query.decode("latin-1")})
        return resp.status_code, dict(resp.headers), resp.get_data()
    return send
