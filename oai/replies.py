"""What a verb handler returns: plain data, fully fetched, for ``oai.xmlwriter`` to stream.

A handler has decided every OAI error by the time it returns one of these, so nothing can go
wrong on the protocol level once the first byte is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Union

from oai.identity import RepositoryIdentity
from schemas.base import MetadataFormat
from store.record_types import RecordRow, SetInfo


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A <resumptionToken>. ``value`` is empty on the last page of a multi-page list (§3.5)."""

    value: str
    cursor: int                # items served before this page (§3.5: starts at 0)
    complete_list_size: int


@dataclass(frozen=True, slots=True)
class IdentifyReply:
    verb: ClassVar[str] = "Identify"
    identity: RepositoryIdentity   # base_url filled in
    earliest: datetime


@dataclass(frozen=True, slots=True)
class GetRecordReply:
    verb: ClassVar[str] = "GetRecord"
    record: RecordRow


@dataclass(frozen=True, slots=True)
class ListMetadataFormatsReply:
    verb: ClassVar[str] = "ListMetadataFormats"
    formats: tuple[MetadataFormat, ...]


@dataclass(frozen=True, slots=True)
class ListSetsReply:
    verb: ClassVar[str] = "ListSets"
    sets: tuple[SetInfo, ...]
    token: TokenInfo | None = None


@dataclass(frozen=True, slots=True)
class ListRecordsReply:
    verb: ClassVar[str] = "ListRecords"
    records: tuple[RecordRow, ...]
    token: TokenInfo | None = None


@dataclass(frozen=True, slots=True)
class ListIdentifiersReply:
    verb: ClassVar[str] = "ListIdentifiers"
    records: tuple[RecordRow, ...]   # headers only: metadata is None
    token: TokenInfo | None = None


Reply = Union[IdentifyReply, GetRecordReply, ListMetadataFormatsReply, ListSetsReply,
              ListRecordsReply, ListIdentifiersReply]
