"""The OAI-PMH endpoint: one route, GET and POST (§3.1.1), HTTP 200 for OAI errors (§3.1.2.2),
and an OAI-PMH XML body for every other answer under /oai as well.

The view reads the request's (key, value) pairs itself, with the size limits below, lets
``oai.arguments`` and ``oai.verbs`` decide the answer, and sends what ``oai.xmlwriter`` writes,
compressed when the harvester asks for it (§3.1.3). Every OAI error is decided before the first
byte is sent, and the first chunk of the response is made before the response starts, so a
failure while writing it is still answered properly; later chunks are streamed as the writer
produces them, so a worker's memory does not grow with the page.

POST bodies must be ``application/x-www-form-urlencoded`` (§3.1.1.2), uncompressed; a POST with
a body of another type is answered with badArgument, since its arguments cannot be read.
Arguments in the query string of a POST count too, so an argument given in both places is a
repeated argument. Arguments are percent-encoded UTF-8 (§3.1.1.3): any other bytes are
badArgument, never silently replaced.

Answers that are not OAI-PMH requests (README, "Where the specification leaves a choice"): a
path under /oai that is not the endpoint is 404, a method other than GET/HEAD/POST/OPTIONS is
405 with ``Allow``; both carry an OAI-PMH badArgument document saying what to do instead. An
unexpected exception (logged by Flask with its traceback) is 503 with ``Retry-After`` (§3.1.2.2
flow control) and an OAI-PMH envelope that carries no <error>: no OAI error code describes a
failure of the server, and each would tell the harvester something false about its request.
"""
from __future__ import annotations

import zlib
from itertools import chain
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from oai import arguments, verbs, xmlwriter
from oai.errors import BadArgument, OAIError

if TYPE_CHECKING:
    from oai.verbs import Service

bp = Blueprint("oai", __name__)

PATH = "/oai"
# Size limits. A real OAI-PMH request is a few hundred bytes: an identifier is at most 1 KB
# (store.syntax.MAX_IDENTIFIER_BYTES) and a resumption token at most 8 KB (oai.tokens), so these
# leave a wide margin while keeping a hostile request from costing memory or a huge answer.
MAX_BODY_BYTES = 64 * 1024      # a POST body (read whole, so bounded before it is read)
MAX_QUERY_BYTES = 64 * 1024     # a query string (gunicorn refuses request lines over 4 KB anyway)
MAX_VALUE_CHARS = 16 * 1024     # one argument name or value, after percent-decoding
MAX_ARGUMENTS = 64              # a request has at most five; each extra one costs an <error>
# §3.1.2.2: 503 asks the harvester to come back after Retry-After seconds (validators want a
# number, at most 3600); a minute covers a database restart or a lock held by a long write.
RETRY_AFTER_SECONDS = 60

_FORM = "application/x-www-form-urlencoded"
_ALLOWED_METHODS = "GET, HEAD, OPTIONS, POST"
# wbits: 31 = gzip container, 15 = zlib container (what HTTP calls "deflate").
_WBITS = {"gzip": 31, "deflate": 15}
# zlib level 1: a 500-record oai_dc page (757 KB) takes 3.4 ms to 128 KB; level 6 takes
# 13.5 ms to 92 KB, which would halve the rate a harvester asking for gzip gets (requests
# does by default), for 36 KB less to send.
_LEVEL = 1


@bp.route(PATH, methods=["GET", "POST"])
def endpoint() -> Response:
    svc = _service()
    now = svc.clock()  # G§3: responseDate is the time the request started
    identity = svc.identity.at(request.base_url)
    base_url = identity.base_url or request.base_url
    try:
        req = arguments.parse(_pairs(), identity.granularity)
    except OAIError as exc:
        # §3.2: after badVerb/badArgument the <request> element has no attributes.
        return _respond(xmlwriter.write_errors(xmlwriter.Envelope(base_url, now, {}),
                                               exc.errors))
    envelope = xmlwriter.Envelope(base_url, now, req.echo)
    ctx = svc.at(now, base_url)
    try:
        reply = verbs.dispatch(req, ctx)
    except OAIError as exc:
        return _respond(xmlwriter.write_errors(envelope, exc.errors))
    return _respond(xmlwriter.write(envelope, reply))


def _service() -> Service:
    return current_app.extensions["granary"]


# -- reading the arguments ---------------------------------------------------------------------

def _pairs() -> list[tuple[str, str]]:
    """The request's (key, value) pairs, query string first, then the form body of a POST."""
    query = request.query_string
    if len(query) > MAX_QUERY_BYTES:
        raise BadArgument(f"the query string is longer than {MAX_QUERY_BYTES} bytes; a real "
                          "OAI-PMH request is a few hundred")
    pairs = _decode(query, "query string")
    if request.method == "POST":
        pairs += _body_pairs()
    if len(pairs) > MAX_ARGUMENTS:
        raise BadArgument(f"the request has more than {MAX_ARGUMENTS} arguments")
    for key, value in pairs:
        if len(key) > MAX_VALUE_CHARS or len(value) > MAX_VALUE_CHARS:
            shown = f"'{key}'" if key in _KNOWN_KEYS else "an argument"
            raise BadArgument(f"{shown} is longer than {MAX_VALUE_CHARS} characters; no "
                              "identifier or resumptionToken of this repository is that long")
    return pairs


_KNOWN_KEYS = frozenset({"verb", "identifier", "metadataPrefix", "from", "until", "set",
                         "resumptionToken"})


def _body_pairs() -> list[tuple[str, str]]:
    too_long = BadArgument(f"the request body is longer than {MAX_BODY_BYTES} bytes; a real "
                           "OAI-PMH request is a few hundred")
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise too_long  # refused before a byte of it is read
    request.max_content_length = MAX_BODY_BYTES  # bounds a body sent without Content-Length
    try:
        data = request.get_data(cache=False)
    except HTTPException as exc:  # 413 past the limit; 400 for a body that broke off
        raise (too_long if exc.code == 413 else
               BadArgument("the request body could not be read")) from None
    if not data:
        return []
    if request.mimetype != _FORM:
        raise BadArgument(f"POST requests must send their arguments as {_FORM} "
                          "(OAI-PMH §3.1.1.2)")
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding not in ("", "identity"):
        raise BadArgument("the request body must not be compressed (Content-Encoding); "
                          f"send the arguments as plain {_FORM} (OAI-PMH §3.1.1.2)")
    return _decode(data, "request body")


def _decode(raw: bytes, where: str) -> list[tuple[str, str]]:
    # §3.1.1.3: values are UTF-8, percent-encoded. Werkzeug would replace bad bytes with U+FFFD
    # and answer about a value the harvester never sent, so they are refused instead.
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                         errors="strict")
    except UnicodeDecodeError:
        raise BadArgument(f"the {where} is not percent-encoded UTF-8 (OAI-PMH §3.1.1.3)"
                          ) from None


# -- answers that are not OAI-PMH requests -------------------------------------------------------

@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | HTTPException:
    """Routing errors under /oai (Flask raises them before any blueprint is chosen, hence an
    app-wide handler) as OAI-PMH XML; elsewhere Werkzeug's own answer."""
    if request.path != PATH and not request.path.startswith(PATH + "/"):
        return exc
    headers = {}
    if exc.code == 404:
        status, message = 404, (f"this URL is not an OAI-PMH endpoint: the base URL is "
                                f"{_canonical_base_url()}")
    elif exc.code == 405:
        # RFC 9110 §15.5.6: a 405 names the methods allowed; §3.1.1: OAI-PMH uses GET and POST.
        status, message = 405, "OAI-PMH requests use the GET or POST method (OAI-PMH §3.1.1)"
        headers["Allow"] = _ALLOWED_METHODS
    elif exc.code == 413:
        status, message = 200, "the request is too long"
    else:
        status, message = exc.code or 400, "the request could not be read as an HTTP request"
    envelope = xmlwriter.Envelope(_canonical_base_url(), _service().clock(), {})
    return _respond(xmlwriter.write_errors(envelope, [BadArgument(message)]), status, headers)


@bp.errorhandler(InternalServerError)
def _server_error(exc: InternalServerError) -> Response:
    # Flask has logged the exception with its traceback already. 503 + Retry-After rather
    # than 500: the usual cause is the database (locked, restarting), which §3.1.2.2's flow
    # control lets every harvester wait out, where most give up a whole harvest on a 500. The
    # body is the envelope alone: no <error> code says "the server failed".
    envelope = xmlwriter.Envelope(_canonical_base_url(), _service().clock(), {})
    body = b"".join(xmlwriter.write_errors(envelope, []))
    return Response(body, status=503, content_type="text/xml; charset=utf-8",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _canonical_base_url() -> str:
    return _service().identity.base_url or request.root_url.rstrip("/") + PATH


# -- sending -----------------------------------------------------------------------------------

def _encoding() -> str | None:
    """The compression to use: the best-rated of ours, None for identity (q=0 is respected)."""
    accept = request.accept_encodings
    best, best_q = None, 0.0
    for name in _service().identity.compression:  # our order breaks ties: gzip first
        q = accept.quality(name) if name in _WBITS else 0
        if q > best_q:
            best, best_q = name, q
    return best


def _compressed(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS[encoding])
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()


def _respond(chunks: Iterator[bytes], status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    # The first chunk is written now, inside the view: an exception while writing it becomes
    # the 503 above instead of a response that breaks off after its status line.
    body: Iterable[bytes] = chain([next(chunks)], chunks)
    headers = {"Vary": "Accept-Encoding", **(headers or {})}
    encoding = _encoding()
    if encoding is not None:
        body = _compressed(body, encoding)
        headers["Content-Encoding"] = encoding
    # §3.1.2.1: text/xml; OAI errors are HTTP 200 as well.
    return Response(body, status=status, content_type="text/xml; charset=utf-8",
                    headers=headers)
