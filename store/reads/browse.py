"""Reads for the pages for people (oai/web/pages.py): the catalogue and a set newest first, a
search, the sets and the kept list sizes for the home page, and the sitemap's id ranges.

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

from sqlalchemy import Connection, func, select, text, true, tuple_

from store.models import from_epoch, list_sizes, record_sets, records, sets
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
        return true()
    # A row value: SQLite (3.15+) and PostgreSQL both seek the index to the cursor with it,
    # where "d < :d OR (d = :d AND i < :i)" first walks the rows of the cursor's datestamp
    # (a whole import batch shares one).
    return tuple_(datestamp, identifier) < tuple_(cursor[0], cursor[1])


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
             " AND (m.datestamp, m.identifier) < (:d, :i)")
    if dialect == "sqlite":
        matches = (f"SELECT m.id FROM {SEARCH_TABLE} s JOIN records m ON m.id = s.rowid "
                   f"WHERE {SEARCH_TABLE} MATCH :q")
    else:
        matches = (f"SELECT m.id FROM {SEARCH_TABLE} s JOIN records m ON m.id = s.record_id "
                   "WHERE s.document @@ plainto_tsquery('simple', :q)")
    # Every match is sorted by (datestamp, identifier), so the sort carries those keys
    # alone and the Dublin Core is read for the page's rows only: a third of the time for
    # a word in 7% of 100,000 records (bench/pages.py).
    sql = (f"SELECT r.identifier, r.datestamp, r.dc FROM records r WHERE r.id IN ({matches}"
           f" AND NOT m.deleted{after} ORDER BY m.datestamp DESC, m.identifier DESC LIMIT :n)"
           " ORDER BY r.datestamp DESC, r.identifier DESC")
    return [_summary(*row) for row in conn.execute(text(sql), params)]


def list_counts(conn: Connection) -> dict[tuple[str, str], int]:
    """The list sizes the writer keeps (store.models.list_sizes): (prefix, set_spec or "")
    -> records, tombstones included, as a harvester's list counts them. Read instead of
    counting, so the home page costs the same at a million records as at ten."""
    return {(prefix, spec): n for prefix, spec, n in conn.execute(
        select(list_sizes.c.prefix, list_sizes.c.set_spec, list_sizes.c.records))}


def all_sets(conn: Connection) -> list[tuple[str, str, str | None]]:
    """Every set as (spec, name, description), by spec."""
    return [tuple(row) for row in conn.execute(
        select(sets.c.spec, sets.c.name, sets.c.description).order_by(sets.c.spec))]


def get_set(conn: Connection, spec: str) -> tuple[str, str, str | None] | None:
    row = conn.execute(select(sets.c.spec, sets.c.name, sets.c.description)
                       .where(sets.c.spec == spec)).first()
    return None if row is None else tuple(row)


def last_id(conn: Connection) -> int:
    """The highest record id: the sitemap pages are id ranges up to it."""
    return conn.execute(select(func.coalesce(func.max(records.c.id), 0))).scalar_one()


def live_in_id_range(conn: Connection, low: int, high: int) -> list[tuple[str, datetime]]:
    """Live records' (identifier, datestamp) with low < id <= high, by id: one sitemap page,
    one primary-key range. A page is a fixed range of the stable internal key (discovery.md
    §3.2), so new records change only the last page and a deletion shrinks one."""
    r = records
    rows = conn.execute(select(r.c.identifier, r.c.datestamp)
                        .where(r.c.id > low, r.c.id <= high, r.c.deleted.is_(False))
                        .order_by(r.c.id))
    return [(i, from_epoch(d)) for i, d in rows]
