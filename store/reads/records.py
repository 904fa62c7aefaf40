"""Reads of records. One by its identifier: the protocol's GetRecord (``get_record``) and the
formats it is disseminated in (``record_formats``); the whole stored record with its Dublin
Core, formats and origin (``get_stored``, for the CLI and crosswalks). Harvested records'
origins (``origins_of``) and how many came from a source (``source_counts``, for
``store.harvest``); and what the writer reads of records it is about to rewrite (their
origins, prefixes and sets). The live records a page at a time with everything a rebuild of
their formats needs (``rebuild_page``).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from sqlalchemy import Connection, and_, bindparam, case, exists, func, select

from store.drafts import dc_from_json
from store.models import (
    disseminations,
    from_epoch,
    record_origins,
    record_sets,
    records,
    split_specs,
)
from store.record_types import DCValue, FoundRecord, Origin, RecordRow, StoredRecord


class Rebuildable(NamedTuple):
    """A live record as ``rebuild_page`` reads it: enough to write it again whole."""

    id: int
    identifier: str
    dc: tuple[DCValue, ...]
    set_specs: tuple[str, ...]          # direct
    about: bytes | None
    own_prefix: str | None
    xml: dict[str, bytes]               # its live disseminations
    origin: Origin | None


def get_record(conn: Connection, identifier: str, prefix: str) -> RecordRow | None:
    r, d = records, disseminations
    row = conn.execute(
        select(r.c.identifier, r.c.datestamp, r.c.deleted, d.c.deleted.label("fmt_deleted"),
               r.c.set_specs, d.c.xml, r.c.about)
        .select_from(r.join(d, and_(d.c.record_id == r.c.id, d.c.prefix == prefix)))
        .where(r.c.identifier == identifier)).first()
    if row is None:
        return None
    deleted = bool(row.deleted or row.fmt_deleted)
    # §2.5.1 / §4.1: a deleted record is a header only: no metadata and no about.
    return RecordRow(identifier=row.identifier, datestamp=from_epoch(row.datestamp),
                     deleted=deleted, set_specs=split_specs(row.set_specs),
                     metadata=None if deleted else bytes(row.xml),
                     about=bytes(row.about) if not deleted and row.about is not None else None)


# GetRecord in one statement: a row per format the record has (none for a record without
# formats), the blob only for the asked one. Built once: composing a select costs more than
# running it on a warm database.
_FIND = (select(records.c.identifier, records.c.datestamp, records.c.deleted,
                records.c.set_specs, records.c.about, disseminations.c.prefix,
                disseminations.c.deleted.label("fmt_deleted"),
                case((disseminations.c.prefix == bindparam("prefix"), disseminations.c.xml))
                .label("xml"))
         .select_from(records.outerjoin(disseminations,
                                        disseminations.c.record_id == records.c.id))
         .where(records.c.identifier == bindparam("identifier")))


def find_record(conn: Connection, identifier: str, prefix: str) -> FoundRecord | None:
    """The record's formats and the record in *prefix*; None when the identifier is unknown.
    Formats and record follow ``record_formats`` and ``get_record`` exactly."""
    rows = conn.execute(_FIND, {"identifier": identifier, "prefix": prefix}).all()
    if not rows:
        return None
    first = rows[0]
    formats = sorted(r.prefix for r in rows
                     if r.prefix is not None and (first.deleted or not r.fmt_deleted))
    asked = next((r for r in rows if r.prefix == prefix), None)
    if asked is None:
        return FoundRecord(tuple(formats), None)
    deleted = bool(asked.deleted or asked.fmt_deleted)
    # §2.5.1 / §4.1: a deleted record is a header only: no metadata and no about.
    return FoundRecord(tuple(formats), RecordRow(
        identifier=asked.identifier, datestamp=from_epoch(asked.datestamp), deleted=deleted,
        set_specs=split_specs(asked.set_specs),
        metadata=None if deleted or asked.xml is None else bytes(asked.xml),
        about=bytes(asked.about) if not deleted and asked.about is not None else None))


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


def get_stored(conn: Connection, identifier: str) -> StoredRecord | None:
    rec = conn.execute(select(records).where(records.c.identifier == identifier)).first()
    if rec is None:
        return None
    return StoredRecord(identifier=rec.identifier, datestamp=from_epoch(rec.datestamp),
                        deleted=bool(rec.deleted), dc=dc_from_json(rec.dc),
                        set_specs=split_specs(rec.set_specs),
                        formats=tuple(record_formats(conn, identifier) or ()),
                        origin=origins_of(conn, [rec.id]).get(rec.id))


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


def prefixes_of(conn: Connection, record_ids: list[int]) -> dict[int, set[str]]:
    """The prefixes each of *record_ids* has a row for, deleted ones too (the writer keeps
    them: §2.5.1)."""
    found: dict[int, set[str]] = {rid: set() for rid in record_ids}
    if record_ids:
        for rid, prefix in conn.execute(
                select(disseminations.c.record_id, disseminations.c.prefix)
                .where(disseminations.c.record_id.in_(record_ids))):
            found[rid].add(prefix)
    return found


def closures_of(conn: Connection, record_ids: list[int]) -> dict[int, list[str]]:
    """The sets each of *record_ids* is in, ancestors included (record_sets); a record in
    none is left out."""
    found: dict[int, list[str]] = {}
    if record_ids:
        for rid, spec in conn.execute(
                select(record_sets.c.record_id, record_sets.c.set_spec)
                .where(record_sets.c.record_id.in_(record_ids))):
            found.setdefault(rid, []).append(spec)
    return found


def source_counts(conn: Connection, source: str) -> dict[str, int]:
    """{"records": live, "deleted": tombstones} of the records harvested from *source*."""
    # Driven by ix_record_origins_source_identifier.
    counts: dict[bool, int] = dict(conn.execute(
        select(records.c.deleted, func.count())
        .select_from(record_origins.join(records, records.c.id == record_origins.c.record_id))
        .where(record_origins.c.source == source).group_by(records.c.deleted)).all())
    return {"records": counts.get(False, 0), "deleted": counts.get(True, 0)}


def rebuild_page(conn: Connection, *, after: int, limit: int,
                 lacking: Sequence[str] = ()) -> list[Rebuildable]:
    """Up to *limit* live records with Dublin Core, by id after *after*; with *lacking*, only
    those without a row for one of those prefixes (so a rerun goes on where a crash stopped)."""
    r, d = records, disseminations
    stmt = (select(r.c.id, r.c.identifier, r.c.dc, r.c.set_specs, r.c.about, r.c.own_prefix)
            .where(r.c.id > after, r.c.deleted.is_(False), r.c.dc.is_not(None))
            .order_by(r.c.id).limit(limit))
    if lacking:
        have_all = [exists().where(d.c.record_id == r.c.id, d.c.prefix == p) for p in lacking]
        stmt = stmt.where(~and_(*have_all))
    rows = conn.execute(stmt).all()
    ids = [row.id for row in rows]
    xml: dict[int, dict[str, bytes]] = {rid: {} for rid in ids}
    if ids:
        for rid, prefix, blob in conn.execute(
                select(d.c.record_id, d.c.prefix, d.c.xml)
                .where(d.c.record_id.in_(ids), d.c.deleted.is_(False))):
            xml[rid][prefix] = bytes(blob)
    origins = origins_of(conn, ids)
    return [Rebuildable(row.id, row.identifier, dc_from_json(row.dc), split_specs(row.set_specs),
                        None if row.about is None else bytes(row.about), row.own_prefix,
                        xml[row.id], origins.get(row.id)) for row in rows]


def rebuildable(conn: Connection, identifier: str) -> Rebuildable | None:
    """One live record as ``rebuild_page`` reads it (a harvest merging two of a partner's
    formats into one record reads it so), or None."""
    rid = conn.scalar(select(records.c.id).where(records.c.identifier == identifier,
                                                 records.c.deleted.is_(False)))
    if rid is None:
        return None
    r = records
    row = conn.execute(select(r.c.id, r.c.identifier, r.c.dc, r.c.set_specs, r.c.about,
                              r.c.own_prefix).where(r.c.id == rid)).one()
    xml = {prefix: bytes(blob) for prefix, blob in conn.execute(
        select(disseminations.c.prefix, disseminations.c.xml)
        .where(disseminations.c.record_id == rid, disseminations.c.deleted.is_(False)))}
    return Rebuildable(row.id, row.identifier, dc_from_json(row.dc), split_specs(row.set_specs),
                       None if row.about is None else bytes(row.about), row.own_prefix, xml,
                       origins_of(conn, [rid]).get(rid))
