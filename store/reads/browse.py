"""Reads for the pages for people (oai/pages.py): the catalogue and a set newest first, a
search, the newest records, the set tree's rows, and the live identifiers for the sitemap.

Every list is keyset-paged, never OFFSET: newest first is descending (datestamp, identifier)
from a cursor, one range scan of ix_records_datestamp_identifier (the catalogue) or
ix_record_sets_set_spec_datestamp_identifier (a set), so the millionth record costs what the
first does. Tombstones are left out (a person browses what is there; the protocol still shows
them). A search (store/search.py) is newest first too, with the same cursor.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, text

from store.models import from_epoch, record_sets, records, sets
from store.search import SEARCH_TABLE, match_expression, terms

Cursor = tuple[int, str]        # (datestamp in epoch seconds, identifier) of the last row shown


@dataclass(frozen=True, slots=True)
class Summary:
    """One line of a list: enough to show and link a record."""

    identifier: str
    datestamp: datetime
    titles: tuple[str, ...]
    creators: tuple[str, ...]
    dates: tuple[str, ...]
    cursor: Cursor


def _summary(identifier: str, datestamp: int, dc: str | None) -> Summary:
    values: dict[str, list[str]] = {"title": [], "creator": [], "date": []}
    for element, value, _lang in json.loads(dc) if dc else ():
        if element in values:
            values[element].append(value)
    return Summary(identifier, from_epoch(datestamp), tuple(values["title"]),
                   tuple(values["creator"]), tuple(values["date"]), (datestamp, identifier))


def _before(datestamp, identifier, cursor: Cursor | None):
    if cursor is None:
        return True
    # Spelt out rather than a row value, which not every planner turns into a range scan.
    return or_(datestamp < cursor[0], and_(datestamp == cursor[0], identifier < cursor[1]))


def newest(conn: Connection, cursor: Cursor | None, limit: int) -> list[Summary]:
    """The live records newest first, after *cursor*."""
    r = records
    rows = conn.execute(
        select(r.c.identifier, r.c.datestamp, r.c.dc)
        .where(r.c.deleted.is_(False), _before(r.c.datestamp, r.c.identifier, cursor))
        .order_by(r.c.datestamp.desc(), r.c.identifier.desc()).limit(limit))
    return [_summary(*row) for row in rows]


def in_set(conn: Connection, spec: str, cursor: Cursor | None, limit: int) -> list[Summary]:
    """The live records of set *spec* (its descendants' included, §2.6) newest first."""
    rs, r = record_sets, records
    rows = conn.execute(
        select(rs.c.identifier, rs.c.datestamp, r.c.dc)
        .select_from(rs.join(r, r.c.id == rs.c.record_id))
        .where(rs.c.set_spec == spec, r.c.deleted.is_(False),
               _before(rs.c.datestamp, rs.c.identifier, cursor))
        .order_by(rs.c.datestamp.desc(), rs.c.identifier.desc()).limit(limit))
    return [_summary(*row) for row in rows]


def search(conn: Connection, query: str, cursor: Cursor | None, limit: int) -> list[Summary]:
    """The live records whose title, creator, subject or description hold every word of
    *query*, newest first. No words (only punctuation, say): no results."""
    words = terms(query)
    if not words:
        return []
    dialect = conn.dialect.name
    params = {"q": match_expression(words, dialect), "n": limit,
              "d": cursor[0] if cursor else None, "i": cursor[1] if cursor else None}
    after = ("" if cursor is None else
             " AND (r.datestamp < :d OR (r.datestamp = :d AND r.identifier < :i))")
    if dialect == "sqlite":
        sql = (f"SELECT r.identifier, r.datestamp, r.dc FROM {SEARCH_TABLE} s "
               f"JOIN records r ON r.id = s.rowid WHERE {SEARCH_TABLE} MATCH :q")
    else:
        sql = (f"SELECT r.identifier, r.datestamp, r.dc FROM {SEARCH_TABLE} s "
               "JOIN records r ON r.id = s.record_id "
               "WHERE s.document @@ plainto_tsquery('simple', :q)")
    sql += (" AND NOT r.deleted" + after +
            " ORDER BY r.datestamp DESC, r.identifier DESC LIMIT :n")
    return [_summary(*row) for row in conn.execute(text(sql), params)]


def set_rows(conn: Connection) -> list[tuple[str, str, str | None, int]]:
    """Every set as (spec, name, description, live records in it), by spec."""
    counts = (select(record_sets.c.set_spec, func.count().label("n"))
              .select_from(record_sets.join(records, records.c.id == record_sets.c.record_id))
              .where(records.c.deleted.is_(False)).group_by(record_sets.c.set_spec).subquery())
    rows = conn.execute(
        select(sets.c.spec, sets.c.name, sets.c.description, func.coalesce(counts.c.n, 0))
        .select_from(sets.outerjoin(counts, counts.c.set_spec == sets.c.spec))
        .order_by(sets.c.spec))
    return [tuple(row) for row in rows]


def get_set(conn: Connection, spec: str) -> tuple[str, str, str | None] | None:
    row = conn.execute(select(sets.c.spec, sets.c.name, sets.c.description)
                       .where(sets.c.spec == spec)).first()
    return None if row is None else tuple(row)


def live_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(records)
                        .where(records.c.deleted.is_(False))).scalar_one()


def live_identifiers(conn: Connection, after: str | None,
                     limit: int) -> list[tuple[str, datetime]]:
    """Live records' (identifier, datestamp) in identifier order after *after* (the sitemap:
    one range scan of the identifier's unique index a page at a time)."""
    r = records
    stmt = select(r.c.identifier, r.c.datestamp).where(r.c.deleted.is_(False))
    if after is not None:
        stmt = stmt.where(r.c.identifier > after)
    return [(i, from_epoch(d)) for i, d in
            conn.execute(stmt.order_by(r.c.identifier).limit(limit))]


def page_starts(conn: Connection, size: int) -> list[str | None]:
    """Where each sitemap page of *size* live records starts: None for the first, then the
    identifier each later page comes after. One pass over the identifiers, kept a page at a
    time, so a million records are 1,000,000 / size strings in memory."""
    starts: list[str | None] = [None]
    after: str | None = None
    while True:
        stmt = select(records.c.identifier).where(records.c.deleted.is_(False))
        if after is not None:
            stmt = stmt.where(records.c.identifier > after)
        page = conn.execute(stmt.order_by(records.c.identifier).limit(size)).scalars().all()
        if len(page) < size:
            return starts
        after = page[-1]
        # A page exactly full with nothing after it needs no next page.
        if conn.execute(select(records.c.identifier).where(
                records.c.deleted.is_(False), records.c.identifier > after).limit(1)).first():
            starts.append(after)
        else:
            return starts
