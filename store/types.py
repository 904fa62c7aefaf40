"""The store's vocabulary: plain frozen dataclasses shared by the store, the protocol layer,
the crosswalks and the harvester. No SQLAlchemy and no XML here, so anything may import it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Mapping

# The syntax rules live in store.syntax; these names stay importable from here.
from store.syntax import (  # noqa: F401
    clean_text, has_illegal_xml_chars, is_setspec as is_valid_setspec, set_ancestors, utc_seconds,
)

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
    container) or None. A draft with ``deleted=True`` makes a tombstone.
    """

    identifier: str
    dc: tuple[DCValue, ...] = ()
    sets: tuple[str, ...] = ()
    disseminations: Mapping[str, bytes] = field(default_factory=dict)
    deleted: bool = False
    about: bytes | None = None
    origin: Origin | None = None


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


# -- harvest state (issue 3) ----------------------------------------------------------------
# A source's name becomes part of the set ``partner:<name>`` and of identifiers, so it is one
# setSpec token (OAI-PMH.xsd setSpecType) that starts with a letter or digit.
SOURCE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
MAX_SOURCE_NAME = 64


class RunMode(StrEnum):
    """How a run chose its records (stored as text; equal to the plain strings)."""

    FULL = "full"
    INCREMENTAL = "incremental"
    RANGE = "range"


class RunStatus(StrEnum):
    """Where a run stands (stored as text; equal to the plain strings)."""

    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


RUN_MODES = tuple(RunMode)
RUN_STATUSES = tuple(RunStatus)


def is_valid_source_name(name: object) -> bool:
    return (isinstance(name, str) and len(name) <= MAX_SOURCE_NAME
            and SOURCE_NAME_RE.match(name) is not None)


@dataclass(frozen=True, slots=True)
class Source:
    """A partner repository we harvest."""

    name: str                    # [A-Za-z0-9][A-Za-z0-9_.-]* ; also the set ``partner:<name>``
    base_url: str
    prefix: str = "oai_dc"
    sets: tuple[str, ...] = ()   # partner setSpecs to harvest; () = the whole repository
    delay: float = 0.0           # seconds between requests to this partner
    # responseDate (verbatim) of the first response of the last successful run: the next
    # incremental run starts there (a record datestamp would miss unordered partners' records).
    watermark: str | None = None
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One harvest of one source, with what it did so far."""

    id: int
    source: str
    started: datetime
    finished: datetime | None
    status: RunStatus
    mode: RunMode
    from_: str | None
    until: str | None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    set_aside: int = 0
    pages: int = 0
    message: str | None = None
    first_response_date: str | None = None   # becomes the watermark on success


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Where one list of a run stands, committed with the page it follows."""

    source: str
    list_key: str                # the partner setSpec of this list, or "" for the whole repo
    run_id: int
    verb: str                    # ListRecords (or ListIdentifiers in fallback)
    prefix: str
    set_spec: str | None
    from_: str | None            # as sent to the partner
    until: str | None
    token: str | None            # the token to ask next; None = list finished
    pages: int = 0
    records: int = 0
    last_datestamp: str | None = None   # highest partner datestamp committed in this list
    ordered: bool = True                # partner datestamps came non-decreasing so far


@dataclass(frozen=True, slots=True)
class SetAsideRecord:
    """A partner record a run could not take (kept for the report and a later retry)."""

    run_id: int
    identifier: str
    reason: str
    datestamp: str | None = None
