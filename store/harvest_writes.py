"""HarvestWrites: the harvester's writes inside a Writer's transaction. Each Writer holds one,
given its connection (``writer.harvest``; the Writer offers its methods under the same names).
A page's checkpoint, its run counters and its set-aside records commit (or roll back) together
with the page's records, so a crash between two pages can neither lose a page nor count it
twice. The purge of a source's records is a record write, and so the Writer's own.
"""
from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from store.engines import upsert
from store.errors import StoreError
from store.harvest_types import Checkpoint, SetAsideRecord
from store.models import harvest_checkpoints, harvest_runs, harvest_set_aside
from store.record_types import WriteCounts
from store.syntax import clean_text

_CHECKPOINT_FIELDS = ("source", "list_key", "run_id", "verb", "prefix", "set_spec", "from_",
                      "until", "token", "pages", "records", "last_datestamp", "ordered")


class HarvestWrites:
    """The harvest bookkeeping of one write transaction, on its *connection*."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

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
