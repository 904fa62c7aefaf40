"""Reads of records. One by its identifier: the protocol's GetRecord (``get_record``) and the
formats it is disseminated in (``record_formats``); the whole stored record with its Dublin
Core, formats and origin (``get_stored``, for the CLI and crosswalks). Harvested records'
origins (``origins_of``) and how many came from a source (``source_counts``, for
``store.harvest``); and what the writer reads of records it is about to rewrite (their
origins, prefixes and sets).
"""
from __future__ import annotations

from sqlalchemy import Connection, and_, func, select

from store.drafts import dc_from_json
from store.models import (
    disseminations,
    from_epoch,
    record_origins,
    record_sets,
    records,
    split_specs,
)
from store.record_types import Origin, RecordRow, StoredRecord


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
