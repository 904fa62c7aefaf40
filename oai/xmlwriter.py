"""The only place that writes OAI-PMH XML: streaming, with ``lxml.etree.xmlfile``.

``write(envelope, reply)`` and ``write_errors(envelope, errors)`` are generators of byte chunks
of about ``CHUNK_SIZE`` bytes: records are written one by one into a small sink that is handed
on whenever it fills, so memory does not grow with the page or the store. Stored metadata is
already serialized (made once at write time) and is copied into the output verbatim after
``xf.flush()`` (xmlfile writes each start tag whole as soon as the element is opened, so the
bytes land inside <metadata>). Headers are copies of lxml templates made once per page for each
(deleted, datestamp, setSpecs) seen - a transaction gives all its records one datestamp - with
the identifier filled in, written with one ``xf.write`` each. lxml escapes every attribute and
text value, so a harvester's ``identifier=invalid"id`` can never break the document (E5).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator, Mapping, Sequence

from lxml import etree

from oai.datestamps import format_datestamp
from oai.errors import OAIError
from oai.replies import (
    GetRecordReply,
    IdentifyReply,
    ListIdentifiersReply,
    ListMetadataFormatsReply,
    ListRecordsReply,
    ListSetsReply,
    Reply,
    TokenInfo,
)
from store.record_types import RecordRow

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
# §3.2: UTF-8 with an XML declaration (a constant, written before lxml takes over).
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CHUNK_SIZE = 64 * 1024
# What ``etree.xmlfile`` hands out (lxml does not export the class for annotations).
XF = Any


@dataclass(frozen=True)
class Envelope:
    """What every response carries besides its payload (§3.2)."""

    base_url: str
    response_date: datetime       # the start of the request (G§3)
    echo: Mapping[str, str]       # <request> attributes; empty after badVerb/badArgument


class _Sink:
    """Collects what xmlfile writes until the generator hands it on."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(bytes(data))
        self.size += len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts, self.size = [], 0
        return out


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


_RECORD, _HEADER, _METADATA, _ABOUT = _q("record"), _q("header"), _q("metadata"), _q("about")
_IDENTIFIER, _DATESTAMP, _SET_SPEC = _q("identifier"), _q("datestamp"), _q("setSpec")


def _text(xf: XF, name: str, value: str, attrib: Mapping[str, str] | None = None) -> None:
    with xf.element(_q(name), attrib or {}):
        xf.write(value)


class _Headers:
    """Header elements for one page: a template per (deleted, datestamp, setSpecs), copied
    (one C-level copy) and given the record's identifier."""

    def __init__(self) -> None:
        self.templates: dict[tuple, etree._Element] = {}

    def __call__(self, row: RecordRow) -> etree._Element:
        key = (row.deleted, row.datestamp, row.set_specs)
        template = self.templates.get(key)
        if template is None:
            template = etree.Element(_HEADER, nsmap={None: OAI_NS})
            if row.deleted:
                template.set("status", "deleted")
            etree.SubElement(template, _IDENTIFIER)
            etree.SubElement(template, _DATESTAMP).text = format_datestamp(row.datestamp)
            for spec in row.set_specs:
                etree.SubElement(template, _SET_SPEC).text = spec
            self.templates[key] = template
        header = template.__copy__()
        header[0].text = row.identifier
        return header


def _stream(envelope: Envelope, body: Callable[[XF, _Sink], Iterator[None]]
            ) -> Iterator[bytes]:
    sink = _Sink()
    sink.write(DECLARATION)
    with etree.xmlfile(sink, encoding="UTF-8") as xf:
        root_attrib = {f"{{{XSI_NS}}}schemaLocation": f"{OAI_NS} {OAI_SCHEMA}"}
        with xf.element(_q("OAI-PMH"), root_attrib, nsmap={None: OAI_NS, "xsi": XSI_NS}):
            _text(xf, "responseDate", format_datestamp(envelope.response_date))
            # §3.2: the content is the base URL; the attributes are the arguments (or none).
            _text(xf, "request", envelope.base_url, dict(envelope.echo))
            for _ in body(xf, sink):
                if sink.size >= CHUNK_SIZE:
                    xf.flush()
                    yield sink.take()
        xf.flush()
    yield sink.take()


def write_errors(envelope: Envelope, errors: Sequence[OAIError]) -> Iterator[bytes]:
    """A response made of one <error> element per error (§3.6)."""
    def body(xf: XF, sink: _Sink) -> Iterator[None]:
        for err in errors:
            _text(xf, "error", err.message, {"code": err.code})
        yield
    return _stream(envelope, body)


def write(envelope: Envelope, reply: Reply) -> Iterator[bytes]:
    """The response to a request that succeeded."""
    writer = _WRITERS[type(reply)]

    def body(xf: XF, sink: _Sink) -> Iterator[None]:
        with xf.element(_q(reply.verb)):
            yield from writer(xf, sink, reply)
    return _stream(envelope, body)


def _splice(xf: XF, sink: _Sink, data: bytes) -> None:
    """Copy a serialized element into the output at the current position."""
    xf.flush()  # everything lxml buffered (the parent's start tag) goes out first
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith(b"<?xml"):  # a stored declaration cannot appear mid-document
        data = data[data.index(b"?>") + 2:].lstrip()
    sink.write(data)


def _record(xf: XF, sink: _Sink, row: RecordRow, headers: _Headers) -> None:
    with xf.element(_RECORD):
        xf.write(headers(row))
        # §2.5.1: a deleted record has no metadata and no about.
        if not row.deleted and row.metadata is not None:
            with xf.element(_METADATA):
                _splice(xf, sink, row.metadata)
            if row.about is not None:
                with xf.element(_ABOUT):
                    _splice(xf, sink, row.about)


def _token(xf: XF, token: TokenInfo | None) -> None:
    if token is None:
        return
    # No expirationDate: our tokens hold no server state and do not expire (G§5.4).
    _text(xf, "resumptionToken", token.value,
          {"cursor": str(token.cursor), "completeListSize": str(token.complete_list_size)})


def _identify(xf: XF, sink: _Sink, reply: IdentifyReply) -> Iterator[None]:
    ident = reply.identity
    _text(xf, "repositoryName", ident.repository_name)
    _text(xf, "baseURL", ident.base_url or "")
    _text(xf, "protocolVersion", "2.0")
    for email in ident.admin_emails:
        _text(xf, "adminEmail", email)
    _text(xf, "earliestDatestamp", format_datestamp(reply.earliest, ident.granularity))
    _text(xf, "deletedRecord", ident.deleted_record)
    _text(xf, "granularity", ident.granularity.value)
    for encoding in ident.compression:
        _text(xf, "compression", encoding)
    with xf.element(_q("description")):
        xf.write(_oai_identifier(ident.repository_identifier, ident.sample_identifier))
    yield


def _oai_identifier(repository_identifier: str, sample: str) -> etree._Element:
    """The oai-identifier description container (guidelines-oai-identifier)."""
    root = etree.Element(f"{{{ID_NS}}}oai-identifier", nsmap={None: ID_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{ID_NS} {ID_SCHEMA}")
    for name, value in (("scheme", "oai"), ("repositoryIdentifier", repository_identifier),
                        ("delimiter", ":"), ("sampleIdentifier", sample)):
        etree.SubElement(root, f"{{{ID_NS}}}{name}").text = value
    return root


def _get_record(xf: XF, sink: _Sink, reply: GetRecordReply) -> Iterator[None]:
    _record(xf, sink, reply.record, _Headers())
    yield


def _list_metadata_formats(xf: XF, sink: _Sink, reply: ListMetadataFormatsReply) -> Iterator[None]:
    for fmt in reply.formats:
        with xf.element(_q("metadataFormat")):
            _text(xf, "metadataPrefix", fmt.prefix)
            _text(xf, "schema", fmt.schema)
            _text(xf, "metadataNamespace", fmt.namespace)
    yield


def _set_description(text: str) -> etree._Element:
    """G§4.2: a free-text set description as oai_dc with one dc:description."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc",
                         nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    etree.SubElement(root, f"{{{DC_NS}}}description").text = text
    return root


def _list_sets(xf: XF, sink: _Sink, reply: ListSetsReply) -> Iterator[None]:
    for info in reply.sets:
        with xf.element(_q("set")):
            _text(xf, "setSpec", info.spec)
            _text(xf, "setName", info.name)
            if info.description:
                with xf.element(_q("setDescription")):
                    xf.write(_set_description(info.description))
        yield
    _token(xf, reply.token)


def _list_records(xf: XF, sink: _Sink, reply: ListRecordsReply) -> Iterator[None]:
    headers = _Headers()
    for row in reply.records:
        _record(xf, sink, row, headers)
        yield
    _token(xf, reply.token)


def _list_identifiers(xf: XF, sink: _Sink, reply: ListIdentifiersReply) -> Iterator[None]:
    headers = _Headers()
    for row in reply.records:
        xf.write(headers(row))
        yield
    _token(xf, reply.token)


_WRITERS: dict[type, Callable[..., Iterator[None]]] = {
    IdentifyReply: _identify,
    GetRecordReply: _get_record,
    ListMetadataFormatsReply: _list_metadata_formats,
    ListSetsReply: _list_sets,
    ListRecordsReply: _list_records,
    ListIdentifiersReply: _list_identifiers,
}
