"""Engines for the store: SQLite (a file, WAL) or PostgreSQL (psycopg 3), both tuned alike.

SQLite is tuned on every new connection: WAL so readers never wait for the writer, foreign keys
on, a busy timeout so a second writer waits instead of failing, synchronous=NORMAL (safe with
WAL: a power cut can lose the last commits but never corrupts the file). SQLAlchemy emits BEGIN
itself so a write transaction can start with BEGIN IMMEDIATE (see ``WRITE``).

Also the statements each engine spells its own way (insert-or-ignore, upserts, bulk insert,
batch IN, reserved ids). The Database that holds the engine is in store/database.py.
"""
from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from typing import Any, Sequence

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

# Execution option marking a connection that will write: on SQLite its transaction opens with
# BEGIN IMMEDIATE, which takes the write lock up front. A deferred transaction that reads and
# then writes fails with SQLITE_BUSY at once when another writer committed meanwhile, and the
# busy timeout cannot help it; IMMEDIATE makes the second writer wait its turn instead.
WRITE = "granary_write"

SQLITE_BUSY_TIMEOUT_MS = 30_000

# PostgreSQL advisory lock keys (transaction-scoped): schema upgrades, and write transactions,
# which take turns as they do on SQLite. Any constants unique to this application will do.
PG_MIGRATE_LOCK = 0x6772616E_0001
PG_WRITE_LOCK = 0x6772616E_0002


def make_engine(url: str) -> Engine:
    """An Engine for *url*; only SQLite and PostgreSQL are supported."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"))
    if backend == "postgresql":
        # pre_ping: a server restart must not turn the next request into a 500.
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _tune_postgres)
        return engine
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
                     "use sqlite:///path or postgresql+psycopg://...")


def _tune_postgres(dbapi_conn: Any, _record: Any) -> None:
    # A list page is a LIMIT query over an index range; for set pages PostgreSQL picked a
    # parallel plan whose workers took longer to start than the whole page takes without
    # them (27 ms against 9 at a million records). No query of ours gains from parallelism.
    with dbapi_conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
    dbapi_conn.commit()


def _sqlite_engine(url: str, *, in_memory: bool) -> Engine:
    kwargs: dict[str, Any] = {}
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _tune(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        # The timeout first: switching a new file to WAL needs a lock another process may hold.
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            _switch_to_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _switch_to_wal(cur: Any) -> None:
    """PRAGMA journal_mode=WAL, retried: on a new file still in rollback-journal mode, the
    switch needs an exclusive lock, and SQLite answers "database is locked" at once, without
    the busy handler, while another connection (a server process starting at the same
    moment, upgrading the schema) writes. The mode is kept in the file: once is enough."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def insert_ignore(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, keys: list[str], update: list[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET each of *update* to the new value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={name: stmt.excluded[name] for name in update})


def upsert_add(conn: Connection, table: Table, keys: list[str], column: str) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET column = column + the new value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={column: table.c[column] + stmt.excluded[column]})


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT many rows given as tuples in *columns* order, by the fastest path each driver
    has: sqlite3's executemany, PostgreSQL's COPY. SQLAlchemy's per-row parameter processing
    would cost more than the database's own work on a million-record import. Only plain
    values (str, int, bool, bytes, None) may be passed: they need no type processing."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_sqlite_insert(table, tuple(columns)), rows)
        return
    # The raw psycopg connection is the one inside this SQLAlchemy transaction.
    dbapi: Any = conn.connection.dbapi_connection
    with dbapi.cursor() as cur:
        names = ", ".join(f'"{name}"' for name in columns)
        with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def text_in(conn: Connection, column: Column, values: list[str]) -> ColumnElement[bool]:
    """``column IN values`` for a batch of keys. PostgreSQL gets one text[] parameter
    (``= ANY``): a thousand separate parameters cost more to parse and plan than the
    thousand index lookups themselves. SQLite gets an expanding IN."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Text)))
    return column.in_(bindparam(None, values, expanding=True))


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """*count* fresh values for *table*'s integer primary key ``id``, to insert with explicit
    ids (and so skip reading them back after the insert). PostgreSQL: the column's sequence.
    SQLite: past the largest id, as SQLite itself would number them; only for a connection
    holding the write lock (the store's writers, BEGIN IMMEDIATE), and for tables whose rows
    are never deleted (a deleted last id could otherwise be given out again)."""
    if count < 1:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, :n)"), {"n": count}).scalars())
    top = conn.exec_driver_sql(f'SELECT max(id) FROM "{table.name}"').scalar() or 0
    return list(range(top + 1, top + 1 + count))


@lru_cache(maxsize=64)
def _sqlite_insert(table: Table, columns: tuple[str, ...]) -> str:
    compiled = table.insert().compile(dialect=sqlite.dialect(), column_keys=list(columns))
    assert compiled.positiontup == list(columns), compiled.positiontup
    return str(compiled)
