"""claim_next under contention: claimers at once each get a different source without waiting
for each other, and on PostgreSQL the claim is a row lock (SELECT ... FOR UPDATE SKIP LOCKED)
that other connections skip, with nothing written in the row."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from store import RecordStore
from store.models import harvest_claims
from tests.store.helpers import PARTNER_URL

NAMES = ["a", "b", "c", "d", "e", "f"]


@pytest.fixture
def sources(store):
    for name in NAMES:
        store.harvest.add_source(name, PARTNER_URL)
    return store


def test_claimers_at_once_take_different_sources_without_waiting(sources):
    stores = [RecordStore(sources.url) for _ in range(4)]     # an engine each
    together = threading.Barrier(len(stores), timeout=30)
    got: list[str | None] = []
    errors: list[BaseException] = []

    def claim(store: RecordStore, k: int) -> None:
        try:
            with store.harvest.claim_next(NAMES, f"claimer {k}") as name:
                got.append(name)
                # Every claimer holds its claim here at the same time: one that waited for
                # another's lock instead of skipping it would never arrive.
                together.wait()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            together.abort()

    threads = [threading.Thread(target=claim, args=(s, k)) for k, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for store in stores:
        store.close()
    assert not errors, errors
    assert sorted(got) == NAMES[:4]         # the first free ones, in the order given


@pytest.mark.postgres
def test_on_postgresql_a_claim_is_a_row_lock_other_connections_skip(postgres_url, clock):
    store = RecordStore(postgres_url, clock=clock)
    store.upgrade()
    for name in NAMES[:2]:
        store.harvest.add_source(name, PARTNER_URL)
    c = harvest_claims.c
    skipping = (select(c.source).where(c.source.in_(NAMES[:2])).order_by(c.source)
                .with_for_update(skip_locked=True))
    owner = f"test {uuid.uuid4().hex[:8]}"
    other = create_engine(postgres_url)
    try:
        with store.harvest.claim_next(NAMES[:2], owner) as name, other.connect() as conn:
            assert name == "a"
            assert conn.scalars(skipping).all() == ["b"]          # skipped, not waited for
            conn.rollback()
            with pytest.raises(OperationalError, match="could not obtain lock"):
                conn.execute(select(c.source).where(c.source == "a").with_for_update(nowait=True))
            conn.rollback()
            # A lock, not a lease: the row is as it was, and the holder is a session idle in
            # its transaction, named after the source and the owner.
            row = conn.execute(select(harvest_claims).where(c.source == "a")).one()
            assert (row.owner, row.pid, row.token, row.expires) == (None, None, None, None)
            states = conn.scalars(text("SELECT state FROM pg_stat_activity "
                                       "WHERE application_name = :name"),
                                  {"name": f"granary harvest a ({owner})"}).all()
            assert states == ["idle in transaction"]
            conn.rollback()
        with other.connect() as conn:
            assert conn.scalars(skipping).all() == ["a", "b"]     # released
    finally:
        other.dispose()
        store.close()
