"""Writer: the store's single write path. One Writer is one transaction; every change of a
record (content, set membership, deletion, revival) sets its datestamp to one *now* for the
whole transaction (OAI-PMH §2.7.1), and keeps the datestamp/identifier copies in record_sets
and disseminations in step.

That *now* is the clock at commit, not at the start: rows are written with the start time
and, when the transaction took longer than a second, restamped just before COMMIT. A record
must be visible from its datestamp on (Guidelines §3): stamped with the start of a long
import, it would appear later with a datestamp in the past, and a harvester that came by
meanwhile (and then asks from its last responseDate) would never see it.

Records are written in batches: one query finds the existing rows of a batch, then each table
gets one executemany. put() is a batch of one.
"""
from __future__ import annotations

from array import array
from collections import Counter
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from store.drafts import Prepared, check_identifier, check_setspec, prepare, tombstone_hash
from store.engines import bulk_insert, insert_ignore, reserve_ids, text_in, upsert, upsert_add
from store.harvest_writes import HarvestWrites
from store.models import disseminations, list_sizes, record_origins, record_sets, records, sets
from store.reads.records import closures_of, origins_of, prefixes_of
from store.record_types import RecordDraft, SetInfo, WriteCounts
from store.search import index as index_for_search
from store.search import unindex
from store.syntax import clean_text, set_ancestors, utc_seconds

_OUTCOMES = ("added", "updated", "unchanged", "deleted")
_RECORD_COLUMNS = ("id", "identifier", "datestamp", "deleted", "set_specs", "content_hash", "about",
                   "dc", "own_prefix")
_SET_COLUMNS = ("record_id", "set_spec", "direct", "datestamp", "identifier")
_FMT_COLUMNS = ("record_id", "prefix", "datestamp", "identifier", "deleted", "xml")
_ORIGIN_COLUMNS = ("record_id", "source", "base_url", "identifier", "datestamp",
                   "metadata_namespace", "harvest_date", "altered", "raw_metadata", "about")


class Writer:
    """One transaction. Obtained from ``RecordStore.writer()``; commits on a clean exit of the
    ``with`` block and rolls back everything on an exception (a file is imported whole or not
    at all). ``connection`` is the transaction's connection, for store modules that must write
    in the same transaction. ``harvest`` is the harvest's page bookkeeping on that connection
    (checkpoint, run counters, set-aside records: store/harvest_writes.py)."""

    def __init__(self, connection: Connection, now: datetime) -> None:
        self.connection = connection
        self.harvest = HarvestWrites(connection)
        # Offered on the Writer too, under the names the harvester has always called.
        self.save_checkpoint = self.harvest.save_checkpoint
        self.add_to_run = self.harvest.add_to_run
        self.set_aside = self.harvest.set_aside
        self.now = utc_seconds(now)
        self._ts = int(self.now.timestamp())
        self._known_sets: set[str] = set()
        self._counts = dict.fromkeys(_OUTCOMES, 0)
        self._touched = array("q")      # ids of the records this transaction changed
        self._sizes: Counter[tuple[str, str]] = Counter()   # list_sizes changes, not yet written

    @property
    def counts(self) -> WriteCounts:
        """What this transaction did so far."""
        return WriteCounts(**self._counts)

    def put(self, draft: RecordDraft) -> str:
        """Insert or replace one record: "added", "updated", "unchanged", or "deleted" when a
        draft with deleted=True turns a live or unknown record into a tombstone."""
        return self._write([prepare(draft)])[0]

    def put_many(self, drafts: Iterable[RecordDraft], batch_size: int = 1000) -> WriteCounts:
        """put() for a stream, *batch_size* records at a time; returns this call's counts.
        A draft that fails validation raises StoreError before any row of its batch is written."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        before = dict(self._counts)
        batch: list[Prepared] = []
        seen: set[str] = set()
        for draft in drafts:
            p = prepare(draft)
            # The same identifier twice in one batch: write the first before reading the
            # second's previous state, exactly as two put() calls would.
            if p.identifier in seen or len(batch) >= batch_size:
                self._write(batch)
                batch, seen = [], set()
            batch.append(p)
            seen.add(p.identifier)
        if batch:
            self._write(batch)
        return WriteCounts(**{k: self._counts[k] - before[k] for k in _OUTCOMES})

    def delete(self, identifier: str) -> str:
        """Make a tombstone: "deleted", "unchanged" (already deleted) or "missing". Its Dublin
        Core values and metadata go; its set memberships and format rows stay (with no xml),
        so set- and format-selective harvests still show the deletion (§2.5.1, §2.6)."""
        check_identifier(identifier)
        row = self.connection.execute(select(records.c.id, records.c.deleted)
                                      .where(records.c.identifier == identifier)).first()
        if row is None:
            return "missing"
        if row.deleted:
            self._counts["unchanged"] += 1
            return "unchanged"
        self._tombstone([row.id])
        return "deleted"

    def delete_source_records(self, source: str, chunk: int = 1000) -> int:
        """Tombstone every live record harvested from *source* (origin.source); returns how
        many (store.harvest.remove_source(purge=True)). Tombstones are kept for good:
        deletion is persistent (§2.5.1)."""
        # One pass over the source's origins (ix_record_origins_source_identifier), then
        # the tombstones a chunk at a time; 8 bytes per record in memory.
        ids = array("q", self.connection.scalars(
            select(records.c.id)
            .join(record_origins, record_origins.c.record_id == records.c.id)
            .where(and_(record_origins.c.source == source, records.c.deleted.is_(False)))))
        for start in range(0, len(ids), chunk):
            self._tombstone(list(ids[start:start + chunk]))
        return len(ids)

    def put_set(self, info: SetInfo) -> None:
        """Create a set or change its name/description; missing ancestors are created too,
        named after their spec. An empty name falls back to the spec (setName is required)."""
        spec = check_setspec(info.spec)
        name = clean_text(info.name or "") or spec
        description = clean_text(info.description) if info.description else None
        self._ensure_sets(set_ancestors(spec)[:-1])
        self.connection.execute(upsert(self.connection, sets, ["spec"], ["name", "description"]),
                                {"spec": spec, "name": name, "description": description or None})
        self._known_sets.add(spec)

    def finish(self, end: datetime, chunk: int = 1000) -> None:
        """Restamp what this transaction changed with *end* (the clock just before COMMIT)
        when that is a later second than the one the rows were written with."""
        self._write_sizes()
        end_ts = int(utc_seconds(end).timestamp())
        if end_ts <= self._ts:
            return
        conn = self.connection
        for start in range(0, len(self._touched), chunk):
            ids = list(self._touched[start:start + chunk])
            for table, key in ((records, records.c.id), (record_sets, record_sets.c.record_id),
                               (disseminations, disseminations.c.record_id)):
                conn.execute(update(table).where(key.in_(ids)).values(datestamp=end_ts))
        self.now, self._ts = utc_seconds(end), end_ts

    def _tombstone(self, ids: list[int]) -> None:
        """Turn the live records *ids* into tombstones, a statement per table for them all."""
        conn = self.connection
        rows = conn.execute(select(records.c.id, records.c.identifier, records.c.set_specs)
                            .where(records.c.id.in_(ids))).all()
        origins = origins_of(conn, ids)
        conn.execute(update(records).where(records.c.id == bindparam("rid")), [
            {"rid": r.id, "deleted": True, "datestamp": self._ts, "about": None, "dc": None,
             "content_hash": tombstone_hash(r.identifier, tuple(r.set_specs.split()),
                                            origins.get(r.id))} for r in rows])
        conn.execute(update(disseminations).where(disseminations.c.record_id.in_(ids))
                     .values(xml=None, deleted=True, datestamp=self._ts))
        conn.execute(update(record_sets).where(record_sets.c.record_id.in_(ids))
                     .values(datestamp=self._ts))
        unindex(conn, ids)      # a tombstone is found by no search (store/search.py)
        self._touched.extend(ids)
        self._counts["deleted"] += len(ids)

    # -- the batch write ------------------------------------------------------------------
    def _write(self, batch: list[Prepared]) -> list[str]:
        conn = self.connection
        existing = {r.identifier: r for r in conn.execute(
            select(records.c.id, records.c.identifier, records.c.content_hash, records.c.deleted)
            .where(text_in(conn, records.c.identifier, [p.identifier for p in batch])))}
        outcomes: list[str] = []
        new: list[Prepared] = []
        changed: list[tuple[int, Prepared]] = []
        recheck: list[tuple[int, int, Prepared]] = []
        for p in batch:
            old = existing.get(p.identifier)
            if old is None:
                new.append(p)
                outcomes.append("deleted" if p.deleted else "added")
            elif bytes(old.content_hash) != p.content_hash:
                changed.append((old.id, p))
                outcomes.append("deleted" if p.deleted and not old.deleted else "updated")
            else:
                if p.deleted and p.formats:
                    recheck.append((len(outcomes), old.id, p))
                outcomes.append("unchanged")
        if recheck:
            # A tombstone's hash leaves out its prefixes; one named for the first time is
            # still a change (a new format in which the deletion must be announced).
            have = prefixes_of(conn, [rid for _, rid, _ in recheck])
            for i, rid, p in recheck:
                if any(prefix not in have.get(rid, ()) for prefix, _ in p.formats):
                    changed.append((rid, p))
                    outcomes[i] = "updated"
        if new or changed:
            self._ensure_sets({s for p in new for s in p.closure}
                              | {s for _, p in changed for s in p.closure})
            old_sets = closures_of(conn, [rid for rid, _ in changed])   # before they are rewritten
            ids = self._insert_records(new) + self._update_records(changed)
            self._touched.extend(ids)
            index_for_search(conn, [(rid, p.deleted, p.dc_json) for rid, p in
                                    zip(ids, new + [p for _, p in changed], strict=True)])
            self._insert_children(ids, new + [p for _, p in changed],
                                  prefixes_of(conn, [rid for rid, _ in changed]), old_sets)
        for outcome in outcomes:
            self._counts[outcome] += 1
        return outcomes

    def _record_row(self, p: Prepared) -> dict:
        return {"datestamp": self._ts, "deleted": p.deleted, "set_specs": p.set_specs,
                "content_hash": p.content_hash, "about": p.about, "dc": p.dc_json,
                "own_prefix": p.own_format}

    def _insert_records(self, new: list[Prepared]) -> list[int]:
        if not new:
            return []
        # Ids chosen up front (the writer holds the write lock): a plain executemany/COPY
        # with explicit ids, and nothing to read back afterwards.
        ids = reserve_ids(self.connection, records, len(new))
        bulk_insert(self.connection, records, _RECORD_COLUMNS, [
            (rid, p.identifier, self._ts, p.deleted, p.set_specs, p.content_hash, p.about,
             p.dc_json, p.own_format) for rid, p in zip(ids, new, strict=True)])
        return ids

    def _update_records(self, changed: list[tuple[int, Prepared]]) -> list[int]:
        if not changed:
            return []
        conn = self.connection
        ids = [rid for rid, _ in changed]
        stmt = update(records).where(records.c.id == bindparam("rid"))
        conn.execute(stmt, [{"rid": rid, **self._record_row(p)} for rid, p in changed])
        # Children are rewritten whole; prefixes are read (by the caller) before this.
        for table in (record_sets, record_origins):
            conn.execute(delete(table).where(table.c.record_id.in_(ids)))
        return ids

    def _insert_children(self, ids: list[int], prepared: list[Prepared],
                         old_prefixes: dict[int, set[str]],
                         old_sets: dict[int, list[str]]) -> None:
        ts = self._ts
        set_rows: list[tuple] = []
        fmt_rows: list[tuple] = []
        origin_rows: list[tuple] = []
        sizes = self._sizes
        for rid, p in zip(ids, prepared, strict=True):
            set_rows.extend((rid, s, s in p.direct, ts, p.identifier) for s in p.closure)
            # §2.5.1: a format the record had and no longer has stays as a deleted row.
            xml_of = {prefix: (None if p.deleted else xml) for prefix, xml in p.formats}
            for prefix in old_prefixes.get(rid, ()):
                xml_of.setdefault(prefix, None)
            fmt_rows.extend((rid, prefix, ts, p.identifier, xml is None, xml)
                            for prefix, xml in xml_of.items())
            # The lists this record leaves and joins (list_sizes): each of its prefixes,
            # alone and with each set of its closure, before and after.
            for prefix in old_prefixes.get(rid, ()):
                for spec in ("", *old_sets.get(rid, ())):
                    sizes[prefix, spec] -= 1
            for prefix in xml_of:
                for spec in ("", *p.closure):
                    sizes[prefix, spec] += 1
            if (o := p.origin) is not None:
                origin_rows.append((rid, o.source, o.base_url, o.identifier, o.datestamp,
                                    o.metadata_namespace, o.harvest_date, bool(o.altered),
                                    o.raw_metadata, o.about))
        conn = self.connection
        if old_prefixes:
            conn.execute(delete(disseminations).where(
                disseminations.c.record_id.in_(list(old_prefixes))))
        for table, columns, rows in (
                (record_sets, _SET_COLUMNS, set_rows),
                (disseminations, _FMT_COLUMNS, fmt_rows),
                (record_origins, _ORIGIN_COLUMNS, origin_rows)):
            if rows:
                bulk_insert(conn, table, columns, rows)

    def _write_sizes(self) -> None:
        """Add this transaction's list_sizes changes (writers take turns, so no other
        transaction changes a count between our read and write of it)."""
        changes = [{"prefix": prefix, "set_spec": spec, "records": n}
                   for (prefix, spec), n in sorted(self._sizes.items()) if n]
        self._sizes.clear()
        if changes:
            conn = self.connection
            conn.execute(upsert_add(conn, list_sizes, ["prefix", "set_spec"], "records"), changes)

    def _ensure_sets(self, specs: Iterable[str]) -> None:
        """Create the sets named in *specs* that do not exist yet, named after their spec."""
        wanted = set(specs) - self._known_sets
        if not wanted:
            return
        conn = self.connection
        present = set(conn.scalars(select(sets.c.spec).where(sets.c.spec.in_(sorted(wanted)))))
        missing = sorted(wanted - present)
        if missing:
            conn.execute(insert_ignore(conn, sets),
                         [{"spec": s, "name": s, "description": None} for s in missing])
        self._known_sets |= wanted
