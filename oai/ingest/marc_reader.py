"""Streaming reader of binary MARC 21 files (ISO 2709), UTF-8 or MARC-8.

pymarc reads one record at a time from the file (bounded memory) and decodes it by its
Leader/09: ``a`` is UTF-8, blank is MARC-8, which pymarc converts to Unicode. Each record is
kept as MARCXML (what our ``marc21`` format serves; Leader/09 set to ``a``, since MARCXML is
Unicode whatever the file's coding was) and read into Dublin Core by the marc21 crosswalk
(schemas/marc_to_dc.py). A record is named by its 001 control number, else by its first
dc:identifier. A record pymarc cannot read, or that the crosswalk refuses, is an IngestError
naming the record's number and byte offset, so the whole file is refused (an import is whole
or nothing).
"""
from __future__ import annotations

import os
import warnings
from typing import Iterator

from lxml import etree

from oai.ingest.items import IngestError, SourceItem
from schemas.marc21 import MARC21
from schemas.marc_to_dc import MARC_NS
from schemas.reading import read_dc
from schemas.xwalk_values import CrosswalkError

MARC_SUFFIXES = (".mrc", ".marc", ".iso2709", ".iso", ".dat")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_LEADER = f"{{{MARC_NS}}}leader"
_001 = f"{{{MARC_NS}}}controlfield[@tag='001']"


def looks_like_iso2709(head: bytes) -> bool:
    """The first bytes of an ISO 2709 record: a five-digit length, then a Leader whose
    positions 10-11 are "22" (indicator and subfield code counts, MARC 21) and 20-23 "4500"."""
    return (len(head) >= 24 and head[:5].isdigit() and head[10:12] == b"22"
            and head[20:24] == b"4500")


def _xml(record) -> etree._Element:  # noqa: ANN001 - a pymarc.Record
    import pymarc

    root = etree.fromstring(pymarc.record_to_xml(record, namespace=True), _PARSER)
    leader = root.find(_LEADER)
    if leader is not None and leader.text and len(leader.text) >= 10:
        leader.text = leader.text[:9] + "a" + leader.text[10:]
    return root


def read_marc(path: str | os.PathLike[str]) -> Iterator[SourceItem]:
    """Yield the records of the ISO 2709 file at *path*; IngestError on any problem."""
    import pymarc

    try:
        source = open(path, "rb")
    except OSError as exc:
        raise IngestError(path, None, f"cannot read the file: {exc.strerror}") from None
    count = 0
    with source:
        reader = pymarc.MARCReader(source, to_unicode=True, utf8_handling="strict")
        offset = 0
        while True:
            where = f"record {count + 1} (byte {offset})"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")   # pymarc warns on odd MARC-8; we check
                    record = next(reader)
            except StopIteration:
                break
            except Exception as exc:   # noqa: BLE001 - pymarc's errors are many; name the record
                raise IngestError(path, where, f"not a readable MARC record: {exc}") from None
            offset = source.tell()
            if record is None:
                problem = reader.current_exception
                raise IngestError(path, where, "not a readable MARC record: "
                                  f"{problem or 'unknown problem'}")
            count += 1
            try:
                root = _xml(record)
                dc = read_dc(MARC21, root)
            except (CrosswalkError, etree.XMLSyntaxError, ValueError) as exc:
                raise IngestError(path, where, str(exc)) from None
            name = (root.findtext(_001) or "").strip() or next(
                (v.value for v in dc if v.element == "identifier"), None)
            if not name:
                raise IngestError(path, where, "no identifier: a MARC record is named by its "
                                  "001 control number or its first identifier, and this one "
                                  "has neither")
            yield SourceItem(name, where, dc, own_format=MARC21.prefix,
                             own_xml=etree.tostring(root, encoding="utf-8"))
    if count == 0:
        raise IngestError(path, None, "no MARC records found in the file")
