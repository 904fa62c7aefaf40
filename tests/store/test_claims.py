"""Claims: one harvest per source at a time, across threads, processes and crashes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from store import Checkpoint, RecordStore, StoreError, WriteCounts
from store.claims import HOST
from store.harvest_state import HarvestState
from store.models import harvest_claims
from tests.store.helpers import draft

URL = "https://partner.example.org/oai"
ROOT = Path(__file__).resolve().parents[2]

# Holds a claim in another process until a line arrives on stdin (or it is killed).
HOLDER = r"""
import sys
from store import RecordStore
store = RecordStore(sys.argv[1])
with store.harvest.claim(sys.argv[2], "child") as held:
    print("held" if held else "refused", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def sources(store):
    for name in ("a", "b", "c"):
        store.harvest.add_source(name, URL)
    return store


class Holder:
    """A child process that claims *name* on *url*."""

    def __init__(self, url: str, name: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, name], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.first = self._line()

    def _line(self) -> str:
        line = self.proc.stdout.readline().strip()
        if not line:
            self.proc.wait()
            error = self.proc.stderr.read()
            self._close()
            pytest.fail(f"holder process failed: {error}")
        return line

    def release(self) -> str:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        line = self._line()
        self.proc.wait()
        self._close()
        return line

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()        # reaped: its pid no longer exists
        self._close()

    def _close(self) -> None:
        # Unclosed pipes would be ResourceWarnings, which fail the test that leaks them.
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            pipe.close()


def claimable(store: RecordStore, name: str) -> bool:
    with store.harvest.claim(name, "test") as held:
        return held


def eventually_claimable(store: RecordStore, name: str, patience: float = 15.0) -> bool:
    """The server notices a killed client's connection asynchronously: poll a little."""
    deadline = time.monotonic() + patience
    while not claimable(store, name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_claim_is_exclusive_until_released(sources):
    h = sources.harvest
    with h.claim("a", "first") as held:
        assert held is True
        with h.claim("a", "second") as again:
            assert again is False
        assert claimable(sources, "b")             # claims are per source
        other = RecordStore(sources.url)            # another engine, same database
        assert claimable(other, "a") is False
        other.close()
    assert claimable(sources, "a")
    assert claimable(sources, "a")                 # and released again


def test_pages_commit_while_the_source_is_claimed(sources):
    # PostgreSQL: the claim row is locked for the whole harvest; nothing a page writes may
    # need it, or the harvest would wait on its own claim.
    h = sources.harvest
    with h.claim("a", "me") as held:
        assert held
        run = h.start_run("a", mode="full", from_=None, until=None)
        with sources.writer() as w:
            counts = w.put_many([draft(1), draft(2)])
            w.save_checkpoint(Checkpoint("a", "", run.id, "ListRecords", "oai_dc", None, None,
                                         None, "tok"))
            w.add_to_run(run.id, counts, first_response_date="2024-01-01T00:00:00Z")
        h.set_watermark("a", "2023")
        h.update_source("a", delay=1)
        h.finish_run(run.id, status="success", watermark="2024-01-01T00:00:00Z")
    assert h.get_source("a").watermark == "2024-01-01T00:00:00Z"
    assert h.runs("a")[0].added == 2


def test_claims_need_a_known_source_and_an_owner(sources):
    with pytest.raises(StoreError, match="no harvest source named 'zz'"):
        with sources.harvest.claim("zz", "me"):
            pass
    with pytest.raises(StoreError, match="owner"):
        with sources.harvest.claim("a", ""):
            pass


def test_claiming_inside_an_open_writer_fails_fast_on_sqlite(sources):
    with sources.writer() as w:
        w.put(draft(1))
        if sources.engine.dialect.name == "sqlite":
            with pytest.raises(StoreError, match="before opening a writer"):
                with sources.harvest.claim("a", "me"):
                    pass
        else:                           # a row lock on a connection of its own
            assert claimable(sources, "a")
    assert claimable(sources, "a")


def test_another_process_is_refused_then_takes_over_after_release(sources):
    holder = Holder(sources.url, "a")
    try:
        assert holder.first == "held"
        assert claimable(sources, "a") is False
        assert claimable(sources, "b") is True
        assert holder.release() == "released"
    finally:
        if holder.proc.poll() is None:
            holder.kill()
    assert claimable(sources, "a") is True


def test_a_process_refused_while_this_one_holds(sources):
    with sources.harvest.claim("a", "parent") as held:
        assert held
        holder = Holder(sources.url, "a")
        assert holder.first == "refused"
        holder.release()


def test_a_killed_holder_does_not_keep_the_source(sources):
    holder = Holder(sources.url, "a")
    assert holder.first == "held"
    assert claimable(sources, "a") is False
    holder.kill()
    assert eventually_claimable(sources, "a")


def test_a_claimed_source_cannot_be_removed(sources):
    with sources.harvest.claim("a", "me"):
        with pytest.raises(StoreError, match="being harvested"):
            sources.harvest.remove_source("a", purge=True)
    holder = Holder(sources.url, "b")
    try:
        with pytest.raises(StoreError, match="being harvested"):
            sources.harvest.remove_source("b")
    finally:
        holder.release()
    assert sources.harvest.get_source("a") and sources.harvest.get_source("b")
    sources.harvest.remove_source("a")
    assert [s.name for s in sources.harvest.list_sources()] == ["b", "c"]


def test_claim_next_takes_the_first_free_source_in_the_given_order(sources, clock):
    h = sources.harvest
    with h.claim_next(["c", "a", "b"], "one") as first:
        assert first == "c"
        with h.claim_next(["c", "a", "b"], "two") as second:
            assert second == "a"
            with h.claim_next(["c", "a"], "three") as third:
                assert third is None
            with h.claim_next([], "three") as none:
                assert none is None
    with pytest.raises(StoreError, match="no harvest source"):
        with h.claim_next(["a", "zz"], "one"):
            pass


def test_claim_next_skips_sources_harvested_since_the_round_began(sources, clock):
    h = sources.harvest
    round_began = clock.advance(10)
    with h.claim_next(["a", "b", "c"], "host1", since=round_began) as name:
        assert name == "a"
        run = h.start_run(name, mode="full", from_=None, until=None)
        h.finish_run(run.id, status="success")
    with h.claim_next(["a", "b", "c"], "host2", since=round_began) as name:
        assert name == "b"          # "a" is free again but was done in this round
    with h.claim_next(["a"], "host2", since=clock.advance(1)) as name:
        assert name == "a"          # a new round


# -- SQLite leases -------------------------------------------------------------------------
@pytest.fixture
def lite(sqlite_url, clock):
    s = RecordStore(sqlite_url, clock=clock)
    s.upgrade()
    s.harvest.add_source("a", URL)
    yield s
    s.close()


def _set_lease(store: RecordStore, **values) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(harvest_claims).where(harvest_claims.c.source == "a")
                     .values(token="someone", owner="x", **values))


def _lease(store: RecordStore):
    with store.engine.connect() as conn:
        return conn.execute(select(harvest_claims)).one()


def test_an_expired_lease_is_taken_over(lite):
    _set_lease(lite, host="elsewhere", pid=1, expires=int(time.time()) + 60)
    assert claimable(lite, "a") is False          # another host, not expired
    _set_lease(lite, host="elsewhere", pid=1, expires=int(time.time()) - 1)
    assert claimable(lite, "a") is True


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over(lite):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _set_lease(lite, host=HOST, pid=dead.pid, expires=int(time.time()) + 60)
    assert claimable(lite, "a") is True
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)            # exited, not reaped yet
    _set_lease(lite, host=HOST, pid=zombie.pid, expires=int(time.time()) + 60)
    assert claimable(lite, "a") is True
    zombie.wait()
    _set_lease(lite, host=HOST, pid=os.getppid(), expires=int(time.time()) + 60)
    assert claimable(lite, "a") is False          # that one is alive


def test_a_held_lease_is_renewed_and_cleared_on_release(lite):
    quick = HarvestState(lite.database, lease_seconds=1.0)  # a heartbeat every third of a second
    with quick.claim("a", "me") as held:
        assert held
        row = _lease(lite)
        assert (row.owner, row.pid, row.host) == ("me", os.getpid(), HOST)
        first_expiry = row.expires
        time.sleep(2.5)
        assert _lease(lite).expires > first_expiry
        # Past its first expiry, it is still held: the heartbeat kept it.
        assert claimable(lite, "a") is False
    row = _lease(lite)
    assert (row.owner, row.pid, row.token, row.expires) == (None, None, None, None)


def test_in_memory_sqlite_claims(clock):
    s = RecordStore("sqlite://", clock=clock)
    s.upgrade()
    s.harvest.add_source("a", URL)
    with s.harvest.claim("a", "me") as held:
        assert held and not claimable(s, "a")
        with s.writer() as w:
            w.put(draft(1))
    assert claimable(s, "a")
    s.close()


def test_add_to_run_counts_nothing_when_the_counts_are_empty(sources):
    # A page with only set-aside records still advances the page counter.
    run = sources.harvest.start_run("a", mode="full", from_=None, until=None)
    with sources.writer() as w:
        w.add_to_run(run.id, WriteCounts(), set_aside=2)
    info = sources.harvest.get_run(run.id)
    assert (info.pages, info.set_aside, info.added) == (1, 2, 0)
