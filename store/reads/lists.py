"""The protocol's list reads (ListRecords, ListIdentifiers): one page of a list, and a list's
size. Functions of an open Connection; RecordStore runs them through Database.read.

List pages are keyset pages in (datestamp, identifier) order, never OFFSET: each page is one
index range scan starting just after the previous page's last row, so page 1000 costs what
page 1 costs and a record written during a harvest cannot shift the pages after it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    FromClause,
    and_,
    bindparam,
    func,
    select,
    tuple_,
)

from store.models import (
    disseminations,
    from_epoch,
    list_sizes,
    record_sets,
    records,
    split_specs,
    to_epoch,
)
from store.record_types import ListQuery, RecordRow


# The list queries come in a few shapes (set or not, until or not, lower bound or not, headers
# or whole records); each is compiled once per process and then run on the driver's own cursor
# with plain tuples back. Building and compiling a SQLAlchemy statement per page, and its row
# and type processing, cost more than the query itself.
def _list_select(columns: list, params: dict, *, with_records: bool):
    """SELECT *columns* for the records a list selects, with bind parameters named as in
    *params* (``prefix``, and ``set_spec``, ``until``, ``lo_ds`` and ``lo_id`` when present:
    the keys are the query's shape); and the (datestamp, identifier) pair it is ordered by."""
    r, d = records, disseminations

    def bind(name: str, type_=None):
        return bindparam(name, params[name], type_=type_)

    # Only records disseminated (or deleted) in the requested format are listed (§2.5.1).
    on_prefix = d.c.prefix == bind("prefix")
    if "set_spec" in params:
        # §2.6: set=X includes X's descendants; record_sets holds the closure, so this is an
        # exact match driven by the (set_spec, datestamp, identifier) index.
        rs = record_sets
        source: FromClause = rs.join(d, and_(d.c.record_id == rs.c.record_id, on_prefix))
        where = [rs.c.set_spec == bind("set_spec")]
        ds, ident = rs.c.datestamp, rs.c.identifier
    else:
        # Driven by the (prefix, datestamp, identifier) index of disseminations.
        source, where = d, [on_prefix]
        ds, ident = d.c.datestamp, d.c.identifier
    if with_records:
        source = source.join(r, r.c.id == d.c.record_id)
    if "until" in params:
        # §2.7.1: inclusive. Bound with the column's type: the SQL is compiled once per shape,
        # and a type taken from the first value (INTEGER) would refuse a later until past 2038.
        where.append(ds <= bind("until", ds.type))
    if "lo_ds" in params:
        # One strict row-value lower bound: both engines start the index range exactly there.
        # (from, "") is "datestamp >= from" (§2.7.1: inclusive), as identifiers are never
        # empty. Spelled out as "ds >= x AND (ds > x OR id > y)" only ds would bound the scan,
        # so each page would re-read every earlier row of its datestamp, and an import gives
        # a million records the same datestamp. A second bound next to the row value would
        # let SQLite pick that one instead.
        # The column's type here too (a row value does not pass it on).
        where.append(tuple_(ds, ident) > tuple_(bind("lo_ds", ds.type), bind("lo_id")))
    return select(*columns).select_from(source).where(*where), ds, ident


def _params(query: ListQuery, after: tuple[datetime, str] | None) -> dict:
    """The bind parameters of *query*'s statement (after *after*); their keys are its shape."""
    params: dict = {"prefix": query.prefix}
    if query.set_spec is not None:
        params["set_spec"] = query.set_spec
    if query.until is not None:
        params["until"] = to_epoch(query.until)
    lower = None if query.from_ is None else (to_epoch(query.from_), "")
    if after is not None:
        lower = max(lower or (to_epoch(after[0]), after[1]), (to_epoch(after[0]), after[1]))
    if lower is not None:
        params["lo_ds"], params["lo_id"] = lower
    return params


def _page_columns(with_metadata: bool) -> list:
    r, d = records, disseminations
    # The record's datestamp and identifier are copied into disseminations, so the page reads
    # them from the index it is ordered by; records adds the deletion flag and the setSpecs.
    columns = [d.c.identifier, d.c.datestamp, r.c.deleted, d.c.deleted.label("fmt_deleted"),
               r.c.set_specs]
    if with_metadata:   # header-only pages never touch the blobs
        columns += [d.c.xml, r.c.about]
    return columns


def list_statement(query: ListQuery, after: tuple[datetime, str] | None, limit: int,
                   with_metadata: bool):
    """The SELECT of one list page, values bound (public so tests can EXPLAIN it)."""
    return _page_select(_params(query, after), limit, with_metadata)


def _page_select(params: dict, limit: int, with_metadata: bool):
    stmt, ds, ident = _list_select(_page_columns(with_metadata), params, with_records=True)
    return stmt.order_by(ds, ident).limit(bindparam("limit", limit))


# (dialect name, parameter names, with_metadata) -> (SQL text, parameter order, constants).
# At most 2 dialects x 16 shapes x 2 entries: it cannot grow.
_COMPILED: dict[tuple, tuple[str, tuple[str, ...] | None, dict]] = {}


def _compile_page(dialect: Dialect, params: dict, with_metadata: bool
                  ) -> tuple[str, tuple[str, ...] | None, dict]:
    """The SQL text of a page query shaped like *params* (its keys) for *dialect*; the order
    of its positional parameters (None when the driver takes them by name); and the values
    of parameters the compiler added itself (SQLite's OFFSET 0). The text does not depend on
    the values."""
    compiled = _page_select(params, 1, with_metadata).compile(dialect=dialect)
    order = compiled.positiontup
    constants = {k: v for k, v in compiled.params.items() if k not in params and k != "limit"}
    return str(compiled), None if order is None else tuple(order), constants


def page_sql(dialect: Dialect, query: ListQuery, after: tuple[datetime, str] | None,
             limit: int, with_metadata: bool) -> tuple[str, Any]:
    """The SQL text list_page runs on the driver for this page, and its parameters."""
    params = _params(query, after)
    key = (dialect.name, tuple(params), with_metadata)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile_page(dialect, params, with_metadata)
    sql, order, constants = compiled
    params["limit"] = limit
    params.update(constants)
    return sql, params if order is None else tuple(params[name] for name in order)


def list_page(conn: Connection, query: ListQuery, after: tuple[datetime, str] | None,
              limit: int, with_metadata: bool) -> list[RecordRow]:
    sql, args = page_sql(conn.dialect, query, after, limit, with_metadata)
    dbapi: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        rows = _pg_fetch(dbapi, sql, args)
    else:
        # sqlite3 runs outside a transaction here (the engine leaves BEGIN to SQLAlchemy):
        # one SELECT is one consistent snapshot.
        cur = dbapi.cursor()
        try:
            rows = cur.execute(sql, args).fetchall()
        finally:
            cur.close()
    return _record_rows(rows, with_metadata)


def _pg_fetch(dbapi, sql: str, args) -> list[tuple]:
    """One SELECT on psycopg: in autocommit when idle (a single statement is its own
    snapshot, and BEGIN and ROLLBACK would each cost a round trip), with results in binary
    (bytea in text format comes back hex-encoded and must be decoded)."""
    idle = not dbapi.autocommit and dbapi.info.transaction_status == 0   # TransactionStatus.IDLE
    if idle:
        dbapi.autocommit = True
    try:
        with dbapi.cursor(binary=True) as cur:
            return cur.execute(sql, args).fetchall()
    finally:
        if idle and not dbapi.closed:
            dbapi.autocommit = False


def _record_rows(rows: list[tuple], with_metadata: bool) -> list[RecordRow]:
    out = []
    moments: dict[int, datetime] = {}   # records share datestamps (one per transaction)
    specs: dict[str, tuple[str, ...]] = {}
    for row in rows:
        identifier, seconds, rec_deleted, fmt_deleted, set_specs = row[:5]
        moment = moments.get(seconds)
        if moment is None:
            moment = moments[seconds] = from_epoch(seconds)
        spec_tuple = specs.get(set_specs)
        if spec_tuple is None:
            spec_tuple = specs[set_specs] = split_specs(set_specs)
        deleted = bool(rec_deleted or fmt_deleted)
        live = with_metadata and not deleted   # §2.5.1: a tombstone is a header only
        out.append(RecordRow(identifier=identifier, datestamp=moment, deleted=deleted,
                             set_specs=spec_tuple,
                             metadata=bytes(row[5]) if live else None,
                             about=bytes(row[6]) if live and row[6] is not None else None))
    return out


def count(conn: Connection, query: ListQuery) -> int:
    if query.from_ is None:
        # A whole list (a prefix, perhaps a set) is what the writer keeps the size of. Its
        # until (a harvest's first page fixes it at the request time, G§5.1) leaves nothing
        # out when no row of the prefix is newer: both read in one statement, one snapshot.
        kept = select(list_sizes.c.records).where(
            list_sizes.c.prefix == query.prefix,
            list_sizes.c.set_spec == (query.set_spec or "")).scalar_subquery()
        newest = select(func.max(disseminations.c.datestamp)).where(
            disseminations.c.prefix == query.prefix).scalar_subquery()
        size, top = conn.execute(select(kept, newest)).one()
        if top is None:
            return 0
        if query.until is None or to_epoch(query.until) >= top:
            return size or 0
    return count_rows(conn, query)


def count_rows(conn: Connection, query: ListQuery) -> int:
    """The list's size counted from its rows (on the index alone: nothing from records)."""
    stmt, _, _ = _list_select([func.count()], _params(query, None), with_records=False)
    return conn.execute(stmt).scalar_one()
