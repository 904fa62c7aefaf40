"""The only place that writes OAI-PMH XML: an lxml tree per response, serialized once.

``render(envelope, reply)`` and ``render_errors(envelope, errors)`` return the response's bytes;
``write`` and ``write_errors`` hand the same out in chunks of at most ``CHUNK_SIZE`` bytes. Each
response is one lxml tree (a list response holds one page,
so its size is bounded by the page size), serialized by lxml in one call: per record, that is
several times cheaper than streaming element by element. Stored metadata is already serialized
(made once at write time) and is copied into the output verbatim: its <metadata> (or <about>)
element is left empty in the tree, and the stored bytes go between the start and end tags
lxml wrote for it. lxml escapes every attribute and text value, so a harvester's
``identifier=invalid"id`` can never break the document (conformance E5), and the empty
marker elements cannot be mistaken for text ("<" in text is always escaped).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterator, Mapping, Sequence

from lxml import etree

from oai.datestamps import format_datestamp
from oai.errors import OAIError
from oai.replies import (
    GetRecordReply, IdentifyReply, ListIdentifiersReply, ListMetadataFormatsReply,
    ListRecordsReply, ListSetsReply, Reply, TokenInfo,
)
from store.types import RecordRow

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


@dataclass(frozen=True)
class Envelope:
    """What every response carries besides its payload (§3.2)."""

    base_url: str
    response_date: datetime       # the start of the request (G§3)
    echo: Mapping[str, str]       # <request> attributes; empty after badVerb/badArgument


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


_SE = etree.SubElement
# A stored document goes between the tags lxml writes for these empty elements.
_MARKER = re.compile(rb"<metadata></metadata>|<about></about>")
_SET_SPEC, _METADATA, _ABOUT = _q("setSpec"), _q("metadata"), _q("about")


def _template(kind: str, deleted: bool, stamp: str, specs: tuple[str, ...]) -> etree._Element:
    """A header filled in but for its <identifier>: alone (kind "header"), in a <record>
    with an empty <metadata> marker ("record"), or in a <record> without one ("bare")."""
    root = None if kind == "header" else etree.Element(_q("record"))
    header = etree.Element(_q("header")) if root is None else _SE(root, _q("header"))
    if deleted:
        header.set("status", "deleted")
    _SE(header, _q("identifier"))
    _SE(header, _q("datestamp")).text = stamp
    for spec in specs:
        _SE(header, _SET_SPEC).text = spec
    if kind == "record":
        _SE(root, _METADATA).text = ""   # serialized as <metadata></metadata>: the marker
    return header if root is None else root


class _Page:
    """What a response's tree is built with: its root, the stored documents to splice at
    the marker elements (in document order), and header templates. Records share
    datestamps (a transaction gives all its records one) and setSpecs, so most headers are
    a copy of a template made for an earlier record of the page (one C-level copy instead
    of an element, a tag and a namespace lookup per field) with the identifier set."""

    def __init__(self, envelope: Envelope) -> None:
        self.root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
        self.root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
        _text(self.root, "responseDate", format_datestamp(envelope.response_date))
        # §3.2: the content is the base URL; the attributes are the arguments (or none).
        _text(self.root, "request", envelope.base_url, dict(envelope.echo))
        self.splices: list[bytes] = []
        self.templates: dict[tuple, etree._Element] = {}

    def splice(self, parent: etree._Element, tag: str, data: bytes) -> None:
        """An empty <tag> in *parent*, which *data* will fill."""
        _SE(parent, tag).text = ""   # serialized as <tag></tag>: the marker
        self.spliced(data)

    def spliced(self, data: bytes) -> None:
        """*data* fills the next marker element of the tree."""
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data.startswith(b"<?xml"):  # a stored declaration cannot appear mid-document
            data = data[data.index(b"?>") + 2:].lstrip()
        self.splices.append(data)

    def header(self, kind: str, row: RecordRow) -> etree._Element:
        """The header of *row* (as ``_template`` *kind*), to be placed in the tree."""
        key = (kind, row.deleted, row.datestamp, row.set_specs)
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = _template(
                kind, row.deleted, format_datestamp(row.datestamp), row.set_specs)
        element = template.__copy__()   # lxml copies the subtree (no copy.deepcopy memo)
        (element if kind == "header" else element[0])[0].text = row.identifier
        return element

    def render(self) -> bytes:
        """The serialized response, stored documents spliced in."""
        body = etree.tostring(self.root, encoding="UTF-8", xml_declaration=False)
        view = memoryview(body)   # slices of it are not copies
        out: list[bytes | memoryview] = [DECLARATION]
        pos = 0
        for mark in _MARKER.finditer(body):
            cut = mark.start() + mark.group().index(b"></") + 1   # after lxml's start tag
            out += (view[pos:cut], self.splices[len(out) // 2])
            pos = cut
        assert len(out) // 2 == len(self.splices)
        out.append(view[pos:])
        return b"".join(out)


def _text(parent: etree._Element, name: str, value: str,
          attrib: Mapping[str, str] | None = None) -> etree._Element:
    el = _SE(parent, _q(name), attrib or {})
    el.text = value
    return el


def render_errors(envelope: Envelope, errors: Sequence[OAIError]) -> bytes:
    """A response made of one <error> element per error (§3.6)."""
    page = _Page(envelope)
    for err in errors:
        _text(page.root, "error", err.message, {"code": err.code})
    return page.render()


def render(envelope: Envelope, reply: Reply) -> bytes:
    """The response to a request that succeeded."""
    page = _Page(envelope)
    _WRITERS[type(reply)](page, _SE(page.root, _q(reply.verb)), reply)
    return page.render()


def write_errors(envelope: Envelope, errors: Sequence[OAIError]) -> Iterator[bytes]:
    """render_errors in pieces of at most CHUNK_SIZE bytes."""
    return _pieces(render_errors(envelope, errors))


def write(envelope: Envelope, reply: Reply) -> Iterator[bytes]:
    """render in pieces of at most CHUNK_SIZE bytes."""
    return _pieces(render(envelope, reply))


def _pieces(body: bytes) -> Iterator[bytes]:
    view = memoryview(body)
    for start in range(0, len(body), CHUNK_SIZE):
        yield bytes(view[start:start + CHUNK_SIZE])


def _header(page: _Page, parent: etree._Element, row: RecordRow) -> None:
    parent.append(page.header("header", row))


def _record(page: _Page, parent: etree._Element, row: RecordRow) -> None:
    # §2.5.1: a deleted record has no metadata and no about.
    if row.deleted or row.metadata is None:
        parent.append(page.header("bare", row))
        return
    record = page.header("record", row)
    page.spliced(row.metadata)
    if row.about is not None:
        page.splice(record, _ABOUT, row.about)
    parent.append(record)


def _token(parent: etree._Element, token: TokenInfo | None) -> None:
    if token is None:
        return
    # No expirationDate: our tokens hold no server state and do not expire (G§5.4).
    _text(parent, "resumptionToken", token.value,
          {"cursor": str(token.cursor), "completeListSize": str(token.complete_list_size)})


def _identify(page: _Page, parent: etree._Element, reply: IdentifyReply) -> None:
    ident = reply.identity
    _text(parent, "repositoryName", ident.repository_name)
    _text(parent, "baseURL", ident.base_url or "")
    _text(parent, "protocolVersion", "2.0")
    for email in ident.admin_emails:
        _text(parent, "adminEmail", email)
    _text(parent, "earliestDatestamp", format_datestamp(reply.earliest, ident.granularity))
    _text(parent, "deletedRecord", ident.deleted_record)
    _text(parent, "granularity", ident.granularity.value)
    for encoding in ident.compression:
        _text(parent, "compression", encoding)
    _SE(parent, _q("description")).append(
        _oai_identifier(ident.repository_identifier, ident.sample_identifier))
def _oai_identifier(repository_identifier: str, sample: str) -> etree._Element:
    """The oai-identifier description container (guidelines-oai-identifier)."""
    root = etree.Element(f"{{{ID_NS}}}oai-identifier", nsmap={None: ID_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{ID_NS} {ID_SCHEMA}")
    for name, value in (("scheme", "oai"), ("repositoryIdentifier", repository_identifier),
                        ("delimiter", ":"), ("sampleIdentifier", sample)):
        etree.SubElement(root, f"{{{ID_NS}}}{name}").text = value
    return root


def _get_record(page: _Page, parent: etree._Element, reply: GetRecordReply) -> None:
    _record(page, parent, reply.record)


def _list_metadata_formats(page: _Page, parent: etree._Element,
                           reply: ListMetadataFormatsReply) -> None:
    for fmt in reply.formats:
        el = _SE(parent, _q("metadataFormat"))
        _text(el, "metadataPrefix", fmt.prefix)
        _text(el, "schema", fmt.schema)
        _text(el, "metadataNamespace", fmt.namespace)


def _set_description(text: str) -> etree._Element:
    """G§4.2: a free-text set description as oai_dc with one dc:description."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc",
                         nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    etree.SubElement(root, f"{{{DC_NS}}}description").text = text
    return root


def _list_sets(page: _Page, parent: etree._Element, reply: ListSetsReply) -> None:
    for info in reply.sets:
        el = _SE(parent, _q("set"))
        _text(el, "setSpec", info.spec)
        _text(el, "setName", info.name)
        if info.description:
            _SE(el, _q("setDescription")).append(_set_description(info.description))
    _token(parent, reply.token)


def _list_records(page: _Page, parent: etree._Element, reply: ListRecordsReply) -> None:
    for row in reply.records:
        _record(page, parent, row)
    _token(parent, reply.token)


def _list_identifiers(page: _Page, parent: etree._Element, reply: ListIdentifiersReply) -> None:
    for row in reply.records:
        _header(page, parent, row)
    _token(parent, reply.token)


_WRITERS: dict[type, Callable[[_Page, etree._Element, Any], None]] = {
    IdentifyReply: _identify,
    GetRecordReply: _get_record,
    ListMetadataFormatsReply: _list_metadata_formats,
    ListSetsReply: _list_sets,
    ListRecordsReply: _list_records,
    ListIdentifiersReply: _list_identifiers,
}
