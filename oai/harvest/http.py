"""HTTP for the harvester: one polite, patient, bounded GET.

``requests`` does the talking and urllib3's ``Retry`` does the waiting: exponential backoff
for network errors, timeouts, 429 and 5xx, and ``Retry-After`` in both of its forms (seconds
and HTTP-date, RFC 9110 §10.2.3) as OAI-PMH §3.1.2.2 asks of harvesters. The only thing added
to ``Retry`` is a clamp on Retry-After (a partner once asked for 24 h: jupiter#670) and a
sleep function tests can replace. What is *not* left to defaults:

- every request names us (User-Agent) and our administrator (From), as the harvester
  guidelines ask; an optional pause between requests spares small partners;
- 401/403 stop at once with a typed error naming the URL (guidelines: terminate on 403);
- gzip and deflate are asked for, and gzip sent without being asked (metha's "not advertised"
  responses) is recognised by its magic bytes;
- a body that breaks off half-way is retried as ``policy.classify`` decides, under the same
  budget (``HarvestPolicy.retries``), and the body size is capped (a decompression bomb must
  not take the harvester down);
- retries running out is a ``TransportError``, never a None (sickle#39).

Which statuses are retried or denied, and how many retries, are the policy's (``policy``).
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from importlib import metadata
from typing import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, ProtocolError
from urllib3.util.retry import Retry

from oai.harvest.errors import AccessDenied, ResponseTooLarge, TransportError
from oai.harvest.policy import (
    DENIED_STATUSES,
    RETRY_STATUSES,
    Action,
    HarvestPolicy,
    Situation,
    Step,
)

_GZIP_MAGIC = b"\x1f\x8b"


def _version() -> str:
    try:
        return metadata.version("granary")
    except metadata.PackageNotFoundError:  # running from a source checkout
        return "dev"


@dataclass(frozen=True)
class HttpConfig:
    """How we talk to one partner. Times are seconds."""

    admin_email: str                 # sent as From and in the User-Agent
    contact_url: str | None = None   # the project or admin page named in the User-Agent
    connect_timeout: float = 10.0
    read_timeout: float = 120.0      # arXiv can take minutes for its first byte
    backoff_factor: float = 1.0      # 0, 2, 4, 8, ... seconds between attempts
    backoff_max: float = 120.0
    retry_after_max: float = 900.0   # a Retry-After longer than this is cut down to it
    delay: float = 0.0               # pause between two requests to this partner
    max_bytes: int = 512 * 1024 * 1024

    def __post_init__(self) -> None:
        if "@" not in (self.admin_email or "") or any(c in self.admin_email for c in "\r\n "):
            raise ValueError(f"admin_email {self.admin_email!r} is not an e-mail address")
        for name in ("connect_timeout", "read_timeout", "backoff_factor", "backoff_max",
                     "retry_after_max", "delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be > 0")

    @property
    def user_agent(self) -> str:
        contact = self.contact_url or f"mailto:{self.admin_email}"
        return f"Granary/{_version()} (+{contact})"


class PoliteRetry(Retry):
    """urllib3's Retry with Retry-After clamped to ``retry_after_cap`` and a replaceable sleep."""

    def __init__(self, *args, retry_after_cap: float = 900.0,
                 sleeper: Callable[[float], None] = time.sleep, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap
        self.sleeper = sleeper

    def new(self, **kwargs) -> PoliteRetry:
        kwargs.setdefault("retry_after_cap", self.retry_after_cap)
        kwargs.setdefault("sleeper", self.sleeper)
        return super().new(**kwargs)

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0  # unreadable: our own backoff applies instead
        return min(seconds, self.retry_after_cap)

    def sleep(self, response=None) -> None:  # noqa: ANN001 - urllib3's signature
        # Same rule as urllib3: a usable Retry-After wins, otherwise exponential backoff.
        wait = self.get_retry_after(response) if (
            self.respect_retry_after_header and response is not None) else None
        if not wait:
            wait = self.get_backoff_time()
        if wait > 0:
            self.sleeper(wait)


class _BodyBrokeOff(Exception):
    """The status line and headers came, the rest of the body did not."""


@dataclass(frozen=True)
class Fetched:
    """One answer. ``status`` is any code but 401/403; ``exhausted`` says the retries ran out
    on a 429/5xx, so the body is whatever that last answer carried."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    exhausted: bool = False


class HttpClient:
    """GET with retries, timeouts, compression and a politeness delay; one per partner.
    *policy* (its ``retries`` above all) is the one the ``OAIClient`` on top of it uses."""

    def __init__(self, config: HttpConfig, *, policy: HarvestPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.policy = policy or HarvestPolicy()
        retries = self.policy.retries
        self._sleep = sleep
        self._clock = clock
        self._last: float | None = None
        self._retry = PoliteRetry(
            total=retries, connect=retries, read=retries, status=retries, redirect=5,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES, backoff_factor=config.backoff_factor,
            backoff_max=config.backoff_max, raise_on_status=False,
            respect_retry_after_header=True, retry_after_cap=config.retry_after_max,
            sleeper=sleep)
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=self._retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({
            "User-Agent": config.user_agent,
            "From": config.admin_email,
            # OAI-PMH §3.1.3: compression is negotiated; G§7 recommends gzip/deflate.
            "Accept-Encoding": "gzip, deflate",
            "Accept": "text/xml, application/xml;q=0.9, */*;q=0.1",
        })

    def close(self) -> None:
        self.session.close()

    def get(self, url: str) -> Fetched:
        """Fetch *url*. Raises AccessDenied, TransportError or ResponseTooLarge."""
        self._pause()
        retry = self._retry  # the backoff for bodies that break off after the headers
        broke_off = 0
        while True:
            try:
                return self._attempt(url)
            except _BodyBrokeOff as broke:
                decision = self.policy.decide(broke, Situation(Step.FETCH, attempt=broke_off))
                if decision.action is not Action.RETRY:
                    raise TransportError(f"{url}: the answer kept breaking off ({broke})",
                                         url) from broke
                broke_off += 1
                # Only for the backoff: Retry has the policy's budget, so it is not used up.
                retry = retry.increment("GET", url, error=ProtocolError(str(broke)))
                retry.sleep()
            except requests.exceptions.RequestException as exc:
                raise TransportError(f"{url}: no usable answer after "
                                     f"{self.policy.retries + 1} attempts ({exc})",
                                     url) from exc
            finally:
                self._last = self._clock()

    def _pause(self) -> None:
        if self.config.delay and self._last is not None:
            wait = self.config.delay - (self._clock() - self._last)
            if wait > 0:
                self._sleep(wait)

    def _attempt(self, url: str) -> Fetched:
        resp = self.session.get(url, stream=True, timeout=(self.config.connect_timeout,
                                                           self.config.read_timeout))
        with resp:
            if resp.status_code in DENIED_STATUSES:
                raise AccessDenied(url, resp.status_code)
            try:
                body = self._read(resp, url)
            except (requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ConnectionError) as exc:
                # Retry's own loop ends once the headers are in; a body cut off (reset,
                # read timeout, short Content-Length) is retried by get() instead.
                raise _BodyBrokeOff(str(exc)) from exc
        return Fetched(url=url, status=resp.status_code,
                       content_type=resp.headers.get("Content-Type"), body=body,
                       exhausted=resp.status_code in RETRY_STATUSES)

    def _read(self, resp: requests.Response, url: str) -> bytes:
        limit = self.config.max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(chunk_size=64 * 1024):  # decodes gzip/deflate
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(f"{url}: the answer is larger than {limit} bytes", url)
            chunks.append(chunk)
        body = b"".join(chunks)
        if body.startswith(_GZIP_MAGIC):
            body = _gunzip(body, limit, url)
        return body


def _gunzip(data: bytes, limit: int, url: str) -> bytes:
    """Decompress gzip the partner sent without saying so, stopping at *limit* bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return data  # not gzip after all: let the XML parser judge the bytes
    if len(out) > limit or inflater.unconsumed_tail:
        raise ResponseTooLarge(f"{url}: the decompressed answer is larger than {limit} bytes",
                               url)
    return out
