"""Reads of the repository as a whole: its earliest datestamp (Identify, §4.2), its sets
(ListSets, and whether one exists), its counts for the CLI (``stats``) and the values kept in
``repository_meta`` (``get_meta``: the secret key).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Integer, func, select

from store.models import disseminations, from_epoch, record_origins, records, repository_meta, sets
from store.record_types import SetInfo

# Built once: Identify runs it on every call, and composing it costs more than running it.
_EARLIEST = select(func.min(records.c.datestamp))


def earliest_datestamp(conn: Connection) -> datetime | None:
    seconds = conn.execute(_EARLIEST).scalar()
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


def get_meta(conn: Connection, key: str) -> str | None:
    """The value kept under *key* in repository_meta, None when there is none."""
    return conn.execute(select(repository_meta.c.value)
                        .where(repository_meta.c.key == key)).scalar()
