"""A small, correct OAI-PMH endpoint as a WSGI app, and ``Flaws`` that each break one rule.

The endpoint keeps a handful of records in memory (one deleted, some in sets ``a``, ``a:b``
and ``c``), pages its lists by ``page_size`` with opaque tokens, and builds every answer
with lxml. Arguments are checked by Granary's own ``oai.arguments.parse`` (the rules the
validator judges by); each flaw then bends one thing on the way out. ``serve(app)`` runs any
WSGI app on a free 127.0.0.1 port until the ``with`` block ends.
"""
from __future__ import annotations

import base64
import gzip
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Callable, Iterator
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import request_uri

from lxml import etree

from oai.arguments import parse
from oai.datestamps import Granularity, format_datestamp
from oai.errors import (
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
)
from store.syntax import set_ancestors

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
SETS = {"a": "Set A", "a:b": "Set A, part B", "c": "Set C"}


@dataclass(frozen=True)
class Flaws:
    """Defaults are correct; each field set otherwise breaks one rule."""

    sets: bool = True
    granularity: Granularity = Granularity.SECONDS
    page_size: int = 3
    error_status: int = 200            # the HTTP status of an <error> answer
    empty_last_token: bool = True      # the last page of a list ends with <resumptionToken/>
    reject_repeated: bool = True       # a repeated argument is badArgument
    echo_on_error: bool = False        # badVerb/badArgument echo the arguments anyway
    response_date: str | None = None   # a fixed responseDate instead of now
    content_type: str = "text/xml; charset=UTF-8"
    invalid_schema: bool = False       # Identify carries an element OAI-PMH.xsd lacks
    base_url: str | None = None        # Identify's baseURL, when not the real one
    bad_verb_code: str = "badVerb"     # the code for a missing or unknown verb
    dc_namespace: str = DC_NS          # oai_dc's namespace in ListMetadataFormats
    identify_error: bool = False       # Identify answers with an error
    compression: str | None = None     # announced in Identify (gzip), and used when asked
    compression_ignored: bool = False  # ... but never used
    deleted_record: str = "persistent"  # Identify's deletedRecord (a record is deleted)
    busy: str | None = None            # ListRecords is 503 with this Retry-After ("" none)


@dataclass(frozen=True)
class Record:
    identifier: str
    datestamp: datetime
    sets: tuple[str, ...]
    deleted: bool = False


def records(flaws: Flaws) -> list[Record]:
    start = datetime(2020, 1, 1, 10, 0, 0, tzinfo=timezone.utc)
    found = []
    for i in range(7):
        sets = (("a", "a:b", "c")[i % 3],) if flaws.sets and i % 2 == 0 else ()
        # Two records share a day (at different times), so a day window holds both.
        stamp = start + timedelta(days=i // 2, hours=i % 2)
        if flaws.granularity is Granularity.DAY:
            stamp = stamp.replace(hour=0)
        found.append(Record(f"oai:fake.example.org:{i}", stamp, sets, deleted=(i == 5)))
    return found


def _el(parent: etree._Element, name: str, text: str | None = None, ns: str = OAI,
        **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}", attrib)
    el.text = text
    return el


class Endpoint:
    """The WSGI app."""

    def __init__(self, flaws: Flaws = Flaws()) -> None:
        self.flaws = flaws
        self.records = records(flaws)

    def __call__(self, environ, start_response):  # noqa: ANN001,ANN204 - WSGI
        if environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(size).decode("utf-8")
        else:
            query = environ.get("QUERY_STRING", "")
        pairs = parse_qsl(query, keep_blank_values=True)
        base = request_uri(environ, include_query=False)
        status, body = self.answer(pairs, base)
        headers = [("Content-Type", self.flaws.content_type)]
        if self.flaws.busy is not None and ("verb", "ListRecords") in pairs:
            status, body = 503, b"Busy, come back later."
            headers = [("Content-Type", "text/plain")] + (
                [("Retry-After", self.flaws.busy)] if self.flaws.busy else [])
        asked = environ.get("HTTP_ACCEPT_ENCODING", "")
        if self.flaws.compression == "gzip" and "gzip" in asked \
                and not self.flaws.compression_ignored:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       headers + [("Content-Length", str(len(body)))])
        return [body]

    def answer(self, pairs: list[tuple[str, str]], base: str) -> tuple[int, bytes]:
        f = self.flaws
        if not f.reject_repeated:
            seen: dict[str, str] = {}
            for key, value in pairs:
                if key == "verb" and key in seen:
                    continue
                seen.setdefault(key, value)
            pairs = list(seen.items()) if any(k != "verb" for k, _ in pairs) else pairs
        root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
        root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI}OAI-PMH.xsd")
        _el(root, "responseDate", f.response_date or format_datestamp(datetime.now(timezone.utc)))
        request = _el(root, "request", base)
        try:
            req = parse(pairs, f.granularity)
            if req.verb.value == "Identify" and f.identify_error:
                raise BadArgument("Identify is not available")
            for key, value in req.echo.items():
                request.set(key, value)
            getattr(self, req.verb.value)(root, req, base)
            return 200, self._bytes(root)
        except OAIError as exc:
            errors = list(exc.errors)
            if f.bad_verb_code != "badVerb":
                errors = [BadArgument(e.message) if isinstance(e, BadVerb) else e
                          for e in errors]
            if f.echo_on_error or not {e.code for e in errors} & {"badVerb", "badArgument"}:
                for key, value in pairs:
                    request.set(key, value)
            for error in errors:
                _el(root, "error", error.message, code=error.code)
            return f.error_status, self._bytes(root)

    @staticmethod
    def _bytes(root: etree._Element) -> bytes:
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def _stamp(self, moment: datetime) -> str:
        return format_datestamp(moment, self.flaws.granularity)

    # -- verbs --------------------------------------------------------------------------------
    def Identify(self, root, req, base):  # noqa: ANN001,ANN201,N802 - named after the verb
        body = _el(root, "Identify")
        _el(body, "repositoryName", "Fake repository")
        _el(body, "baseURL", self.flaws.base_url or base)
        _el(body, "protocolVersion", "2.0")
        _el(body, "adminEmail", "admin@fake.example.org")
        _el(body, "earliestDatestamp", self._stamp(min(r.datestamp for r in self.records)))
        _el(body, "deletedRecord", self.flaws.deleted_record)
        _el(body, "granularity", self.flaws.granularity.value)
        if self.flaws.compression:
            _el(body, "compression", self.flaws.compression)
        if self.flaws.invalid_schema:
            _el(body, "favouriteColour", "green")
        desc = _el(body, "description")
        ident = etree.SubElement(desc, f"{{{OAI_ID}}}oai-identifier", nsmap={None: OAI_ID})
        ident.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID} {OAI_ID}.xsd")
        for name, text in (("scheme", "oai"), ("repositoryIdentifier", "fake.example.org"),
                           ("delimiter", ":"), ("sampleIdentifier", "oai:fake.example.org:1")):
            _el(ident, name, text, ns=OAI_ID)

    def ListMetadataFormats(self, root, req, base):  # noqa: ANN001,ANN201,N802
        if req.identifier is not None:
            self._find(req.identifier)
        fmt = _el(_el(root, "ListMetadataFormats"), "metadataFormat")
        _el(fmt, "metadataPrefix", "oai_dc")
        _el(fmt, "schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
        _el(fmt, "metadataNamespace", self.flaws.dc_namespace)

    def ListSets(self, root, req, base):  # noqa: ANN001,ANN201,N802
        if not self.flaws.sets:
            raise NoSetHierarchy()
        if req.resumption_token is not None:
            raise BadResumptionToken()  # every set fits on one page
        body = _el(root, "ListSets")
        for spec, name in SETS.items():
            item = _el(body, "set")
            _el(item, "setSpec", spec)
            _el(item, "setName", name)

    def GetRecord(self, root, req, base):  # noqa: ANN001,ANN201,N802
        record = self._find(req.identifier)
        if req.metadata_prefix != "oai_dc":
            raise CannotDisseminateFormat()
        self._record(_el(root, "GetRecord"), record, full=True)

    def ListRecords(self, root, req, base, full=True):  # noqa: ANN001,ANN201,N802
        if req.resumption_token is not None:
            state = self._token_state(req.resumption_token)
        else:
            state = {"offset": 0, "prefix": req.metadata_prefix, "set": req.set_spec,
                     "from": req.from_.isoformat() if req.from_ else None,
                     "until": req.until.isoformat() if req.until else None}
        if state["prefix"] != "oai_dc":
            raise CannotDisseminateFormat()
        if state["set"] is not None and not self.flaws.sets:
            raise NoSetHierarchy()
        chosen = [r for r in self.records if self._selected(r, state)]
        if not chosen:
            raise NoRecordsMatch()
        offset, size = state["offset"], self.flaws.page_size
        if offset >= len(chosen):
            raise BadResumptionToken()
        body = _el(root, "ListRecords" if full else "ListIdentifiers")
        for record in chosen[offset:offset + size]:
            self._record(body, record, full)
        if offset + size < len(chosen):
            token = base64.urlsafe_b64encode(json.dumps({**state, "offset": offset + size})
                                             .encode()).decode()
            _el(body, "resumptionToken", token, cursor=str(offset),
                completeListSize=str(len(chosen)))
        elif offset and self.flaws.empty_last_token:
            _el(body, "resumptionToken", None, cursor=str(offset),
                completeListSize=str(len(chosen)))

    def ListIdentifiers(self, root, req, base):  # noqa: ANN001,ANN201,N802
        self.ListRecords(root, req, base, full=False)

    # -- helpers ------------------------------------------------------------------------------
    def _find(self, identifier: str) -> Record:
        for record in self.records:
            if record.identifier == identifier:
                return record
        raise IdDoesNotExist()

    @staticmethod
    def _token_state(token: str) -> dict:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
            assert isinstance(state, dict) and isinstance(state["offset"], int)
            return state
        except Exception:  # noqa: BLE001 - anything we did not issue
            raise BadResumptionToken() from None

    @staticmethod
    def _selected(record: Record, state: dict) -> bool:
        if state["from"] and record.datestamp < datetime.fromisoformat(state["from"]):
            return False
        if state["until"] and record.datestamp > datetime.fromisoformat(state["until"]):
            return False
        if state["set"] and not any(state["set"] in set_ancestors(s) for s in record.sets):
            return False
        return True

    def _record(self, parent: etree._Element, record: Record, full: bool) -> None:
        item = _el(parent, "record") if full else parent
        header = _el(item, "header", **({"status": "deleted"} if record.deleted else {}))
        _el(header, "identifier", record.identifier)
        _el(header, "datestamp", self._stamp(record.datestamp))
        for spec in record.sets:
            _el(header, "setSpec", spec)
        if not full or record.deleted:
            return
        dc = etree.SubElement(_el(item, "metadata"), f"{{{DC_NS}}}dc",
                              nsmap={"oai_dc": DC_NS, "dc": DC, "xsi": XSI})
        dc.set(f"{{{XSI}}}schemaLocation", f"{DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
        number = record.identifier.rsplit(":", 1)[1]
        for name, text in (("title", f"Record {number}"), ("creator", "Doe, Jane"),
                           ("date", "2019-05-01"), ("type", "Text"), ("language", "en"),
                           ("identifier", f"https://fake.example.org/{number}")):
            _el(dc, name, text, ns=DC)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002 - no request log in the test output
        pass


@contextmanager
def serve(app: Callable, path: str = "/oai") -> Iterator[str]:
    """Serve *app* on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
