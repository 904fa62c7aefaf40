"""RecordStore: the catalogue's façade, what the protocol layer, the CLI and the harvester
hold. It owns no SQL: it holds the Database (store/database.py) and hands each call on to
the read functions of store/reads, to the Writer (``writer()``) or to the harvest state
(``harvest``, store/harvest_state.py), which is given the same Database.

Reads each run in one short transaction of their own (a consistent snapshot); writes go
through ``writer()`` (store/writer.py), one transaction per ``with`` block. Everything handed
out is a record_types or harvest_types dataclass with aware UTC datetimes.
"""
from __future__ import annotations

import secrets
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Callable

from sqlalchemy import Engine

from store.database import Database
from store.engines import insert_ignore
from store.errors import StoreError
from store.harvest_state import HarvestState
from store.migrate import upgrade
from store.models import repository_meta
from store.reads import catalogue, lists
from store.reads import records as record_reads
from store.record_types import FoundRecord, ListQuery, RecordRow, SetInfo, StoredRecord
from store.writer import Writer

__all__ = ["RecordStore", "StoreError", "Writer"]

_SECRET_KEY = "secret_key"


class RecordStore:
    """The catalogue at *url* (``sqlite:///path`` or ``postgresql+psycopg://...``). *clock*
    returns an aware datetime; the store keeps whole seconds UTC."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.database = Database(url, clock=clock)
        self._secret: str | None = None
        self._harvest: HarvestState | None = None

    @property
    def url(self) -> str:
        return self.database.url

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def clock(self) -> Callable[[], datetime]:
        """The clock of every datestamp and harvest time; assignable (tests move it)."""
        return self.database.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.database.clock = clock

    @property
    def harvest(self) -> HarvestState:
        """Sources, runs, checkpoints, claims and learnt formats (store/harvest_state.py)."""
        if self._harvest is None:
            self._harvest = HarvestState(self.database)
        return self._harvest

    def upgrade(self, revision: str = "head") -> None:
        """Create or upgrade the schema to the newest migration (Alembic). Idempotent; safe
        when several processes start at once. *revision* is for tests of older schemas."""
        upgrade(self.database.engine, revision)

    def close(self) -> None:
        if self._harvest is not None:
            self._harvest.close()
        self.database.close()

    def secret_key(self) -> str:
        """A random secret made once and kept in the database, so every server process on the
        same database signs and checks resumption tokens alike."""
        if self._secret is None:
            self._secret = self.database.read(catalogue.get_meta, _SECRET_KEY)
        if self._secret is None:
            # Revision 0002 makes the key, so this is for a database whose key was removed.
            # Inside an open writer, SQLite would wait for that writer's own lock.
            if self.database.in_writer() and self.database.dialect == "sqlite":
                raise StoreError("the repository has no secret key yet; call secret_key() "
                                 "before opening a writer, not inside one")
            # Not under the writers' lock (PostgreSQL allows it inside a writer). Two
            # processes may both get here: the first insert wins and both read its value.
            with self.database.engine.begin() as conn:
                conn.execute(insert_ignore(conn, repository_meta),
                             {"key": _SECRET_KEY, "value": secrets.token_urlsafe(32)})
                self._secret = catalogue.get_meta(conn, _SECRET_KEY)
        assert self._secret is not None
        return self._secret

    def writer(self) -> AbstractContextManager[Writer]:
        """``with store.writer() as w:`` one transaction; rolled back if the block raises.
        Writers take turns (one at a time per database). Everything a writer changes gets
        one datestamp: the clock's now when it commits (see store/writer.py). One writer
        per thread at a time: opening a second inside the first raises StoreError."""
        return self.database.writer()

    # -- reads for the protocol -------------------------------------------------------
    def earliest_datestamp(self) -> datetime | None:
        """The smallest datestamp of any record, tombstones included (§4.2); None if empty."""
        return self.database.read(catalogue.earliest_datestamp)

    def get_record(self, identifier: str, prefix: str) -> RecordRow | None:
        """The record in that format, None when the record is unknown or never had it. A
        tombstone, or a format the record no longer has, comes back with deleted=True."""
        return self.database.read(record_reads.get_record, identifier, prefix)

    def find_record(self, identifier: str, prefix: str) -> FoundRecord | None:
        """``record_formats`` and ``get_record`` in one statement (GetRecord's one read)."""
        return self.database.read(record_reads.find_record, identifier, prefix)

    def record_formats(self, identifier: str) -> list[str] | None:
        """The prefixes the record is disseminated in (kept for tombstones); None if unknown."""
        return self.database.read(record_reads.record_formats, identifier)

    def list_page(self, query: ListQuery, *, after: tuple[datetime, str] | None, limit: int,
                  with_metadata: bool = True) -> list[RecordRow]:
        """Keyset page ordered by (datestamp, identifier), strictly after *after*. Only
        records with a row for query.prefix are listed; with_metadata=False reads no blobs."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        return self.database.read(lists.list_page, query, after, limit, with_metadata)

    def count(self, query: ListQuery) -> int:
        return self.database.read(lists.count, query)

    def has_sets(self) -> bool:
        return self.count_sets() > 0

    def set_exists(self, spec: str) -> bool:
        return self.database.read(catalogue.set_exists, spec)

    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]:
        """Keyset page of sets ordered by spec, strictly after *after*."""
        return self.database.read(catalogue.list_sets, after, limit)

    def count_sets(self) -> int:
        return self.database.read(catalogue.count_sets)

    # -- reads for the CLI and crosswalks ---------------------------------------------
    def get_stored(self, identifier: str) -> StoredRecord | None:
        return self.database.read(record_reads.get_stored, identifier)

    def stats(self) -> dict[str, int]:
        """records, deleted, sets, harvested, ``format:<prefix>`` (live records in it) and
        ``format:<prefix>:deleted``."""
        return self.database.read(catalogue.stats)

