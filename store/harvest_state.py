"""HarvestState (``store.harvest``): partner sources, runs, per-list checkpoints, set-aside
records, claims and the metadata formats learnt from partners: their reads and the writes
that are transactions of their own, on the Database it is given (store/database.py).

Every method here is its own transaction; call them outside a writer. A page's checkpoint,
run counters and set-aside records are written with its records through the Writer instead
(store/harvest_writes.py), so they commit together.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select, update

from store.claims import LEASE_SECONDS, Claims
from store.database import Database
from store.drafts import check_prefix, check_setspec
from store.engines import upsert
from store.errors import StoreError
from store.harvest_types import (
    RUN_MODES,
    Checkpoint,
    RunInfo,
    RunMode,
    RunStatus,
    SetAsideRecord,
    Source,
)
from store.models import (
    from_epoch,
    harvest_checkpoints,
    harvest_claims,
    harvest_formats,
    harvest_runs,
    harvest_set_aside,
    harvest_sources,
)
from store.reads.records import source_counts
from store.syntax import clean_text, has_illegal_xml_chars, is_source_name, utc_seconds

_FINAL = tuple(s for s in RunStatus if s is not RunStatus.RUNNING)
_COUNTERS = ("added", "updated", "unchanged", "deleted", "set_aside", "pages")


class HarvestState:
    """``store.harvest``. *lease_seconds*: the SQLite claim lease (see store/claims.py)."""

    def __init__(self, database: Database, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.database = database
        self._claims = Claims(database, lease_seconds)

    def close(self) -> None:
        self._claims.close()

    # -- sources ----------------------------------------------------------------------
    def add_source(self, name: str, base_url: str, *, prefix: str | Sequence[str] = "oai_dc",
                   sets: tuple[str, ...] = (), delay: float = 0.0) -> Source:
        """StoreError when the name is taken or invalid, or a value is."""
        row = {"name": _check_name(name), **_source_values(base_url, prefix, sets, delay),
               "watermark": None, "created": self._now()}
        with self.database.writer() as w:
            if _source_row(w.connection, name) is not None:
                raise StoreError(f"a harvest source named {name!r} already exists")
            w.connection.execute(insert(harvest_sources), row)
            w.connection.execute(insert(harvest_claims), {"source": name})
        return _source(row)

    def update_source(self, name: str, *, base_url: str | None = None,
                      prefix: str | Sequence[str] | None = None,
                      sets: tuple[str, ...] | None = None, delay: float | None = None) -> Source:
        """Change what is given, keep the rest (the watermark too)."""
        with self.database.writer() as w:
            old = _known(w.connection, name)
            values = _source_values(old.base_url if base_url is None else base_url,
                                    tuple(old.prefix.split()) if prefix is None else prefix,
                                    tuple(old.sets.split()) if sets is None else sets,
                                    old.delay if delay is None else delay)
            w.connection.execute(update(harvest_sources)
                                 .where(harvest_sources.c.name == name).values(**values))
            return _source(_source_row(w.connection, name))

    def get_source(self, name: str) -> Source | None:
        row = self.database.read(_source_row, name)
        return None if row is None else _source(row)

    def list_sources(self) -> list[Source]:
        def fetch(conn: Connection) -> list[Source]:
            return [_source(r) for r in conn.execute(
                select(harvest_sources).order_by(harvest_sources.c.name))]
        return self.database.read(fetch)

    def source_counts(self, name: str) -> dict[str, int]:
        """{"records": live, "deleted": tombstones} of records whose origin is this source."""
        return self.database.read(source_counts, name)

    def remove_source(self, name: str, *, purge: bool = False) -> int:
        """Forget the source, its runs and checkpoints. With *purge*, its records become
        tombstones in the same transaction (§2.5.1: deletion is persistent, they are never
        erased). Returns how many were tombstoned. StoreError when unknown or claimed."""
        with self.database.writer() as w:
            _known(w.connection, name)
            if self._claims.held_by_other(w.connection, name):
                raise StoreError(f"harvest source {name!r} is being harvested right now; "
                                 "remove it once that harvest has ended")
            purged = w.delete_source_records(name) if purge else 0
            w.connection.execute(delete(harvest_sources).where(harvest_sources.c.name == name))
        return purged

    def set_watermark(self, name: str, watermark: str | None) -> None:
        with self.database.writer() as w:
            _known(w.connection, name)
            w.connection.execute(update(harvest_sources).where(harvest_sources.c.name == name)
                                 .values(watermark=watermark))

    # -- runs -------------------------------------------------------------------------
    def start_run(self, name: str, *, mode: str, from_: str | None,
                  until: str | None) -> RunInfo:
        """A new run, status "running". Call it under the source's claim: a run a crash
        left running (which unfinished_run() offers to resume) is closed as interrupted."""
        if mode not in RUN_MODES:
            raise StoreError(f"run mode must be one of {', '.join(RUN_MODES)}, got {mode!r}")
        with self.database.writer() as w:
            conn = w.connection
            _known(conn, name)
            key = conn.execute(insert(harvest_runs).values(
                source=name, status="running", mode=mode, from_=from_, until=until,
                started=self._now(), **dict.fromkeys(_COUNTERS, 0))).inserted_primary_key
            assert key is not None      # a single-row INSERT
            run_id = key[0]
            conn.execute(update(harvest_runs).where(
                harvest_runs.c.source == name, harvest_runs.c.status == "running",
                harvest_runs.c.id != run_id).values(
                status="interrupted", finished=self._now(),
                message=f"left running; superseded by run {run_id}"))
            return _run(_run_row(conn, run_id))

    def finish_run(self, run_id: int, *, status: str, message: str | None = None,
                   watermark: str | None = None) -> RunInfo:
        """Close the run. On success or partial its source's checkpoints go and, when a
        *watermark* is given, the source's watermark moves to it, in the same transaction.
        A failed or interrupted run keeps both: the next run starts from them."""
        if status not in _FINAL:
            raise StoreError(f"a run finishes as one of {', '.join(_FINAL)}, got {status!r}")
        with self.database.writer() as w:
            conn = w.connection
            run = _run_row(conn, run_id)
            if run is None:
                raise StoreError(f"no harvest run {run_id}")
            if run.status != "running":
                raise StoreError(f"harvest run {run_id} already finished ({run.status})")
            conn.execute(update(harvest_runs).where(harvest_runs.c.id == run_id).values(
                status=status, finished=self._now(),
                message=None if message is None else clean_text(message)))
            if status in ("success", "partial"):
                conn.execute(delete(harvest_checkpoints)
                             .where(harvest_checkpoints.c.source == run.source))
                if watermark is not None:
                    conn.execute(update(harvest_sources)
                                 .where(harvest_sources.c.name == run.source)
                                 .values(watermark=watermark))
            return _run(_run_row(conn, run_id))

    def runs(self, name: str, limit: int = 20) -> list[RunInfo]:
        """Newest first."""
        r = harvest_runs.c
        return self._runs(select(harvest_runs).where(r.source == name)
                          .order_by(r.id.desc()).limit(max(limit, 0)))

    def unfinished_run(self, name: str) -> RunInfo | None:
        """The run a crash left "running" (it is resumed from its checkpoints)."""
        r = harvest_runs.c
        found = self._runs(select(harvest_runs).where(r.source == name, r.status == "running")
                           .order_by(r.id.desc()).limit(1))
        return found[0] if found else None

    def get_run(self, run_id: int) -> RunInfo | None:
        found = self._runs(select(harvest_runs).where(harvest_runs.c.id == run_id))
        return found[0] if found else None

    def checkpoints(self, run_id: int) -> list[Checkpoint]:
        c = harvest_checkpoints
        names = [f.name for f in fields(Checkpoint)]
        return self.database.read(lambda conn: [
            Checkpoint(**{f: getattr(row, f) for f in names} | {"ordered": bool(row.ordered)})
            for row in conn.execute(select(c).where(c.c.run_id == run_id)
                                    .order_by(c.c.list_key))])

    def set_aside_records(self, run_id: int) -> list[SetAsideRecord]:
        s = harvest_set_aside
        return self.database.read(lambda conn: [
            SetAsideRecord(row.run_id, row.identifier, row.reason, row.datestamp)
            for row in conn.execute(select(s).where(s.c.run_id == run_id).order_by(s.c.id))])

    # -- claims -----------------------------------------------------------------------
    @contextmanager
    def claim(self, name: str, owner: str) -> Iterator[bool]:
        """``with store.harvest.claim(name, owner) as held:`` True when this process now holds
        the source until the block ends, False when another holder has it. StoreError for
        an unknown source. See store/claims.py for how each engine holds it."""
        with self._claims.claim_next([name], owner) as got:
            yield got is not None

    @contextmanager
    def claim_next(self, names: list[str], owner: str, *,
                   since: datetime | None = None) -> Iterator[str | None]:
        """Claim the first of *names* that nobody holds (and, given *since*, that has no run
        started at or after it); yields its name, or None."""
        with self._claims.claim_next(names, owner, since=since) as got:
            yield got

    # -- formats learnt from partners --------------------------------------------------
    def put_format(self, prefix: str, namespace: str, schema: str) -> None:
        check_prefix(prefix)
        for label, value in (("namespace", namespace), ("schema", schema)):
            if not isinstance(value, str) or not value.strip() or has_illegal_xml_chars(value):
                raise StoreError(f"format {prefix}: {label} must be a non-empty URI, got {value!r}")
        with self.database.writer() as w:
            w.connection.execute(upsert(w.connection, harvest_formats, ["prefix"],
                                        ["namespace", "schema"]),
                                 {"prefix": prefix, "namespace": namespace.strip(),
                                  "schema": schema.strip()})

    def formats(self) -> list[tuple[str, str, str]]:
        """(prefix, namespace, schema) of the formats harvested records are served in."""
        f = harvest_formats.c
        return self.database.read(lambda conn: [tuple(r) for r in conn.execute(
            select(f.prefix, f.namespace, f.schema).order_by(f.prefix))])

    # -- helpers ----------------------------------------------------------------------
    def _now(self) -> int:
        return int(utc_seconds(self.database.clock()).timestamp())

    def _runs(self, stmt: Any) -> list[RunInfo]:
        return self.database.read(lambda conn: [_run(r) for r in conn.execute(stmt)])


def _check_name(name: object) -> str:
    if not is_source_name(name):
        raise StoreError(f"{name!r} is not a valid source name: a letter or digit, then "
                         "letters, digits, '_', '.' or '-', at most 64 (it becomes part of "
                         "the set partner:<name> and of identifiers)")
    return name


def _source_values(base_url: object, prefix: object, sets: object, delay: object) -> dict:
    url = base_url if isinstance(base_url, str) else ""
    parts = urlsplit(url)
    if (not url or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() for ch in url) or has_illegal_xml_chars(url)):
        raise StoreError(f"a source's base URL must be an http:// or https:// URL with a "
                         f"host, got {base_url!r}")
    if isinstance(sets, str) or not isinstance(sets, (tuple, list)):
        raise StoreError(f"sets must be a sequence of setSpecs, got {sets!r}")
    specs = tuple(dict.fromkeys(check_setspec(s) for s in sets))
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) \
            or not math.isfinite(delay) or delay < 0:
        raise StoreError(f"delay must be a number of seconds, 0 or more, got {delay!r}")
    # Several prefixes (its own format first), space-separated: a prefix holds no space.
    prefixes = (prefix,) if isinstance(prefix, str) else prefix
    if not isinstance(prefixes, (tuple, list)) or not prefixes:
        raise StoreError(f"prefix must be a metadataPrefix or a sequence of them, got {prefix!r}")
    checked = tuple(dict.fromkeys(check_prefix(p) for p in prefixes))
    return {"base_url": base_url, "prefix": " ".join(checked), "sets": " ".join(specs),
            "delay": float(delay)}


def _source_row(conn: Connection, name: str) -> Any:
    return conn.execute(select(harvest_sources).where(harvest_sources.c.name == name)).first()


def _known(conn: Connection, name: str) -> Any:
    row = _source_row(conn, name)
    if row is None:
        raise StoreError(f"no harvest source named {name!r}")
    return row


def _source(row: Any) -> Source:
    m = row if isinstance(row, dict) else row._mapping
    return Source(name=m["name"], base_url=m["base_url"], prefix=m["prefix"],
                  sets=tuple(m["sets"].split()), delay=float(m["delay"]),
                  watermark=m["watermark"], created=from_epoch(m["created"]))


def _run_row(conn: Connection, run_id: int) -> Any:
    return conn.execute(select(harvest_runs).where(harvest_runs.c.id == run_id)).first()


def _run(row: Any) -> RunInfo:
    return RunInfo(id=row.id, source=row.source, started=from_epoch(row.started),
                   finished=None if row.finished is None else from_epoch(row.finished),
                   status=RunStatus(row.status), mode=RunMode(row.mode), from_=row.from_,
                   until=row.until,
                   **{name: getattr(row, name) for name in _COUNTERS},
                   message=row.message, first_response_date=row.first_response_date)
