"""The record vocabulary: plain frozen dataclasses for what a record is on its way in
(RecordDraft, DCValue, Origin), on its way out (RecordRow for the protocol, StoredRecord for the
CLI and crosswalks), the sets (SetInfo), a list request's selection (ListQuery) and what a
write did (WriteCounts). Shared by the store, the protocol layer, the crosswalks and the
harvester; no SQLAlchemy and no XML here, so anything may import it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from store.syntax import clean_text

# The fifteen elements of Simple Dublin Core, in the order oai_dc.xsd lists them.
DC_ELEMENTS: tuple[str, ...] = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date",
    "type", "format", "identifier", "source", "language", "relation", "coverage", "rights",
)


@dataclass(frozen=True, slots=True)
class DCValue:
    """One Dublin Core value. Illegal XML characters are removed when it is made."""

    element: str          # one of DC_ELEMENTS
    value: str
    lang: str | None = None   # xml:lang, when the source gave one

    def __post_init__(self) -> None:
        if self.element not in DC_ELEMENTS:
            raise ValueError(f"{self.element!r} is not a Dublin Core element")
        object.__setattr__(self, "value", clean_text(self.value))
        if self.lang is not None:
            object.__setattr__(self, "lang", clean_text(self.lang).strip() or None)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a harvested record came from (OAI provenance guidelines: originDescription).

    ``datestamp`` and ``harvest_date`` are kept as the partner wrote them: the guidelines
    require their granularity to be preserved, not normalised.
    """

    source: str                 # our name for the partner (sources table, issue 3)
    base_url: str
    identifier: str             # the record's identifier at the partner
    datestamp: str              # the partner's datestamp, verbatim
    metadata_namespace: str
    harvest_date: str           # the responseDate of the harvest that took it
    altered: bool = False
    raw_metadata: bytes | None = None   # the partner's <metadata> child, verbatim
    about: bytes | None = None          # the partner's own <provenance>, to chain onto


@dataclass(frozen=True, slots=True)
class RecordDraft:
    """What a writer gives the store: the whole new state of one record.

    ``identifier`` is the full OAI identifier (``oai:<repo>:<local>``). ``sets`` are the
    record's *direct* setSpecs; the store adds the ancestors itself. ``disseminations`` maps a
    metadataPrefix to that format's serialized metadata element (UTF-8 bytes, made once at
    write time by the format's crosswalk so that serving a page is fetching bytes).
    ``about`` is one serialized ``<about>`` payload element (for example a provenance
    container) or None. A draft with ``deleted=True`` makes a tombstone. ``own_format`` is
    the prefix of the record's own metadata, kept verbatim (a harvested or imported MARC
    record, say) and never re-rendered from Dublin Core; None when every format is rendered.
    """

    identifier: str
    dc: tuple[DCValue, ...] = ()
    sets: tuple[str, ...] = ()
    disseminations: Mapping[str, bytes] = field(default_factory=dict)
    deleted: bool = False
    about: bytes | None = None
    origin: Origin | None = None
    own_format: str | None = None


@dataclass(frozen=True, slots=True)
class RecordRow:
    """A record as read for a response. ``metadata`` holds the bytes of the requested
    format (None for a deleted record or when only headers were asked for)."""

    identifier: str
    datestamp: datetime         # aware, UTC, whole seconds
    deleted: bool
    set_specs: tuple[str, ...]  # direct memberships only: the minimal list §2.6 asks for
    metadata: bytes | None = None
    about: bytes | None = None


@dataclass(frozen=True, slots=True)
class FoundRecord:
    """What GetRecord needs of one identifier, read at once: the formats the record is
    disseminated in (as ``record_formats`` gives them) and the record in the asked format
    (None when it has no row for that format)."""

    formats: tuple[str, ...]
    row: RecordRow | None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record with its Dublin Core values, for crosswalks, the CLI and tests."""

    identifier: str
    datestamp: datetime
    deleted: bool
    dc: tuple[DCValue, ...]
    set_specs: tuple[str, ...]
    formats: tuple[str, ...]
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class SetInfo:
    spec: str
    name: str
    description: str | None = None  # free text; served as an oai_dc setDescription (G§4.2)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The selection of a ListRecords/ListIdentifiers request.

    ``from_`` and ``until`` are inclusive bounds (§2.7.1), already widened by the caller for
    day granularity (``until=2016-08-20`` arrives as 2016-08-20T23:59:59Z).
    """

    prefix: str
    from_: datetime | None = None
    until: datetime | None = None
    set_spec: str | None = None


@dataclass(frozen=True, slots=True)
class WriteCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
