"""A plain OAI-PMH list harvester for the benchmark: one keep-alive ``requests`` session + lxml.

It harvests a ListRecords or ListIdentifiers list completely, following resumption tokens,
counts records (or headers) and deletions, checks that no identifier comes twice, and times
every page (keyed by the cursor the server gave it), so that pages at the start, middle and
end of a list can be compared. It is deliberately simple, like the clients aggregators run: it
is not the project's harvester (``oai.harvest``), which does far more per page.

``python bench/harvest_client.py BASE_URL [--verb ListIdentifiers] [--set S] [--from D]``
prints a summary.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field

import requests
from lxml import etree

OAI = "{http://www.openarchives.org/OAI/2.0/}"
_HEADER, _IDENT, _TOKEN, _ERROR = (f"{OAI}header", f"{OAI}identifier", f"{OAI}resumptionToken",
                                   f"{OAI}error")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class HarvestFailure(RuntimeError):
    """The server answered with an HTTP error, an OAI error, or something that is not OAI-PMH."""


@dataclass(frozen=True)
class PageTiming:
    index: int          # 0 = the first page
    cursor: int         # the cursor the server gave this page (its first item's position)
    items: int
    seconds: float      # request sent -> whole body received
    parse_seconds: float


@dataclass
class HarvestResult:
    verb: str
    items: int = 0
    deleted: int = 0
    seconds: float = 0.0
    complete_list_size: int | None = None
    pages: list[PageTiming] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)     # in the order served (keep_ids=True)
    repeats: list[str] = field(default_factory=list)
    no_records: bool = False                          # the list was empty (noRecordsMatch)

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def page_profile(self, window: int = 50) -> dict[str, float | None]:
        """Page times in ms: the first page; the medians of the *window* pages after it
        ("early"), of the *window* around the middle and of the last *window* full pages
        ("end"); the last page. Medians of many pages, because one page takes a few ms and
        any single one can meet a scheduling hiccup on a shared machine."""
        times = [p.seconds * 1000 for p in self.pages]
        if not times:
            return {"first": None, "early": None, "middle": None, "end": None, "last": None}
        full = [p.seconds * 1000 for p in self.pages[:-1]] or times
        mid = len(full) // 2
        return {
            "first": times[0],
            "early": statistics.median(full[1:1 + window] or full[:1]),
            "middle": statistics.median(full[max(0, mid - window // 2):mid + window // 2 + 1]),
            "end": statistics.median(full[-window:]),
            "last": times[-1],
        }


def harvest(base_url: str, verb: str = "ListRecords", prefix: str = "oai_dc", *,
            set_spec: str | None = None, from_: str | None = None, until: str | None = None,
            session: requests.Session | None = None, keep_ids: bool = True,
            compress: bool = False, timeout: float = 120.0) -> HarvestResult:
    """Harvest one list completely; HarvestFailure on any error (noRecordsMatch is an empty
    list, not an error). Identifiers seen twice are collected in ``repeats``."""
    own = session is None
    http = session or requests.Session()
    # Compression costs CPU on both ends of a loopback link for no gain; off unless asked.
    http.headers["Accept-Encoding"] = "gzip" if compress else "identity"
    params: dict[str, str] = {"verb": verb, "metadataPrefix": prefix}
    for key, value in (("set", set_spec), ("from", from_), ("until", until)):
        if value is not None:
            params[key] = value
    result = HarvestResult(verb)
    seen: set[str] = set()
    list_tag = f"{OAI}{verb}"
    began = time.perf_counter()
    try:
        while True:
            t0 = time.perf_counter()
            response = http.get(base_url, params=params, timeout=timeout)
            body = response.content
            t1 = time.perf_counter()
            if response.status_code != 200:
                raise HarvestFailure(f"HTTP {response.status_code} for {params}: {body[:200]!r}")
            root = etree.fromstring(body, _PARSER)
            error = root.find(_ERROR)
            if error is not None:
                if error.get("code") == "noRecordsMatch" and "resumptionToken" not in params:
                    result.no_records = True
                    break
                raise HarvestFailure(f"OAI error {error.get('code')} for {params}: {error.text}")
            listing = root.find(list_tag)
            if listing is None:
                raise HarvestFailure(f"no <{verb}> element in the answer to {params}")
            count = 0
            for header in listing.iter(_HEADER):
                count += 1
                if header.get("status") == "deleted":
                    result.deleted += 1
                ident = header.findtext(_IDENT)
                if ident in seen:
                    result.repeats.append(ident)
                else:
                    seen.add(ident)
                    if keep_ids:
                        result.ids.append(ident)
            token = listing.find(_TOKEN)
            cursor = int(token.get("cursor", result.items)) if token is not None else result.items
            if token is not None and token.get("completeListSize"):
                result.complete_list_size = int(token.get("completeListSize"))
            result.items += count
            result.pages.append(PageTiming(len(result.pages), cursor, count, t1 - t0,
                                           time.perf_counter() - t1))
            if token is None or not (token.text or "").strip():
                break   # OAI-PMH §3.5: the last page has an empty (or no) resumptionToken
            params = {"verb": verb, "resumptionToken": token.text.strip()}
    finally:
        if own:
            http.close()
    result.seconds = time.perf_counter() - began
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harvest_client", description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("--verb", default="ListRecords",
                        choices=["ListRecords", "ListIdentifiers"])
    parser.add_argument("--prefix", default="oai_dc")
    parser.add_argument("--set", dest="set_spec")
    parser.add_argument("--from", dest="from_")
    parser.add_argument("--until")
    parser.add_argument("--compress", action="store_true", help="ask for gzip")
    args = parser.parse_args(argv)
    try:
        result = harvest(args.base_url, args.verb, args.prefix, set_spec=args.set_spec,
                         from_=args.from_, until=args.until, compress=args.compress,
                         keep_ids=False)
    except (HarvestFailure, requests.RequestException, etree.XMLSyntaxError) as exc:
        print(f"harvest_client: {exc}", file=sys.stderr)
        return 1
    profile = ", ".join(f"{k} {v:.1f} ms" for k, v in result.page_profile().items()
                        if v is not None)
    print(f"{result.verb}: {result.items} items ({result.deleted} deleted) in {len(result.pages)} "
          f"pages, {result.seconds:.1f} s, {result.rate:,.0f}/s; repeats {len(result.repeats)}; "
          f"pages: {profile}")
    return 0 if not result.repeats else 1


if __name__ == "__main__":
    sys.exit(main())
