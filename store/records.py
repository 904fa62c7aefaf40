"""RecordStore: every read and write of the catalogue, on SQLite or PostgreSQL.

Reads each run in one short transaction of their own (a consistent snapshot); writes go
through ``writer()`` (store/writer.py), one transaction per ``with`` block. Everything handed
out is a ``store.types`` dataclass with aware UTC datetimes.
"""
from __future__ import annotations

import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import Engine, select, text

from store import migrate, reads, stored
from store.db import PG_WRITE_LOCK, WRITE, insert_ignore, make_engine
from store.errors import StoreError
from store.harvest_state import HarvestState
from store.models import repository_meta
from store.types import ListQuery, RecordRow, SetInfo, StoredRecord
from store.writer import Writer

__all__ = ["RecordStore", "StoreError", "Writer"]

_SECRET_KEY = "secret_key"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class RecordStore:
    """The catalogue at *url* (``sqlite:///path`` or ``postgresql+psycopg://...``). *clock*
    returns an aware datetime; the store keeps whole seconds UTC."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.url = url
        self.clock = clock or _utc_now
        self.engine: Engine = make_engine(url)
        self._secret: str | None = None
        self._harvest: HarvestState | None = None
        # Which threads have a writer open: a second one in the same thread would wait for
        # the first forever (PostgreSQL) or for the busy timeout (SQLite). It fails at once.
        self._writing = threading.local()

    @property
    def harvest(self) -> HarvestState:
        """Sources, runs, checkpoints, claims and learnt formats (store/harvest_state.py)."""
        if self._harvest is None:
            self._harvest = HarvestState(self)
        return self._harvest

    def upgrade(self, revision: str = "head") -> None:
        """Create or upgrade the schema to the newest migration (Alembic). Idempotent; safe
        when several processes start at once. *revision* is for tests of older schemas."""
        migrate.upgrade(self.engine, revision)

    def close(self) -> None:
        if self._harvest is not None:
            self._harvest.close()
        self.engine.dispose()

    def secret_key(self) -> str:
        """A random secret made once and kept in the database, so every server process on the
        same database signs and checks resumption tokens alike."""
        if self._secret is None:
            self._secret = self._read(_get_meta, _SECRET_KEY)
        if self._secret is None:
            # Revision 0002 makes the key, so this is for a database whose key was removed.
            # Inside an open writer, SQLite would wait for that writer's own lock.
            if self._in_writer() and self.engine.dialect.name == "sqlite":
                raise StoreError("the repository has no secret key yet; call secret_key() "
                                 "before opening a writer, not inside one")
            # Not under the writers' lock (PostgreSQL allows it inside a writer). Two
            # processes may both get here: the first insert wins and both read its value.
            with self.engine.begin() as conn:
                conn.execute(insert_ignore(conn, repository_meta),
                             {"key": _SECRET_KEY, "value": secrets.token_urlsafe(32)})
                self._secret = _get_meta(conn, _SECRET_KEY)
        assert self._secret is not None
        return self._secret

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """``with store.writer() as w:`` one transaction; rolled back if the block raises.
        Writers take turns (one at a time per database). Everything a writer changes gets
        one datestamp: the clock's now when it commits (see store/writer.py). One writer
        per thread at a time: opening a second inside the first raises StoreError."""
        if self._in_writer():
            raise StoreError("a writer is already open in this thread: a second one would "
                             "wait for the first forever (use the open writer instead)")
        self._writing.open = True
        try:
            with self._write_conn() as conn:
                # The clock is read once the write lock is held, so datestamps follow
                # commit order.
                writer = Writer(conn, self.clock())
                yield writer
                writer.finish(self.clock())
        finally:
            self._writing.open = False

    def _in_writer(self) -> bool:
        return getattr(self._writing, "open", False)

    @contextmanager
    def _write_conn(self) -> Iterator[Any]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # One writer at a time, as on SQLite: no two imports of one identifier
                    # can both insert it, and datestamps never go back in commit order.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": PG_WRITE_LOCK})
                yield conn

    def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.engine.connect() as conn:
            return fn(conn, *args)

    # -- reads for the protocol -------------------------------------------------------
    def earliest_datestamp(self) -> datetime | None:
        """The smallest datestamp of any record, tombstones included (§4.2); None if empty."""
        return self._read(reads.earliest_datestamp)

    def get_record(self, identifier: str, prefix: str) -> RecordRow | None:
        """The record in that format, None when the record is unknown or never had it. A
        tombstone, or a format the record no longer has, comes back with deleted=True."""
        return self._read(reads.get_record, identifier, prefix)

    def record_formats(self, identifier: str) -> list[str] | None:
        """The prefixes the record is disseminated in (kept for tombstones); None if unknown."""
        return self._read(reads.record_formats, identifier)

    def list_page(self, query: ListQuery, *, after: tuple[datetime, str] | None, limit: int,
                  with_metadata: bool = True) -> list[RecordRow]:
        """Keyset page ordered by (datestamp, identifier), strictly after *after*. Only
        records with a row for query.prefix are listed; with_metadata=False reads no blobs."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        return self._read(reads.list_page, query, after, limit, with_metadata)

    def count(self, query: ListQuery) -> int:
        return self._read(reads.count, query)

    def has_sets(self) -> bool:
        return self.count_sets() > 0

    def set_exists(self, spec: str) -> bool:
        return self._read(reads.set_exists, spec)

    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]:
        """Keyset page of sets ordered by spec, strictly after *after*."""
        return self._read(reads.list_sets, after, limit)

    def count_sets(self) -> int:
        return self._read(reads.count_sets)

    # -- reads for the CLI and crosswalks ---------------------------------------------
    def get_stored(self, identifier: str) -> StoredRecord | None:
        return self._read(stored.get_stored, identifier)

    def stats(self) -> dict[str, int]:
        """records, deleted, sets, harvested, ``format:<prefix>`` (live records in it) and
        ``format:<prefix>:deleted``."""
        return self._read(stored.stats)


def _get_meta(conn: Any, key: str) -> str | None:
    return conn.execute(select(repository_meta.c.value)
                        .where(repository_meta.c.key == key)).scalar()
