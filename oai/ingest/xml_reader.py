"""Streaming reader of XML files: bare oai_dc records, wrappers of many, saved OAI-PMH responses.

The file is read with ``lxml.etree.iterparse`` and every record is cleared once it has been
turned into a SourceItem, so a file of a million records is read in bounded memory.

What is accepted, decided from the root element:

* ``<OAI-PMH>``: a saved GetRecord, ListRecords or ListIdentifiers response. Header
  identifiers and setSpecs are kept (the datestamp is not: ours is the store's);
  ``status="deleted"`` headers become tombstones. A live header without metadata (what a
  ListIdentifiers response holds) cannot make a record and is refused.
* the container of a format we can read (``<oai_dc:dc>``, a MARCXML ``<record>``, ``<mods>``):
  one record.
* any other root (a MARCXML ``<collection>``, a ``<modsCollection>``, a wrapper of ours):
  every such container inside it is a record.

A bare container has no header, so it is named by its first ``dc:identifier`` (a MARC
record: by its 001 control number, else so); one without any is refused. A record in a
format we serve (MARC, MODS) is kept verbatim as its own format (``SourceItem.own_xml``).
DTDs are refused outright: they are how entity expansion (billion laughs) and external fetches
(XXE) get in, and no OAI-PMH response needs one.
"""
from __future__ import annotations

import os
import re
from typing import Iterator

from lxml import etree

from oai.ingest.items import IngestError, SourceItem
from schemas.base import FormatRegistry, MetadataFormat
from schemas.marc_to_dc import MARC_NS
from schemas.mods_to_dc import MODS_NS
from schemas.reading import read_dc
from schemas.xwalk_values import CrosswalkError
from store.record_types import DCValue

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_RECORD = f"{{{OAI_NS}}}record"
_HEADER = f"{{{OAI_NS}}}header"
_ERROR = f"{{{OAI_NS}}}error"
_POSITION = re.compile(r", line \d+, column \d+\Z")
# What may stand before a DOCTYPE: white space, the XML declaration, PIs and comments.
_PROLOG_DOCTYPE = re.compile(rb"\A(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)
_HEAD = 64 * 1024
# The collection elements of formats whose records are the containers inside them.
_COLLECTIONS = frozenset({f"{{{MARC_NS}}}collection", f"{{{MODS_NS}}}modsCollection",
                          f"{{{MODS_NS}/}}modsCollection"})
_MARC_001 = f"{{{MARC_NS}}}controlfield[@tag='001']"
_NO_DTD = ("document type declarations (DTDs) are not accepted: they can hide entity "
           "expansion or external fetches")


def read_xml(path: str | os.PathLike[str], registry: FormatRegistry) -> Iterator[SourceItem]:
    """Yield the records of the XML file at *path*; IngestError on any problem."""
    formats = {f.namespace: f for f in registry if f.ingest is not None}
    try:
        source = open(path, "rb")
    except OSError as exc:
        raise IngestError(path, None, f"cannot read the file: {exc.strerror}") from None
    with source:
        # Our own look at the prolog, before any parser reads a declaration: how far a
        # parser gets into a DTD before it objects differs from one release to the next.
        head = source.read(_HEAD)
        if _PROLOG_DOCTYPE.match(_as_utf8(head)):
            raise IngestError(path, None, _NO_DTD)
        source.seek(0)
        reader = _Reader(path, formats)
        events = etree.iterparse(
            source, events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_blank_text=False)
        try:
            for event, elem in events:
                yield from reader.event(event, elem)
        except etree.XMLSyntaxError as exc:
            where = f"line {exc.lineno}" if exc.lineno else None
            problem = _POSITION.sub("", exc.msg or "the file is empty")
            raise IngestError(path, where, f"not well-formed XML: {problem}") from None
    if reader.count == 0:
        raise IngestError(path, None, reader.nothing_found())


def _as_utf8(head: bytes) -> bytes:
    """The head of a file as UTF-8 for the prolog check (UTF-16 files carry a BOM)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, "ignore").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


class _Reader:
    """The state of one pass over a file: which kind it is, how many records so far."""

    def __init__(self, path: str | os.PathLike[str], formats: dict[str, MetadataFormat]) -> None:
        self.path = path
        self.formats = formats
        self.mode: str | None = None        # "oai" (a saved response) or "bare" (records)
        self.count = 0

    def fail(self, elem: etree._Element, problem: str) -> IngestError:
        """The error for a problem in the record that *elem* belongs to."""
        return IngestError(self.path, self._where(elem), problem)

    def event(self, event: str, elem: etree._Element) -> Iterator[SourceItem]:
        if self.mode is None:
            self._start(elem)
        if event != "end":
            return
        if self.mode == "oai":
            if elem.tag == _RECORD:
                yield self._done(elem, self._oai_record(elem))
            elif elem.tag == _HEADER and elem.getparent().tag != _RECORD:
                yield self._done(elem, self._lone_header(elem))     # ListIdentifiers
            elif elem.tag == _ERROR:
                raise IngestError(self.path, f"line {elem.sourceline}",
                                  f"the saved response is an OAI-PMH error: "
                                  f"{elem.get('code')}: {(elem.text or '').strip()}")
        elif self._is_container(elem):
            yield self._done(elem, self._bare(elem))

    def _start(self, root: etree._Element) -> None:
        # The DOCTYPE, if any, has been read before the root's start event: refuse it here,
        # before a single entity reference in the content could be looked at.
        # (a prolog longer than the head read_xml looked at).
        if root.getroottree().docinfo.doctype:
            raise IngestError(self.path, None, _NO_DTD)
        # Anything but a response is bare records: the root itself, or containers inside it.
        self.mode = "oai" if root.tag == f"{{{OAI_NS}}}OAI-PMH" else "bare"

    def _is_container(self, elem: etree._Element) -> bool:
        if not isinstance(elem.tag, str) or etree.QName(elem).namespace not in self.formats:
            return False
        if elem.tag in _COLLECTIONS:
            return False
        parent = elem.getparent()
        if parent is not None and parent.tag in _COLLECTIONS:
            return True
        # The outermost element of a format's namespace is its container; inner ones belong
        # to it (a format's schema may use its own namespace for child elements too).
        return parent is None or not isinstance(parent.tag, str) or \
            etree.QName(parent).namespace != etree.QName(elem).namespace

    def _done(self, elem: etree._Element, item: SourceItem) -> SourceItem:
        self.count += 1
        # Bounded memory: drop the record and the already-read siblings before it.
        elem.clear(keep_tail=False)
        parent = elem.getparent()
        if parent is not None:
            while elem.getprevious() is not None:
                del parent[0]
        return item

    def _header(self, header: etree._Element, where: etree._Element) -> SourceItem:
        """The item a header names, without metadata; only a deleted header stands alone."""
        identifier = (header.findtext(f"{{{OAI_NS}}}identifier") or "").strip()
        if not identifier:
            raise self.fail(where, "the header has no identifier")
        specs = [(s.text or "").strip() for s in header.iterfind(f"{{{OAI_NS}}}setSpec")]
        # dict.fromkeys: keep order, drop repeats (DSpace wrote the same setSpec twice).
        sets = tuple(dict.fromkeys(s for s in specs if s))
        # OAI-PMH §2.5.1: a deleted record's header carries status="deleted", no metadata.
        deleted = header.get("status") == "deleted"
        return SourceItem(identifier, self._where(where), (), sets, deleted)

    def _oai_record(self, record: etree._Element) -> SourceItem:
        header = record.find(_HEADER)
        if header is None:
            raise self.fail(record, "the record has no header")
        item = self._header(header, record)
        if item.deleted:
            return item
        metadata = record.find(f"{{{OAI_NS}}}metadata")
        payload = None if metadata is None else next(
            (c for c in metadata if isinstance(c.tag, str)), None)
        if payload is None:
            raise self.fail(record, f"record {item.identifier!r} is not deleted but has "
                            "no metadata")
        own_format, own_xml = self._own(payload)
        return SourceItem(item.identifier, item.location, self._dc(payload, record), item.sets,
                          own_format=own_format, own_xml=own_xml)

    def _lone_header(self, header: etree._Element) -> SourceItem:
        item = self._header(header, header)
        if not item.deleted:
            raise self.fail(header, f"header {item.identifier!r} has no metadata: only "
                            "deleted records can be imported from headers alone (a saved "
                            "ListRecords response carries the metadata)")
        return item

    def _bare(self, container: etree._Element) -> SourceItem:
        dc = self._dc(container, container)
        first = next((v.value for v in dc if v.element == "identifier"), None)
        if container.tag == f"{{{MARC_NS}}}record":
            first = (container.findtext(_MARC_001) or "").strip() or first
        if first is None:
            raise self.fail(container, "no identifier: a record without an OAI-PMH header is "
                            "named by its first dc:identifier, and this one has none")
        own_format, own_xml = self._own(container)
        return SourceItem(first, self._where(container), dc, own_format=own_format,
                          own_xml=own_xml)

    def _own(self, payload: etree._Element) -> tuple[str | None, bytes | None]:
        """(prefix, bytes) of *payload* when its format is served too (rendered otherwise)."""
        fmt = self.formats.get(etree.QName(payload).namespace or "")
        if fmt is None or fmt.render is None or fmt.prefix == "oai_dc":
            return None, None   # oai_dc is read into DC and rendered again, as always
        return fmt.prefix, etree.tostring(payload, encoding="utf-8")

    def _dc(self, payload: etree._Element, where: etree._Element) -> tuple[DCValue, ...]:
        fmt = self.formats.get(etree.QName(payload).namespace or "")
        if fmt is None or fmt.ingest is None:   # only readable formats are in self.formats
            known = ", ".join(f.prefix for f in self.formats.values())
            raise self.fail(where, f"the metadata is <{payload.tag}>, which cannot be "
                            f"imported (readable formats: {known})")
        try:
            return read_dc(fmt, payload)
        except CrosswalkError as exc:
            raise self.fail(where, str(exc)) from None

    def _where(self, elem: etree._Element) -> str:
        # lxml gives the line on which the element's start tag ends.
        return f"record {self.count + 1} (line {elem.sourceline})"

    def nothing_found(self) -> str:
        if self.mode == "oai":
            return ("the OAI-PMH response holds no records (GetRecord, ListRecords and "
                    "ListIdentifiers responses can be imported)")
        known = ", ".join(f.prefix for f in self.formats.values())
        return f"no records found (expected {known} records or a saved OAI-PMH response)"
