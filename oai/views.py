"""The OAI-PMH endpoint: one route, GET and POST (§3.1.1), HTTP 200 for OAI errors (§3.1.2.2).

The view turns the HTTP request into (key, value) pairs, lets ``oai.arguments`` and
``oai.verbs`` decide the answer, and sends what ``oai.xmlwriter`` writes, compressed when the
harvester asks for it (§3.1.3). Responses are streamed as the writer produces them, so a worker's
memory does not grow with the page.

POST bodies must be ``application/x-www-form-urlencoded`` (§3.1.1.2); a POST with a body of
another type is answered with badArgument, since its arguments cannot be read. Arguments in the
query string of a POST count too, so an argument given in both places is a repeated argument.
"""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Iterable, Iterator

from flask import Blueprint, Response, current_app, request

from oai import arguments, verbs, xmlwriter
from oai.errors import BadArgument, OAIError

if TYPE_CHECKING:
    from oai.app import Service

bp = Blueprint("oai", __name__)

_FORM = "application/x-www-form-urlencoded"
# wbits: 31 = gzip container, 15 = zlib container (what HTTP calls "deflate").
_WBITS = {"gzip": 31, "deflate": 15}
# zlib level 1: a 500-record oai_dc page (757 KB) takes 3.4 ms to 128 KB; level 6 takes
# 13.5 ms to 92 KB, which would halve the rate a harvester asking for gzip gets (requests
# does by default), for 36 KB less to send.
_LEVEL = 1


@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    svc: Service = current_app.extensions["granary"]
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
    ctx = verbs.Context(identity, svc.store, svc.formats, svc.secret, now)
    try:
        reply = verbs.dispatch(req, ctx)
    except OAIError as exc:
        return _respond(xmlwriter.write_errors(envelope, exc.errors))
    return _respond(xmlwriter.write(envelope, reply))


def _pairs() -> list[tuple[str, str]]:
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
        if has_body and request.mimetype != _FORM:
            raise BadArgument("POST requests must send their arguments as "
                              f"{_FORM} (OAI-PMH §3.1.1.2)")
        pairs += list(request.form.items(multi=True))
    return pairs


def _encoding() -> str | None:
    """The compression to use: the best-rated of ours, None for identity (q=0 is respected)."""
    svc: Service = current_app.extensions["granary"]
    accept = request.accept_encodings
    best, best_q = None, 0.0
    for name in svc.identity.compression:  # our order breaks ties: gzip first
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


def _respond(chunks: Iterator[bytes]) -> Response:
    headers = {"Vary": "Accept-Encoding"}
    encoding = _encoding()
    body: Iterable[bytes] = chunks
    if encoding is not None:
        body = _compressed(chunks, encoding)
        headers["Content-Encoding"] = encoding
    # §3.1.2.1: text/xml; OAI errors are HTTP 200 as well.
    return Response(body, status=200, content_type="text/xml; charset=utf-8", headers=headers)
