"""Database: one catalogue's engine and clock, and the two ways in: a read (``read``, one short
transaction of its own) and a write (``writer``, one transaction that takes the writers'
lock). RecordStore (store/records.py), the harvest state (store/harvest_state.py) and the
claims (store/claims.py) are each given the same Database; none reaches into another.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import Connection, Engine, text

from store.engines import PG_WRITE_LOCK, WRITE, make_engine
from store.errors import StoreError
from store.writer import Writer


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Database:
    """The database at *url* (``sqlite:///path`` or ``postgresql+psycopg://...``). *clock*
    returns an aware datetime (the writers' datestamps and the harvest state's times); it
    may be replaced later (tests move it by hand)."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.url = url
        self.clock: Callable[[], datetime] = clock or utc_now
        self.engine: Engine = make_engine(url)
        # Which threads have a writer open: a second one in the same thread would wait for
        # the first forever (PostgreSQL) or for the busy timeout (SQLite). It fails at once.
        self._writing = threading.local()

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(connection, *args)`` on a connection of its own: one consistent snapshot."""
        with self.engine.connect() as conn:
            return fn(conn, *args)

    def in_writer(self) -> bool:
        """Whether this thread has a writer open."""
        return getattr(self._writing, "open", False)

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One write transaction (store/writer.py), rolled back if the block raises. Writers
        take turns; everything one changes gets the clock's now when it commits. One writer
        per thread at a time: opening a second inside the first raises StoreError."""
        if self.in_writer():
            raise StoreError("a writer is already open in this thread: a second one would "
                             "wait for the first forever (use the open writer instead)")
        self._writing.open = True
        try:
            with self._write_connection() as conn:
                # The clock is read once the write lock is held, so datestamps follow
                # commit order.
                writer = Writer(conn, self.clock())
                yield writer
                writer.finish(self.clock())
        finally:
            self._writing.open = False

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # One writer at a time, as on SQLite: no two imports of one identifier
                    # can both insert it, and datestamps never go back in commit order.
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": PG_WRITE_LOCK})
                yield conn

    def close(self) -> None:
        self.engine.dispose()
