"""The store's read queries, as functions of an open Connection; RecordStore wraps them.

List pages are keyset pages in (datestamp, identifier) order, never OFFSET: each page is one
index range scan starting just after the previous page's last row, so page 1000 costs what
page 1 costs and a record written during a harvest cannot shift the pages after it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, Integer, and_, func, select, tuple_

from store.models import dc_values, disseminations, record_origins, record_sets, records, sets
from store.types import DCValue, ListQuery, Origin, RecordRow, SetInfo, StoredRecord


def to_epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _specs(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _list_select(query: ListQuery, columns: list, after: tuple[datetime, str] | None):
    """SELECT *columns* for the records that *query* selects (after *after*, if given),
    and the (datestamp, identifier) pair the selection is ordered by."""
    r, d = records, disseminations
    # Only records disseminated (or deleted) in the requested format are listed (§2.5.1).
    if query.set_spec is not None:
        # §2.6: set=X includes X's descendants; record_sets holds the closure, so this is an
        # exact match driven by the (set_spec, datestamp, identifier) index.
        rs = record_sets
        stmt = select(*columns).select_from(
            rs.join(r, r.c.id == rs.c.record_id)
              .join(d, and_(d.c.record_id == rs.c.record_id, d.c.prefix == query.prefix))
        ).where(rs.c.set_spec == query.set_spec)
        ds, ident = rs.c.datestamp, rs.c.identifier
    else:
        # Driven by the (prefix, datestamp, identifier) index of disseminations.
        stmt = select(*columns).select_from(d.join(r, r.c.id == d.c.record_id)) \
            .where(d.c.prefix == query.prefix)
        ds, ident = d.c.datestamp, d.c.identifier
    if query.until is not None:
        stmt = stmt.where(ds <= to_epoch(query.until))   # §2.7.1: inclusive
    lower = None if query.from_ is None else (to_epoch(query.from_), "")
    if after is not None:
        lower = max(lower or (to_epoch(after[0]), after[1]), (to_epoch(after[0]), after[1]))
    if lower is not None:
        # One strict row-value lower bound: both engines start the index range exactly there.
        # (from, "") is "datestamp >= from" (§2.7.1: inclusive), as identifiers are never
        # empty. Spelled out as "ds >= x AND (ds > x OR id > y)" only ds would bound the scan,
        # so each page would re-read every earlier row of its datestamp, and an import gives
        # a million records the same datestamp. A second bound next to the row value would
        # let SQLite pick that one instead.
        stmt = stmt.where(tuple_(ds, ident) > tuple_(*lower))
    return stmt, ds, ident


def list_statement(query: ListQuery, after: tuple[datetime, str] | None, limit: int,
                   with_metadata: bool):
    """The SELECT of one list page (public so tests can EXPLAIN it)."""
    r, d = records, disseminations
    columns = [r.c.identifier, r.c.datestamp, r.c.deleted, d.c.deleted.label("fmt_deleted"),
               r.c.set_specs]
    if with_metadata:   # header-only pages never touch the blobs
        columns += [d.c.xml, r.c.about]
    stmt, ds, ident = _list_select(query, columns, after)
    return stmt.order_by(ds, ident).limit(limit)


def list_page(conn: Connection, query: ListQuery, after: tuple[datetime, str] | None,
              limit: int, with_metadata: bool) -> list[RecordRow]:
    rows = conn.execute(list_statement(query, after, limit, with_metadata))
    return [_record_row(row, with_metadata) for row in rows]


def _record_row(row, with_metadata: bool) -> RecordRow:
    deleted = bool(row.deleted or row.fmt_deleted)
    # §2.5.1 / §4.1: a deleted record is a header only: no metadata and no about.
    live = with_metadata and not deleted
    return RecordRow(identifier=row.identifier, datestamp=from_epoch(row.datestamp),
                     deleted=deleted, set_specs=_specs(row.set_specs),
                     metadata=bytes(row.xml) if live else None,
                     about=bytes(row.about) if live and row.about is not None else None)


def count(conn: Connection, query: ListQuery) -> int:
    stmt, _, _ = _list_select(query, [func.count()], None)
    return conn.execute(stmt).scalar_one()


def get_record(conn: Connection, identifier: str, prefix: str) -> RecordRow | None:
    r, d = records, disseminations
    row = conn.execute(
        select(r.c.identifier, r.c.datestamp, r.c.deleted, d.c.deleted.label("fmt_deleted"),
               r.c.set_specs, d.c.xml, r.c.about)
        .select_from(r.join(d, and_(d.c.record_id == r.c.id, d.c.prefix == prefix)))
        .where(r.c.identifier == identifier)).first()
    return None if row is None else _record_row(row, True)


def record_formats(conn: Connection, identifier: str) -> list[str] | None:
    """A live record's live formats; a tombstone's formats (it is deleted in each of them)."""
    rec = conn.execute(select(records.c.id, records.c.deleted)
                       .where(records.c.identifier == identifier)).first()
    if rec is None:
        return None
    stmt = select(disseminations.c.prefix).where(disseminations.c.record_id == rec.id)
    if not rec.deleted:
        stmt = stmt.where(disseminations.c.deleted.is_(False))
    return list(conn.scalars(stmt.order_by(disseminations.c.prefix)))


def origin_of(conn: Connection, record_id: int) -> Origin | None:
    return origins_of(conn, [record_id]).get(record_id)


def origins_of(conn: Connection, record_ids: list[int]) -> dict[int, Origin]:
    """The origins of those of *record_ids* that were harvested, by record id."""
    if not record_ids:
        return {}
    rows = conn.execute(select(record_origins)
                        .where(record_origins.c.record_id.in_(record_ids)))
    return {o.record_id: Origin(
        source=o.source, base_url=o.base_url, identifier=o.identifier,
        datestamp=o.datestamp, metadata_namespace=o.metadata_namespace,
        harvest_date=o.harvest_date, altered=bool(o.altered),
        raw_metadata=None if o.raw_metadata is None else bytes(o.raw_metadata),
        about=None if o.about is None else bytes(o.about)) for o in rows}


def get_stored(conn: Connection, identifier: str) -> StoredRecord | None:
    rec = conn.execute(select(records).where(records.c.identifier == identifier)).first()
    if rec is None:
        return None
    dc = tuple(DCValue(v.element, v.value, v.lang) for v in conn.execute(
        select(dc_values.c.element, dc_values.c.value, dc_values.c.lang)
        .where(dc_values.c.record_id == rec.id).order_by(dc_values.c.position)))
    return StoredRecord(identifier=rec.identifier, datestamp=from_epoch(rec.datestamp),
                        deleted=bool(rec.deleted), dc=dc, set_specs=_specs(rec.set_specs),
                        formats=tuple(record_formats(conn, identifier) or ()),
                        origin=origin_of(conn, rec.id))


def earliest_datestamp(conn: Connection) -> datetime | None:
    seconds = conn.execute(select(func.min(records.c.datestamp))).scalar()
    return None if seconds is None else from_epoch(seconds)


def list_sets(conn: Connection, after: str | None, limit: int) -> list[SetInfo]:
    stmt = select(sets.c.spec, sets.c.name, sets.c.description)
    if after is not None:
        stmt = stmt.where(sets.c.spec > after)
    rows = conn.execute(stmt.order_by(sets.c.spec).limit(limit))
    return [SetInfo(row.spec, row.name, row.description) for row in rows]


def set_exists(conn: Connection, spec: str) -> bool:
    return conn.execute(select(sets.c.spec).where(sets.c.spec == spec)).first() is not None


def count_sets(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(sets)).scalar_one()


def stats(conn: Connection) -> dict[str, int]:
    """records, deleted, sets, harvested (records with an origin), and per format
    ``format:<prefix>`` (records live in it) and ``format:<prefix>:deleted``."""
    total, deleted = conn.execute(select(
        func.count(), func.coalesce(func.sum(records.c.deleted.cast(Integer)), 0))).one()
    out = {"records": total, "deleted": int(deleted), "sets": count_sets(conn),
           "harvested": conn.execute(select(func.count()).select_from(record_origins))
           .scalar_one()}
    d = disseminations
    for prefix, is_deleted, n in conn.execute(
            select(d.c.prefix, d.c.deleted, func.count()).group_by(d.c.prefix, d.c.deleted)
            .order_by(d.c.prefix, d.c.deleted)):
        out[f"format:{prefix}:deleted" if is_deleted else f"format:{prefix}"] = n
    return out
