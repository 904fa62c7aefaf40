"""What the harvester reads from a partner: plain frozen dataclasses, no XML objects.

Partners' values are kept verbatim where provenance needs them (the datestamp string, the
``<metadata>`` child and the ``<about>`` children as bytes) and also read leniently where
comparisons need them (``Header.when``). A ``Page`` is the unit the run loop commits: its
records and the checkpoint (``next_token``) go into one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oai.datestamps import Granularity
from oai.harvest.dates import read_datestamp
from oai.harvest.xmlread import describe


@dataclass(frozen=True, slots=True)
class Header:
    identifier: str
    datestamp: str                   # verbatim, e.g. "2017-11-09T12:50:22.485Z"
    set_specs: tuple[str, ...] = ()  # as sent, duplicates removed, order kept
    deleted: bool = False

    @property
    def when(self) -> datetime | None:
        """The datestamp as an aware UTC datetime (None when unreadable)."""
        return read_datestamp(self.datestamp)


@dataclass(frozen=True, slots=True)
class HarvestedRecord:
    """One record (or, from ListIdentifiers, one header: ``metadata`` is then None)."""

    header: Header
    metadata: bytes | None = None         # the <metadata> child element, UTF-8, as sent
    about: tuple[bytes, ...] = ()         # each <about> child element, UTF-8, as sent
    metadata_namespace: str | None = None  # its namespace (provenance metadataNamespace)

    @property
    def identifier(self) -> str:
        return self.header.identifier

    @property
    def deleted(self) -> bool:
        return self.header.deleted


@dataclass(frozen=True, slots=True)
class Repair:
    """Characters XML forbids, removed from one record (``identifier`` None: outside any)."""

    identifier: str | None
    removed: tuple[int, ...]   # code points, -1 for a surrogate/out-of-range reference

    def __str__(self) -> str:
        where = f"record {self.identifier}" if self.identifier else "the response envelope"
        return f"removed {len(self.removed)} character(s) XML forbids from {where}: " \
               f"{describe(list(self.removed))}"


@dataclass(frozen=True, slots=True)
class SetAside:
    """A record that could not be taken in, and why (reported; the rest go on)."""

    identifier: str
    reason: str
    datestamp: str | None = None


@dataclass(frozen=True, slots=True)
class ResumptionInfo:
    """The <resumptionToken> element as sent. ``token`` is None when it is empty."""

    token: str | None
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration_date: str | None = None


@dataclass(frozen=True, slots=True)
class ListWindow:
    """The selection of a list request, for restarting it from a datestamp or falling back
    to ListIdentifiers + GetRecord over it."""

    verb: str
    prefix: str | None
    from_: str | None = None        # as sent, at the partner's granularity
    until: str | None = None
    set_spec: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One response of a list (or one fallback batch), ready to be committed.

    ``next_token`` is the token to ask next, or None when the list is complete, in which case
    ``end_reason`` names the signal that said so: ``"no-token"``, ``"empty-token"``,
    ``"no-records-match"``, ``"repeated-token"``, ``"repeated-identifiers"``,
    ``"empty-pages"`` or ``"complete-list-size"``.
    """

    verb: str
    url: str
    number: int                         # 1 for the first page of this list
    response_date: str                  # verbatim: the next harvest's watermark comes from it
    records: tuple[HarvestedRecord, ...] = ()
    resumption: ResumptionInfo | None = None
    request_token: str | None = None    # the token this page was asked with
    next_token: str | None = None
    end_reason: str | None = None
    repairs: tuple[Repair, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    window: ListWindow | None = None

    @property
    def headers(self) -> tuple[Header, ...]:
        return tuple(r.header for r in self.records)

    @property
    def done(self) -> bool:
        return self.next_token is None


@dataclass(frozen=True, slots=True)
class PartnerIdentity:
    """A partner's Identify answer, with the granularity made usable."""

    repository_name: str
    base_url: str
    protocol_version: str
    earliest_datestamp: str | None      # verbatim; may be empty in the wild (metha#38)
    deleted_record: str                 # no | transient | persistent (as sent)
    granularity: Granularity            # what we format from/until with
    granularity_declared: str           # verbatim
    admin_emails: tuple[str, ...] = ()
    compression: tuple[str, ...] = ()
    response_date: str = ""


@dataclass(frozen=True, slots=True)
class FormatInfo:
    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True, slots=True)
class PartnerSet:
    spec: str
    name: str
