"""Claims: one harvest at a time per source, across processes and hosts.

PostgreSQL: the claim is a row lock. A connection of its own (not from the store's pool)
opens a transaction and takes the source's ``harvest_claims`` row with ``SELECT ... FOR UPDATE
SKIP LOCKED``; it keeps it, idle in that transaction, until the claim ends. When the process
dies, even by kill -9, the server sees the connection drop and releases the lock: there is no
stale claim to clean up. Nothing else ever writes that row, so the harvest's own page commits
never wait on it.

SQLite: the claim is a lease written in the row (owner, pid, host, token, expiry in wall-clock
seconds), taken in a write transaction (BEGIN IMMEDIATE), so two claimers cannot both see it
free. A heartbeat thread renews it while held. A lease whose expiry passed, or whose pid on
this host no longer exists, is free to take over.
"""
from __future__ import annotations

import math
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, case, create_engine, exists, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from store.database import Database
from store.engines import WRITE, insert_ignore
from store.errors import StoreError
from store.models import harvest_claims, harvest_runs, harvest_sources, to_epoch

HOST = socket.gethostname()
# A crashed holder on this host is detected by its pid at once; the expiry only matters for
# a pid reused meanwhile or another host. Long, so that a heartbeat held up behind a long
# import transaction (SQLite's busy timeout is 30 s) never lets a live lease lapse.
LEASE_SECONDS = 300.0
_FREE = {"owner": None, "pid": None, "host": None, "token": None, "claimed": None,
         "expires": None}


def pid_alive(pid: int | None) -> bool:
    """Whether process *pid* runs on this host (a zombie, dead but not yet reaped, does not)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # exists, owned by someone else
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True             # no /proc here: trust kill()


def lease_held(row: Any, now: float) -> bool:
    """Whether a SQLite lease row is held by a live claimer at wall-clock *now*."""
    if row is None or row.token is None:
        return False
    if row.expires is not None and row.expires < now:
        return False
    return not (row.host == HOST and not pid_alive(row.pid))


class Claims:
    """The claims on one Database (``store.harvest`` delegates to it)."""

    def __init__(self, database: Database, lease_seconds: float = LEASE_SECONDS) -> None:
        self.database = database
        # SQLite lease length; the heartbeat renews it three times per lease.
        self.lease_seconds = lease_seconds
        self._pg_engine: Engine | None = None
        url = database.engine.url
        self._postgres = url.get_backend_name() == "postgresql"
        # One shared connection (StaticPool): no other process can see it, and a heartbeat
        # thread would use that connection under a writer's feet. Leases there never expire.
        self._in_memory = not self._postgres and url.database in (None, "", ":memory:")

    def close(self) -> None:
        if self._pg_engine is not None:
            self._pg_engine.dispose()

    @contextmanager
    def claim_next(self, names: list[str], owner: str, *,
                   since: datetime | None = None) -> Iterator[str | None]:
        """Claim the first of *names* (in that order) nobody holds, and that has no run
        started at or after *since* when given (so a `harvest --all` on several hosts does
        each source once per round); yields its name, or None when none is free."""
        names = list(dict.fromkeys(names))
        if not isinstance(owner, str) or not owner:
            raise StoreError("a claim needs an owner (a non-empty string)")
        if not names:
            yield None
            return
        if not self._postgres and self.database.in_writer():
            # The lease is written in a transaction of its own, which would wait for the
            # writer this thread holds open.
            raise StoreError("claim the source before opening a writer, not inside one")
        self._ensure_rows(names)
        hold = self._pg_hold if self._postgres else self._lease_hold
        with hold(names, owner, None if since is None else to_epoch(since)) as name:
            yield name

    def held_by_other(self, conn: Connection, name: str) -> bool:
        """Inside a write transaction: whether a harvest holds *name*. On PostgreSQL the row
        lock is then this transaction's until it ends, so nobody can claim it meanwhile."""
        c = harvest_claims.c
        if self._postgres:
            if conn.execute(select(c.source).where(c.source == name)).first() is None:
                return False
            return conn.execute(select(c.source).where(c.source == name)
                                .with_for_update(skip_locked=True)).first() is None
        row = conn.execute(select(harvest_claims).where(c.source == name)).first()
        return lease_held(row, time.time())

    # -- both engines --------------------------------------------------------------------
    def _ensure_rows(self, names: list[str]) -> None:
        """StoreError for an unknown source; makes a missing claim row (sources made by
        add_source always have one)."""
        with self.database.engine.connect() as conn:
            known = set(conn.scalars(select(harvest_sources.c.name)
                                     .where(harvest_sources.c.name.in_(names))))
            have = set(conn.scalars(select(harvest_claims.c.source)
                                    .where(harvest_claims.c.source.in_(names))))
            conn.rollback()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise StoreError(f"no harvest source named {unknown[0]!r}")
        if known - have:
            with self.database.engine.connect() as conn:
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    conn.execute(insert_ignore(conn, harvest_claims),
                                 [{"source": n, **_FREE} for n in sorted(known - have)])

    @staticmethod
    def _candidates(names: list[str], since: int | None):
        c = harvest_claims.c
        stmt = select(c.source).where(c.source.in_(names)).order_by(
            case({n: i for i, n in enumerate(names)}, value=c.source))
        if since is not None:
            r = harvest_runs.c
            stmt = stmt.where(~exists().where(r.source == c.source, r.started >= since))
        return stmt

    # -- PostgreSQL: a row lock held by a connection of its own ---------------------------
    @contextmanager
    def _pg_hold(self, names: list[str], owner: str, since: int | None) -> Iterator[str | None]:
        if self._pg_engine is None:
            # NullPool: the connection is closed when the claim ends, never handed back to
            # a pool half-broken, and never taken from the pool the writers use.
            self._pg_engine = create_engine(self.database.engine.url, poolclass=NullPool)
        conn = self._pg_engine.connect()
        try:
            # The transaction stays idle for the whole harvest: no server timeout may end it.
            # Keepalives: if the harvester's host (not just its process) dies, the server
            # notices within about two minutes and releases the claim.
            for setting, value in (("idle_in_transaction_session_timeout", 0),
                                   ("tcp_keepalives_idle", 60),
                                   ("tcp_keepalives_interval", 10),
                                   ("tcp_keepalives_count", 6)):
                conn.execute(text(f"SET {setting} = {value:d}"))
            name = conn.execute(self._candidates(names, since).limit(1)
                                .with_for_update(skip_locked=True)).scalar()
            if name is not None:
                # Shows who holds the claim in pg_stat_activity.
                conn.execute(text("SELECT set_config('application_name', :v, false)"),
                             {"v": f"granary harvest {name} ({owner})"[:63]})
            yield name
        finally:
            try:
                conn.rollback()
            except DBAPIError:
                pass        # the connection is gone, and with it the lock
            conn.close()

    # -- SQLite: a lease renewed by a heartbeat --------------------------------------------
    @contextmanager
    def _lease_hold(self, names: list[str], owner: str, since: int | None) -> Iterator[str | None]:
        token = uuid.uuid4().hex
        name = self._take_lease(names, owner, token, since)
        if name is None:
            yield None
            return
        stop = threading.Event()
        beat = None
        if not self._in_memory:
            beat = threading.Thread(target=self._heartbeat, args=(name, token, stop),
                                    name=f"claim-heartbeat-{name}", daemon=True)
            beat.start()
        try:
            yield name
        finally:
            stop.set()
            if beat is not None:
                beat.join()
            try:
                self._lease_update(name, token, _FREE)
            except DBAPIError:
                pass        # the lease runs out by itself

    def _expiry(self, now: float) -> int | None:
        return None if self._in_memory else math.ceil(now + self.lease_seconds)

    def _take_lease(self, names: list[str], owner: str, token: str,
                    since: int | None) -> str | None:
        c = harvest_claims.c
        with self.database.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():      # BEGIN IMMEDIATE: the check and the take are one step
                now = time.time()
                for name in conn.scalars(self._candidates(names, since)).all():
                    row = conn.execute(select(harvest_claims).where(c.source == name)).first()
                    if lease_held(row, now):
                        continue
                    conn.execute(update(harvest_claims).where(c.source == name).values(
                        owner=owner, pid=os.getpid(), host=HOST, token=token,
                        claimed=int(now), expires=self._expiry(now)))
                    return name
        return None

    def _lease_update(self, name: str, token: str, values: dict) -> bool:
        c = harvest_claims.c
        with self.database.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                result = conn.execute(update(harvest_claims)
                                      .where(c.source == name, c.token == token).values(**values))
        return result.rowcount == 1

    def _heartbeat(self, name: str, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            try:
                if not self._lease_update(name, token, {"expires": self._expiry(time.time())}):
                    return      # taken over: the lease had run out
            except DBAPIError:
                continue        # busy: try again at the next beat, well before expiry
