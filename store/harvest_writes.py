"""The harvester's writes inside a Writer's transaction: a page's checkpoint, its run counters
and its set-aside records commit (or roll back) together with the page's records, so a crash
between two pages can neither lose a page nor count it twice. Also the purge of a source's
records (store.harvest.remove_source(purge=True)).
"""
from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, insert, select, update

from store.db import upsert
from store.errors import StoreError
from store.models import (
    harvest_checkpoints, harvest_runs, harvest_set_aside, record_origins, records,
)
from store.types import Checkpoint, SetAsideRecord, WriteCounts, clean_text

if TYPE_CHECKING:
    from sqlalchemy import Connection

_CHECKPOINT_FIELDS = ("source", "list_key", "run_id", "verb", "prefix", "set_spec", "from_",
                      "until", "token", "pages", "records", "last_datestamp", "ordered")


class HarvestWrites:
    """Mixed into store.writer.Writer."""

    connection: Connection

    def _tombstone(self, ids: list[int]) -> None:   # provided by Writer
        raise NotImplementedError

    def save_checkpoint(self, cp: Checkpoint) -> None:
        """Record where list ``cp.list_key`` of ``cp.source`` stands (replacing the last one)."""
        if not isinstance(cp, Checkpoint):
            raise StoreError(f"expected a Checkpoint, got {type(cp).__name__}")
        row = {name: getattr(cp, name) for name in _CHECKPOINT_FIELDS}
        row["ordered"] = bool(cp.ordered)
        self._running(cp.run_id, cp.source)
        conn = self.connection
        conn.execute(upsert(conn, harvest_checkpoints, ["source", "list_key"],
                            [f for f in _CHECKPOINT_FIELDS if f not in ("source", "list_key")]),
                     row)

    def add_to_run(self, run_id: int, counts: WriteCounts, *, pages: int = 1,
                   set_aside: int = 0, first_response_date: str | None = None) -> None:
        """Add a page's outcome to the run's counters. *first_response_date* is kept only
        when the run has none yet: the first response of a run becomes its watermark."""
        self._running(run_id)
        r = harvest_runs.c
        self.connection.execute(update(harvest_runs).where(r.id == run_id).values(
            added=r.added + counts.added, updated=r.updated + counts.updated,
            unchanged=r.unchanged + counts.unchanged, deleted=r.deleted + counts.deleted,
            set_aside=r.set_aside + set_aside, pages=r.pages + pages,
            first_response_date=func.coalesce(r.first_response_date, first_response_date)))

    def set_aside(self, rec: SetAsideRecord) -> None:
        """Keep a record the run could not take, and why. The identifier may be None (the
        partner sent none); what the partner sent is kept as printable XML text."""
        if not isinstance(rec, SetAsideRecord):
            raise StoreError(f"expected a SetAsideRecord, got {type(rec).__name__}")
        self._running(rec.run_id)
        self.connection.execute(insert(harvest_set_aside), {
            "run_id": rec.run_id, "reason": clean_text(str(rec.reason)),
            "identifier": None if rec.identifier is None else clean_text(str(rec.identifier)),
            "datestamp": None if rec.datestamp is None else clean_text(str(rec.datestamp))})

    def delete_source_records(self, source: str, chunk: int = 1000) -> int:
        """Tombstone every live record harvested from *source* (origin.source); returns how
        many. Tombstones are kept for good: deletion is persistent (§2.5.1)."""
        # One pass over the source's origins (ix_record_origins_source_identifier), then
        # the tombstones a chunk at a time; 8 bytes per record in memory.
        ids = array("q", self.connection.scalars(
            select(records.c.id)
            .join(record_origins, record_origins.c.record_id == records.c.id)
            .where(and_(record_origins.c.source == source, records.c.deleted.is_(False)))))
        for start in range(0, len(ids), chunk):
            self._tombstone(list(ids[start:start + chunk]))
        return len(ids)

    def _running(self, run_id: int, source: str | None = None) -> None:
        """StoreError unless *run_id* is a running run (of *source*, when given): a harvester
        whose run was closed meanwhile (taken over after a lost claim) must not write."""
        row = self.connection.execute(select(harvest_runs.c.source, harvest_runs.c.status)
                                      .where(harvest_runs.c.id == run_id)).first()
        if row is None:
            raise StoreError(f"no harvest run {run_id}")
        if row.status != "running":
            raise StoreError(f"harvest run {run_id} is {row.status}, not running")
        if source is not None and row.source != source:
            raise StoreError(f"harvest run {run_id} belongs to source {row.source!r}, "
                             f"not {source!r}")
