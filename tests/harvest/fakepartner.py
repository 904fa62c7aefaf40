"""A fault-injecting fake OAI-PMH partner: a real HTTP server on 127.0.0.1.

``FakePartner`` serves a ``Catalogue`` from a ThreadingHTTPServer on a free port and records
every request it receives (``partner.requests``: path, decoded arguments, raw query, headers).
``partner.fault(kind, on=..., times=..., **options)`` programs what goes wrong; a fault
applies to the requests it matches (``on``: a request number counted from 1, a verb, the
string ``"token"`` for requests carrying a resumptionToken, or None for every request) as
many ``times`` as asked (0: for ever). Kinds:

  before answering: ``status`` (code=, retry_after= seconds or raw text, http_date=, body=,
  content_type=), ``reset``,
  ``short_body`` (Content-Length larger than the body), ``slow`` (seconds=),
  ``oai_error`` (code=, status=)
  the page itself: ``empty_page`` (no records, a fresh token, same position),
  ``repeat_token`` (the token asked with, sent back), ``same_page`` (the first page again
  with a fresh token), ``token_on_last``, ``whitespace_end_token``, ``no_counts``
  building: ``prefixed``, ``ms_datestamps``, ``offset_datestamps``,
  ``control_char`` (raw=True|False, identifier=), ``undefined_entity`` (identifier=)
  the bytes: ``truncate`` (keep=fraction), ``no_declaration``, ``stylesheet_pi``,
  ``leading_space``, ``gzip_unasked``, ``billion_laughs``, ``xxe`` (path=),
  ``content_type`` (value=), ``latin1`` (ISO-8859-1 bytes and declaration), ``html``,
  ``body`` (data=: these bytes instead of the answer, e.g. a fixture from tests/harvest/data)
"""
from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.harvest.fakecatalogue import MARKER, Catalogue, FakeRecord, Style, make_records

BUILD = {"prefixed", "ms_datestamps", "offset_datestamps", "control_char", "undefined_entity",
         "token_on_last", "whitespace_end_token", "no_counts"}
PAGE = {"empty_page", "repeat_token", "same_page"}


@dataclass
class Fault:
    kind: str
    on: int | str | None = None
    times: int = 1
    options: dict = field(default_factory=dict)
    used: int = 0

    def matches(self, number: int, params: dict) -> bool:
        if self.times and self.used >= self.times:
            return False
        if self.on is None:
            return True
        if isinstance(self.on, int):
            return self.on == number
        if self.on == "token":
            return "resumptionToken" in params
        return params.get("verb") == self.on


@dataclass
class Seen:
    """One request as the partner received it."""

    number: int
    path: str
    query: str                 # raw, still percent-encoded
    params: dict[str, str]     # decoded; a repeated key keeps its first value
    headers: dict[str, str]


class _Reset(Exception):
    """The connection was reset on purpose."""


class FakePartner:
    def __init__(self, records: list[FakeRecord] | None = None, *, page_size: int = 3,
                 granularity: str = "YYYY-MM-DDThh:mm:ssZ", compress: str | None = None) -> None:
        self.catalogue = Catalogue(records if records is not None else make_records(10),
                                   page_size=page_size, granularity=granularity)
        self.compress = compress   # "gzip" or "deflate" when the client accepts it
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.sent: list[dict] = []  # per answer: status, headers
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- control -----------------------------------------------------------------------
    def fault(self, kind: str, on: int | str | None = None, times: int = 1, **options) -> Fault:
        fault = Fault(kind, on, times, options)
        self.faults.append(fault)
        return fault

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the partner is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/oai"

    def start(self) -> FakePartner:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.partner = self  # type: ignore[attr-defined]
        server.handle_error = lambda request, address: None  # resets and timeouts are on purpose
        self._server = server
        self.catalogue.base_url = self.base_url
        # A short poll interval: shutdown() waits up to one interval.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- serving -----------------------------------------------------------------------
    def _active(self, params: dict) -> tuple[int, list[Fault]]:
        with self._lock:
            number = len(self.requests)
            found = [f for f in self.faults if f.matches(number, params)]
            for fault in found:
                fault.used += 1
            return number, found

    def respond(self, handler: _Handler, params: dict) -> None:
        number, faults = self._active(params)
        kinds = {f.kind: f.options for f in faults}
        for kind in ("slow", "reset", "status", "oai_error", "short_body"):
            if kind in kinds:
                getattr(self, f"_{kind}")(handler, params, **kinds[kind])
                if kind != "slow":
                    return
        style = Style(prefixed="prefixed" in kinds, counts="no_counts" not in kinds,
                      token_on_last="token_on_last" in kinds,
                      end_token="  \n " if "whitespace_end_token" in kinds else "")
        style.datestamps = "ms" if "ms_datestamps" in kinds else \
            "offset" if "offset_datestamps" in kinds else "plain"
        for kind in ("control_char", "undefined_entity"):
            if kind in kinds:
                style.inject_into = kinds[kind].get("identifier", "*")
        root = self._page(params, style, kinds)
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        body = self._mangle(body, kinds, headers)
        self.send(handler, 200, body, headers)

    def _page(self, params: dict, style: Style, kinds: dict):
        cat = self.catalogue
        token = params.get("resumptionToken")
        if token in cat.tokens and PAGE & set(kinds):
            args, offset = cat.tokens[token]
            chosen = cat.selection(args)
            if "empty_page" in kinds:
                return cat.page(params, args, chosen, offset, style, params["verb"], records=[],
                                token=cat.new_token(args, offset))
            if "same_page" in kinds:
                return cat.page(params, args, chosen, 0, style, params["verb"],
                                token=cat.new_token(args, cat.page_size))
            return cat.page(params, args, chosen, offset, style, params["verb"], token=token)
        if "empty_page" in kinds and params.get("verb") in ("ListRecords", "ListIdentifiers"):
            args = dict(params)
            return cat.page(params, args, cat.selection(args), 0, style, params["verb"],
                            records=[], token=cat.new_token(args, 0))
        return cat.answer(params, style)

    def _mangle(self, body: bytes, kinds: dict, headers: dict) -> bytes:
        marker = MARKER.encode("utf-8")
        if "control_char" in kinds:
            raw = kinds["control_char"].get("raw", True)
            body = body.replace(marker, b"sealing off\x0b the well" if raw else b"x&#11;y")
        if "undefined_entity" in kinds:
            body = body.replace(marker, b"caf&eacute;")
        if "latin1" in kinds:
            text = body.decode("utf-8").replace("encoding='UTF-8'", "encoding='ISO-8859-1'")
            body = text.replace("–", "-").encode("iso-8859-1")
        if "no_declaration" in kinds or "stylesheet_pi" in kinds:
            body = body.split(b"?>", 1)[1].lstrip()
        if "stylesheet_pi" in kinds:
            body = b'<?xml-stylesheet type="text/xsl" href="/static/oai2.xsl"?>\n' + body
        if "leading_space" in kinds:
            body = b"\n   " + body
        if "billion_laughs" in kinds:
            body = BILLION_LAUGHS
        if "xxe" in kinds:
            body = XXE.replace(b"PATH", kinds["xxe"]["path"].encode())
        if "body" in kinds:
            body = kinds["body"]["data"]
        if "html" in kinds:
            body = b"<!DOCTYPE html><html><body><h1>Service temporarily down</h1></body></html>"
        if "truncate" in kinds:
            body = body[: int(len(body) * kinds["truncate"].get("keep", 0.6))]
        if "content_type" in kinds:
            headers["Content-Type"] = kinds["content_type"].get(
                "value", "text/html; charset=ISO-8859-1")
        if "gzip_unasked" in kinds:
            body = gzip.compress(body)  # and no Content-Encoding header
        return body

    def send(self, handler: _Handler, status: int, body: bytes, headers: dict,
             length: int | None = None) -> None:
        accepted = handler.headers.get("Accept-Encoding", "")
        if self.compress and self.compress in accepted and "Content-Encoding" not in headers:
            body = gzip.compress(body) if self.compress == "gzip" else zlib.compress(body)
            headers["Content-Encoding"] = self.compress
        # Recorded before the answer goes out: the client may assert on it the moment it
        # has read the body, before this thread would get to run again.
        self.sent.append({"status": status, "headers": dict(headers)})
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(length if length is not None else len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    # -- faults before the answer --------------------------------------------------------
    def _slow(self, handler, params, seconds: float = 1.0) -> None:
        time.sleep(seconds)

    def _reset(self, handler, params) -> None:
        # SO_LINGER 0: close() sends RST instead of FIN - a connection reset by peer.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.connection.close()
        raise _Reset()

    def _status(self, handler, params, code: int = 503, retry_after: int | str | None = None,
                http_date: bool = False, body: bytes = b"busy",
                content_type: str = "text/plain") -> None:
        headers = {"Content-Type": content_type}
        if isinstance(retry_after, str):
            headers["Retry-After"] = retry_after  # sent as is, however unreadable
        elif retry_after is not None:
            headers["Retry-After"] = (formatdate(time.time() + retry_after, usegmt=True)
                                      if http_date else str(retry_after))
        self.send(handler, code, body, headers)

    def _oai_error(self, handler, params, code: str = "badArgument", status: int = 200) -> None:
        root = self.catalogue.error(params, code, f"fake {code}", Style())
        self.send(handler, status, etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                  {"Content-Type": "text/xml; charset=utf-8"})

    def _short_body(self, handler, params) -> None:
        root = self.catalogue.answer(params, Style())
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        self.send(handler, 200, body[: len(body) // 2], {"Content-Type": "text/xml"},
                  length=len(body))
        handler.close_connection = True


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        partner: FakePartner = self.server.partner  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with partner._lock:
            partner.requests.append(Seen(len(partner.requests) + 1, parts.path, parts.query,
                                         params, dict(self.headers)))
        try:
            partner.respond(self, params)
        except (_Reset, BrokenPipeError, ConnectionResetError):
            self.close_connection = True


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&lol9;</responseDate>
</OAI-PMH>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file://PATH">]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&xxe;</responseDate>
<Identify><repositoryName>&xxe;</repositoryName></Identify></OAI-PMH>
"""
