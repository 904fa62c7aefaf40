"""Asking the endpoint, and judging the envelope of every answer (checks A1 to A8).

All requests go through the harvester's HTTP client (``oai.harvest.http``): its User-Agent and
From, its retries with Retry-After, its size cap and its delay between requests. The few
requests that need what ``HttpClient.get`` does not expose (POST, response headers, a
redirect not followed) use that client's own ``requests`` session, with the same delay. Every
request counts against a budget: a validator is a guest and says how much it asked.

Answers are read by ``oai.harvest.xmlread`` (no DTD, no entities, no network); what it had to
repair is a failure here, since a validator judges the bytes as sent.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from lxml import etree

from oai.datestamps import Granularity, parse_request_date
from oai.harvest.errors import HarvestError
from oai.harvest.http import HttpClient
from oai.harvest.xmlread import read_xml
from oai.validate.checks import Verdicts
from oai.validate.schemas import IMPORTS, OAI_NS, Schemas

XSI = "http://www.w3.org/2001/XMLSchema-instance"
OFFICIAL_SCHEMA = IMPORTS[OAI_NS]
LARGE = 10 * 1024 * 1024      # A8: past this, a list should have been cut into pages
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_NO_ECHO = frozenset({"badVerb", "badArgument"})   # §3.2: these echo no attributes

Query = str | Sequence[tuple[str, str]]


class Stopped(Exception):
    """The run stops here; the checks not yet run are skipped."""


class OutOfRequests(Stopped):
    """The request budget is spent."""


class Overloaded(Stopped):
    """The endpoint stayed busy (503) through every retry: asking more would add to its load,
    and what it answers now says nothing of its conformance."""


def oai(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


@dataclass
class Exchange:
    """One request and what came back. ``root`` is None when the body is not OAI-PMH XML,
    and ``problem`` then says why."""

    request: str                       # a URL (GET) or "POST url body"
    pairs: tuple[tuple[str, str], ...]
    status: int
    content_type: str | None
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    root: etree._Element | None = None
    problem: str | None = None

    @property
    def errors(self) -> list[str]:
        if self.root is None:
            return []
        return [(e.get("code") or "").strip() for e in self.root.findall(oai("error"))]

    def verb(self, name: str) -> etree._Element | None:
        return self.root.find(oai(name)) if self.root is not None else None

    def describe(self) -> str:
        """What came back, in one line."""
        head = f"HTTP {self.status}" if self.status else "no answer"
        if self.content_type:
            head += f" ({self.content_type})"
        if self.root is None:
            return f"{head}: {self.problem}"
        if self.errors:
            return f"{head}: error " + ", ".join(self.errors)
        body = next((c for c in self.root if isinstance(c.tag, str)
                     and etree.QName(c).localname not in ("responseDate", "request")), None)
        if body is None:
            return f"{head}: an OAI-PMH envelope with neither error nor verb element"
        items = [c for c in body if isinstance(c.tag, str)
                 and etree.QName(c).localname != "resumptionToken"]
        return f"{head}: {etree.QName(body).localname} with {len(items)} item(s)"


class Probe:
    """Sends requests to one base URL within a budget and checks every envelope."""

    def __init__(self, base_url: str, client: HttpClient, verdicts: Verdicts,
                 schemas: Schemas | None, max_requests: int) -> None:
        self.base_url = base_url
        self.client = client
        self.verdicts = verdicts
        self.schemas = schemas
        self.max_requests = max_requests
        self.sent = 0
        self._last: float | None = None

    # -- sending ------------------------------------------------------------------------------
    def url(self, query: Query) -> str:
        text = query if isinstance(query, str) else urlencode(list(query))
        return f"{self.base_url}{'&' if '?' in self.base_url else '?'}{text}"

    def _spend(self) -> None:
        if self.sent >= self.max_requests:
            raise OutOfRequests(f"the budget of {self.max_requests} requests is spent")
        self.sent += 1

    def get(self, query: Query, *, judge: bool = True) -> Exchange:
        """GET *query* (pairs, or a raw query string) through the harvester's client."""
        self._spend()
        url = self.url(query)
        pairs = _pairs(query)
        self._pause()
        try:
            fetched = self.client.get(url)
        except HarvestError as exc:
            ex = Exchange(url, pairs, 0, None, b"", problem=str(exc))
        else:
            ex = Exchange(url, pairs, fetched.status, fetched.content_type, fetched.body)
            self._read(ex)
        finally:
            self._last = time.monotonic()
        if judge:
            self.judge(ex)
        if ex.status == 503:
            self._retry_after(query)
            raise Overloaded(f"{url} answered HTTP 503 through every retry: the endpoint is "
                             "busy, try again later")
        return ex

    def _retry_after(self, query: Query) -> None:
        """A9: ask once more, on the session, to read the 503's Retry-After header."""
        if self.sent >= self.max_requests:
            return
        again = self.raw("GET", query, judge=False)
        value = again.headers.get("Retry-After")
        if again.status != 503:
            return
        # OAI-VAL: numeric seconds, and no more than an hour (it gives up beyond that).
        good = value is not None and value.strip().isdigit() and int(value) <= 3600
        self.verdicts.ok("A9", good, again.request, f"HTTP 503 with Retry-After: {value}")

    def raw(self, method: str, query: Query, *, headers: Mapping[str, str] | None = None,
            follow: bool = True, judge: bool = True) -> Exchange:
        """A request on the harvester's session when its headers or its method matter."""
        self._spend()
        pairs = _pairs(query)
        self._pause()
        timeout = (self.client.config.connect_timeout, self.client.config.read_timeout)
        try:
            if method == "POST":
                shown = f"POST {self.base_url} {urlencode(list(pairs))}"
                resp = self.client.session.post(self.base_url, data=list(pairs), timeout=timeout,
                                                headers=headers, allow_redirects=follow)
            else:
                shown = self.url(query)
                resp = self.client.session.get(shown, timeout=timeout, headers=headers,
                                               allow_redirects=follow)
            body = resp.content
        except Exception as exc:  # noqa: BLE001 - requests' and urllib3's many errors
            return Exchange(self.url(query), pairs, 0, None, b"", problem=f"no answer: {exc}")
        finally:
            self._last = time.monotonic()
        ex = Exchange(shown, pairs, resp.status_code, resp.headers.get("Content-Type"), body,
                      headers=dict(resp.headers))
        if not (300 <= resp.status_code < 400):
            self._read(ex)
            if judge:
                self.judge(ex)
        return ex

    def _pause(self) -> None:
        # The harvester's delay between any two requests: HttpClient.get keeps its own, but
        # knows nothing of the session requests in between.
        delay = self.client.config.delay
        if delay and self._last is not None:
            wait = delay - (time.monotonic() - self._last)
            if wait > 0:
                time.sleep(wait)

    def _read(self, ex: Exchange) -> None:
        try:
            doc = read_xml(ex.body, ex.request)
        except HarvestError as exc:
            ex.problem = str(exc).replace(f"{ex.request}: ", "")
            return
        if doc.repairs.found:
            ex.problem = "characters XML 1.0 forbids (raw control characters or references)"
            return
        if doc.root.tag != oai("OAI-PMH"):
            ex.problem = f"XML, but the root is {doc.root.tag!r}, not OAI-PMH"
            return
        ex.root = doc.root

    # -- the envelope: checks A1 to A8 --------------------------------------------------------
    def judge(self, ex: Exchange) -> None:
        v, req = self.verdicts, ex.request
        if ex.status == 0:
            v.fail("A5", req, ex.describe())
            return
        if ex.status != 503:   # §3.1.2.2: 503 is flow control, judged by A9
            v.ok("A5", ex.status == 200, req, ex.describe())
        v.ok("A6", "text/xml" in (ex.content_type or "").lower(), req,
             f"Content-Type: {ex.content_type}")
        v.ok("A8", len(ex.body) <= LARGE, req, f"{len(ex.body)} bytes")
        root = ex.root
        if root is None:
            v.fail("A1", req, ex.describe())
            return
        v.ok("A1", _utf8_declared(ex.body), req, "no XML declaration saying UTF-8, "
             f"or not UTF-8: {ex.body[:60]!r}")
        if self.schemas is not None:
            problems = self.schemas.problems(root)
            v.ok("A2", not problems, req, "; ".join(problems[:3]))
        location = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
        pairs = dict(zip(location[::2], location[1::2], strict=False))  # odd: last ignored
        v.ok("A3", pairs.get(OAI_NS) == OFFICIAL_SCHEMA, req,
             f"xsi:schemaLocation={' '.join(location)!r}")
        date = (root.findtext(oai("responseDate")) or "").strip()
        v.ok("A4", _seconds(date), req, f"responseDate {date!r}")
        self._echo(ex, root)

    def _echo(self, ex: Exchange, root: etree._Element) -> None:
        request = root.find(oai("request"))
        if request is None:
            self.verdicts.fail("A7", ex.request, "no <request> element")
            return
        text = (request.text or "").strip()
        self.verdicts.ok("A7", text == self.base_url, ex.request,
                         f"<request>{text}</request> (harvested at {self.base_url})")
        echoed = dict(request.attrib)
        if set(ex.errors) & _NO_ECHO:
            self.verdicts.ok("A7", not echoed, ex.request,
                             f"{'/'.join(ex.errors)} with attributes {echoed}")
        elif len({k for k, _ in ex.pairs}) == len(ex.pairs):
            self.verdicts.ok("A7", echoed == dict(ex.pairs), ex.request,
                             f"<request> attributes {echoed}")


def _pairs(query: Query) -> tuple[tuple[str, str], ...]:
    if isinstance(query, str):
        return tuple(parse_qsl(query, keep_blank_values=True))
    return tuple(query)


def _seconds(text: str) -> bool:
    """Whether *text* is a date at seconds granularity, the one form of §3.3.2."""
    try:
        return parse_request_date(text).granularity is Granularity.SECONDS
    except ValueError:
        return False


def _utf8_declared(body: bytes) -> bool:
    # §3.2: UTF-8, with an XML declaration (a missing encoding attribute means UTF-8).
    match = _DECLARATION.match(body)
    if match is None:
        return False
    enc = _ENCODING.search(match.group(0))
    if enc is not None and enc.group(1).decode("ascii").lower() not in ("utf-8", "utf8"):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
