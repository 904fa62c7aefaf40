"""Reads of whole stored records, for the CLI, the crosswalks and the writer: a record with its
Dublin Core, formats and origin (``get_stored``), harvested records' origins, and the store's
counts (``stats``). The protocol's reads are in store/reads.py.
"""
from __future__ import annotations

from sqlalchemy import Connection, Integer, func, select

from store.drafts import dc_from_json
from store.models import disseminations, record_origins, records
from store.reads import count_sets, from_epoch, record_formats, split_specs
from store.types import Origin, StoredRecord


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
    return StoredRecord(identifier=rec.identifier, datestamp=from_epoch(rec.datestamp),
                        deleted=bool(rec.deleted), dc=dc_from_json(rec.dc),
                        set_specs=split_specs(rec.set_specs),
                        formats=tuple(record_formats(conn, identifier) or ()),
                        origin=origin_of(conn, rec.id))


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
