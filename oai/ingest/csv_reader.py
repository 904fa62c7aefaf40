"""Reader of CSV catalogues: one record per row, columns named by a header row.

Columns (names are case-insensitive):

* ``identifier`` (required): the record's item identifier, a local id or a URI.
* one column per Dublin Core element (``title``, ``creator`` ...). ``identifier`` already
  names the record, so the dc:identifier element is written ``dc:identifier``; any element may
  be written with the ``dc:`` prefix. ``title@en`` gives its values ``xml:lang="en"``.
  An element may have several columns (``title@en`` and ``title@fr``); values keep column
  order.
* ``sets`` (optional): the record's setSpecs.
* ``status`` (optional): empty, or ``deleted`` for a tombstone.

Several values in one cell are separated by ``||``; surrounding spaces are trimmed and empty
values dropped. The file is UTF-8, with or without a byte-order mark.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from typing import Iterator

from oai.ingest.items import IngestError, SourceItem
from store.record_types import DC_ELEMENTS, DCValue

SEPARATOR = "||"
_SPECIAL = ("identifier", "sets", "status")
# xml:lang is xs:language (RFC 3066 style): 1-8 letters, then subtags of 1-8 alphanumerics.
_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")
_STATUSES = {"": False, "deleted": True}


@dataclass(frozen=True, slots=True)
class _Column:
    role: str                   # "identifier", "sets", "status" or "dc"
    element: str | None = None  # the DC element of a "dc" column
    lang: str | None = None


def split_values(cell: str) -> list[str]:
    """``"a || b||"`` -> ``["a", "b"]``."""
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _column(name: str) -> _Column | str:
    """The column a header cell names, or the problem with it (a str)."""
    raw = name.strip()
    key = raw.lower()
    if key in _SPECIAL:
        return _Column(key)
    element, _, lang = key.partition("@")
    explicit = element.startswith("dc:")
    element = element.removeprefix("dc:")
    if element not in DC_ELEMENTS or (element == "identifier" and not explicit):
        return (f"unknown column {raw!r} (expected a Dublin Core element, identifier, "
                f"sets or status)")
    if "@" in key:
        lang = raw.partition("@")[2]
        if not _LANG.match(lang):
            return f"column {raw!r}: {lang!r} is not a language tag (like en or pt-BR)"
    return _Column("dc", element, lang or None)


def _header(path: str | os.PathLike[str], cells: list[str]) -> list[_Column]:
    columns: list[_Column] = []
    for cell in cells:
        col = _column(cell)
        if isinstance(col, str):
            raise IngestError(path, "line 1", col)
        if col.role in _SPECIAL and any(c.role == col.role for c in columns):
            raise IngestError(path, "line 1", f"column {col.role!r} appears twice")
        columns.append(col)
    if not any(c.role == "identifier" for c in columns):
        raise IngestError(path, "line 1", "no 'identifier' column (every record needs one)")
    return columns


def read_csv(path: str | os.PathLike[str]) -> Iterator[SourceItem]:
    """Yield the records of the CSV file at *path*; IngestError on any problem."""
    try:
        # utf-8-sig: a byte-order mark (spreadsheets write one) is read and dropped.
        source = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise IngestError(path, None, f"cannot read the file: {exc.strerror}") from None
    with source:
        # strict: a stray quote is an error to report, not a cell to guess at.
        rows = csv.reader(source, strict=True)
        ended = 0       # the physical line the previous row ended on
        try:
            cells = next(rows, None)
            if cells is None:
                raise IngestError(path, None, "the file is empty (expected a header row)")
            columns = _header(path, cells)
            ended = rows.line_num
            for cells in rows:
                # A quoted cell may span lines: a row starts after the previous one ended.
                if any(c.strip() for c in cells):
                    yield _row(path, f"line {ended + 1}", columns, cells)
                ended = rows.line_num
        except UnicodeDecodeError as exc:
            raise IngestError(path, _undecodable_line(path), f"not UTF-8 text (byte "
                              f"0x{exc.object[exc.start]:02X} is not valid UTF-8)") from None
        except csv.Error as exc:
            # Reported where the row began: an unclosed quote ends at the end of the file.
            raise IngestError(path, f"line {ended + 1}", f"bad CSV: {exc}") from None


def _undecodable_line(path: str | os.PathLike[str]) -> str | None:
    """The first line that is not UTF-8 (text is decoded in blocks, so the decoder's own
    position does not say which line it was)."""
    with open(path, "rb") as raw:
        for number, data in enumerate(raw, start=1):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return f"line {number}"
    return None


def _row(path: str | os.PathLike[str], where: str, columns: list[_Column],
         cells: list[str]) -> SourceItem:
    if len(cells) != len(columns):
        raise IngestError(path, where, f"{len(cells)} values, but the header names "
                          f"{len(columns)} columns")
    identifier, deleted = "", False
    sets: tuple[str, ...] = ()
    dc: list[DCValue] = []
    for col, cell in zip(columns, cells, strict=True):   # lengths checked just above
        if col.role == "identifier":
            identifier = cell.strip()
        elif col.role == "sets":
            sets = tuple(dict.fromkeys(split_values(cell)))
        elif col.role == "status":
            status = cell.strip().lower()
            if status not in _STATUSES:
                raise IngestError(path, where, f"status {cell.strip()!r} is not understood "
                                  "(leave it empty, or write 'deleted')")
            deleted = _STATUSES[status]
        else:
            element = col.element
            assert element is not None   # every column that is not a role is a DC element
            dc.extend(DCValue(element, value, col.lang) for value in split_values(cell))
    if not identifier:
        raise IngestError(path, where, "the identifier is empty")
    if deleted:
        # A tombstone has no metadata to disseminate (OAI-PMH §2.5.1).
        return SourceItem(identifier, where, (), sets, True)
    if not dc:
        raise IngestError(path, where, f"record {identifier!r} has no Dublin Core values "
                          "(write at least one, or status 'deleted')")
    return SourceItem(identifier, where, tuple(dc), sets)
