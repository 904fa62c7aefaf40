"""The catalogue-writing service: files in, store transactions out.

Readers yield SourceItems (oai_dc or MARC/MODS XML, CSV, binary MARC 21); ``Catalog`` gives them
full identifiers, renders each format in ``registry.renderable()`` once (so serving a page is
fetching bytes) except the record's own format, kept as it came, and writes a whole file
in ONE store transaction, so a file is imported whole or not at all. Importing the same file
again reports every record "unchanged" and keeps its datestamp (the store decides that).

The demo catalogue ships in ``oai/ingest/data`` (so ``pip install .`` carries it):
``demo-catalogue.csv`` in the import CSV format (publications on human trafficking and the
international instruments and reports they name, with one tombstone) and ``demo-sets.csv``
with the names and descriptions of its sets.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from oai.identity import make_identifier
from oai.ingest.csv_reader import read_csv
from oai.ingest.items import IngestError, SourceItem
from oai.ingest.marc_reader import MARC_SUFFIXES, looks_like_iso2709, read_marc
from oai.ingest.xml_reader import read_xml
from schemas.base import FormatRegistry
from schemas.rendering import Job, render, rendered
from store import StoreError
from store.record_types import RecordDraft, SetInfo, WriteCounts
from store.syntax import is_setspec

if TYPE_CHECKING:
    from store.records import RecordStore

_SET_PAGE = 500


def detect_kind(path: str | os.PathLike[str]) -> str:
    """"csv", "xml" or "marc" (ISO 2709): from the extension, else from the content."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xml":
        return "xml"
    if suffix in MARC_SUFFIXES:
        return "marc"
    try:
        with open(path, "rb") as f:
            raw = f.read(512)
    except OSError as exc:
        raise IngestError(path, None, f"cannot read the file: {exc.strerror}") from None
    if looks_like_iso2709(raw):
        return "marc"
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "xml" if head.startswith(b"<") else "csv"


@dataclass(frozen=True)
class Catalog:
    """Writes files, deletions and sets into *store* for the repository *repository_identifier*."""

    store: RecordStore
    registry: FormatRegistry
    repository_identifier: str
    # Worker processes rendering formats for a large file (None: one a core but this one's).
    render_processes: int | None = None

    # -- reading -------------------------------------------------------------------------
    def read(self, path: str | os.PathLike[str], kind: str | None = None) -> Iterator[SourceItem]:
        kind = kind or detect_kind(path)
        if kind == "csv":
            return read_csv(path)
        if kind == "xml":
            return read_xml(path, self.registry)
        if kind == "marc":
            return read_marc(path)
        raise ValueError(f"unknown file kind {kind!r}")

    def identifier(self, value: str) -> str:
        """The full item identifier for a local id or URI (see ``make_identifier``)."""
        return make_identifier(value, self.repository_identifier)

    def job(self, item: SourceItem) -> Job:
        """What to render for *item*: every renderable format but its own, from its DC."""
        if item.deleted:
            return None
        return [f.prefix for f in self.registry.renderable() if f.prefix != item.own_format], \
            item.dc

    def draft(self, item: SourceItem, path: str | os.PathLike[str],
              xml: dict[str, bytes] | None = None) -> RecordDraft:
        """The store draft for *item* (with *xml*, its renderings, when they are made
        already); IngestError naming its place when it cannot be one."""
        try:
            identifier = self.identifier(item.identifier)
        except ValueError as exc:
            raise IngestError(path, item.location, str(exc)) from None
        for spec in item.sets:
            if not is_setspec(spec):
                raise IngestError(path, item.location, f"{spec!r} is not a valid setSpec "
                                  "(colon-separated parts of letters, digits and - _ . ! ~ "
                                  "* ' ( ); OAI-PMH §2.6)")
        renderable = self.registry.renderable()
        if item.deleted:
            # A tombstone keeps the prefixes it is "deleted in" (§2.5.1) but no metadata.
            return RecordDraft(identifier, sets=item.sets, deleted=True,
                               disseminations={f.prefix: b"" for f in renderable})
        xml = render(self.registry, self.job(item)) if xml is None else xml
        if item.own_format is not None and item.own_xml is not None:
            # The record's own format is served as it came; the others through its DC.
            xml[item.own_format] = item.own_xml
        return RecordDraft(identifier, dc=item.dc, sets=item.sets, disseminations=xml,
                           own_format=item.own_format if item.own_xml is not None else None)

    # -- writing -------------------------------------------------------------------------
    def import_file(self, path: str | os.PathLike[str], kind: str | None = None, *,
                    sets: Sequence[SetInfo] = ()) -> WriteCounts:
        """Import one file in one transaction (plus *sets*, named, in the same transaction).
        IngestError when anything in it is wrong; the store is then unchanged."""
        return self.import_items(self.read(path, kind), path, sets=sets)

    def import_items(self, items: Iterable[SourceItem], path: str | os.PathLike[str], *,
                     sets: Sequence[SetInfo] = ()) -> WriteCounts:
        last: list[str | None] = [None]    # the place of the item being written

        def drafts() -> Iterator[RecordDraft]:
            for item, xml in rendered(items, self.job, self.registry,
                                      processes=self.render_processes):
                last[0] = item.location
                # Sets a record names that nobody created yet are created by the store,
                # named after their spec (ancestors too).
                yield self.draft(item, path, xml)

        try:
            with self.store.writer() as writer:
                for info in sets:
                    writer.put_set(info)
                return writer.put_many(drafts())
        except StoreError as exc:
            # put_many validates each draft as it takes it, so *last* is the one refused.
            raise IngestError(path, last[0], str(exc)) from None

    def delete(self, values: Iterable[str]) -> list[tuple[str, str]]:
        """Tombstone each record (local ids or identifiers), in one transaction.
        Returns (identifier, "deleted" | "unchanged" | "missing") in the order given."""
        identifiers = [self.identifier(v) for v in values]
        with self.store.writer() as writer:
            return [(i, writer.delete(i)) for i in identifiers]

    def add_set(self, info: SetInfo) -> None:
        if not is_setspec(info.spec):
            raise ValueError(f"{info.spec!r} is not a valid setSpec (colon-separated parts of "
                             "letters, digits and - _ . ! ~ * ' ( ))")
        if not info.name.strip():
            raise ValueError("a set needs a non-empty name")
        with self.store.writer() as writer:
            writer.put_set(info)

    def sets(self) -> Iterator[SetInfo]:
        """Every set, ordered by spec, read a page at a time."""
        after: str | None = None
        while True:
            page = self.store.list_sets(after=after, limit=_SET_PAGE)
            yield from page
            if len(page) < _SET_PAGE:
                return
            after = page[-1].spec


# -- the demo catalogue ---------------------------------------------------------------------
def _demo_file(name: str):  # noqa: ANN202 - an importlib.resources Traversable
    return resources.files("oai.ingest").joinpath("data", name)


def demo_sets() -> Iterator[SetInfo]:
    """The named sets of the demo catalogue, parents first."""
    with _demo_file("demo-sets.csv").open("r", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield SetInfo(row["spec"], row["name"], row["description"].strip() or None)


def load_demo(catalog: Catalog) -> WriteCounts:
    """Write the demo sets and records (one transaction; loading it again changes nothing)."""
    sets = list(demo_sets())
    with resources.as_file(_demo_file("demo-catalogue.csv")) as path:
        return catalog.import_file(path, "csv", sets=sets)
