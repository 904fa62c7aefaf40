"""The harvest vocabulary: plain frozen dataclasses and str-enums for partner sources, their
runs, a list's checkpoint and a record set aside (issue 3). Shared by the store's harvest state
and the harvester; no SQLAlchemy and no XML here, so anything may import it. The rule for a
source's name is in store/syntax.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
