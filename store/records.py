"""RecordStore: every read and write of the catalogue (CONTRACT STUB - to be implemented)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterable, Iterator

from store.types import ListQuery, RecordDraft, RecordRow, SetInfo, StoredRecord, WriteCounts


class StoreError(Exception):
    """A write the store refuses (bad setSpec, bad identifier, ...); the message says why."""


class Writer:
    """One transaction. Obtained from ``RecordStore.writer()``; commits on a clean exit of the
    ``with`` block and rolls back everything on an exception (a file is imported whole or not
    at all). Every change sets the record's datestamp to the store clock's *now* (one value for
    the whole transaction) - OAI-PMH §2.7.1."""

    def put(self, draft: RecordDraft) -> str:
        """Insert or replace one record. Returns "added", "updated" or "unchanged".
        Unchanged (same dc, sets, disseminations, about, deleted flag and origin other than
        harvest_date) keeps its datestamp. A draft for a tombstone revives it."""
        raise NotImplementedError

    def put_many(self, drafts: Iterable[RecordDraft], batch_size: int = 1000) -> WriteCounts:
        """Like put() for a stream, batched: bounded memory, few round trips."""
        raise NotImplementedError

    def delete(self, identifier: str) -> str:
        """Make a tombstone: "deleted", "unchanged" (already deleted) or "missing"."""
        raise NotImplementedError

    def put_set(self, info: SetInfo) -> None:
        """Create or rename a set (ancestors are created too, named after their spec)."""
        raise NotImplementedError

    @property
    def counts(self) -> WriteCounts:
        raise NotImplementedError


class RecordStore:
    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        raise NotImplementedError

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration (Alembic)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def secret_key(self) -> str:
        """A random secret made once and kept in the database, so every server process on the
        same database signs and checks resumption tokens alike."""
        raise NotImplementedError

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        raise NotImplementedError
        yield  # pragma: no cover

    # -- reads for the protocol -------------------------------------------------------
    def earliest_datestamp(self) -> datetime | None:
        raise NotImplementedError

    def get_record(self, identifier: str, prefix: str) -> RecordRow | None:
        """None when no such record. A record without that format: RecordRow with
        metadata None and deleted False is NOT returned - use record_formats() first."""
        raise NotImplementedError

    def record_formats(self, identifier: str) -> list[str] | None:
        """The prefixes the record is disseminated in (kept for tombstones); None if unknown."""
        raise NotImplementedError

    def list_page(self, query: ListQuery, *, after: tuple[datetime, str] | None, limit: int,
                  with_metadata: bool = True) -> list[RecordRow]:
        """Keyset page ordered by (datestamp, identifier), strictly after *after*."""
        raise NotImplementedError

    def count(self, query: ListQuery) -> int:
        raise NotImplementedError

    def has_sets(self) -> bool:
        raise NotImplementedError

    def set_exists(self, spec: str) -> bool:
        raise NotImplementedError

    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]:
        """Keyset page of sets ordered by spec, strictly after *after*."""
        raise NotImplementedError

    def count_sets(self) -> int:
        raise NotImplementedError

    # -- reads for the CLI and crosswalks ---------------------------------------------
    def get_stored(self, identifier: str) -> StoredRecord | None:
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        raise NotImplementedError
