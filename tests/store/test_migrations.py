"""Schema migrations: idempotent, race-safe, in step with store.models, and keeping data."""
from __future__ import annotations

import shutil
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from store import ListQuery, Origin, RecordStore, SetInfo, StoreError
from store.migrate import MIGRATIONS, current_revision, downgrade, head_revision, upgrade
from store.models import metadata
from store.search import compared
from tests.store.helpers import draft, put

ORIGIN = Origin("p", "https://p.example/oai", "oai:p:1", "2020-01-01",
                "http://www.openarchives.org/OAI/2.0/oai_dc/", "2024-01-01T00:00:00Z")


def _fill(store):
    put(store, draft(1, sets=("a:b",), origin=ORIGIN), draft(2, formats=("oai_dc", "marc21")))
    with store.writer() as w:
        w.delete("oai:test:00002")
        w.put_set(SetInfo("a", "Set A", "About A"))
    return _snapshot(store)


def _snapshot(store):
    rows = store.list_page(ListQuery("oai_dc"), after=None, limit=10)
    return (rows, [store.get_stored(r.identifier) for r in rows],
            store.list_sets(after=None, limit=10), store.stats(), store.secret_key())


def test_models_and_migrations_agree(store):
    with store.engine.connect() as conn:
        # The search index (revision 0006) is engine-specific DDL, outside the metadata.
        context = MigrationContext.configure(conn, opts={"include_name": compared})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert current_revision(store.engine) == head_revision()


def test_upgrade_twice_is_harmless(store):
    before = _fill(store)
    store.upgrade()
    store.upgrade()
    assert _snapshot(store) == before


def test_down_to_the_first_revision_and_up_again_keeps_rows(store_url, clock):
    # The rows are written at head (the writer speaks only the newest schema), taken down
    # through every revision's downgrade to 0001, then up through every upgrade.
    old = RecordStore(store_url, clock=clock)
    old.upgrade()
    before = _fill(old)
    downgrade(old.engine, "0001")
    assert current_revision(old.engine) == "0001"
    with old.engine.connect() as conn:       # 0001 keeps Dublin Core a row per value
        assert conn.execute(text("SELECT count(*) FROM dc_values")).scalar_one() == 2
    old.close()
    new = RecordStore(store_url, clock=clock)
    new.upgrade()
    assert current_revision(new.engine) == head_revision()
    assert _snapshot(new) == before
    new.close()


NEXT_REVISION = '''
"""A stand-in for the next real revision: alters records and adds a table referring to it."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default="-"))
    op.create_table(
        "later_table",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("records.id", ondelete="CASCADE")),
    )
'''


def test_a_later_revision_that_rebuilds_records_keeps_every_row(store, tmp_path):
    # On SQLite, altering "records" copies and drops it; with foreign keys on, that drop
    # would cascade into disseminations, record_sets and record_origins.
    before = _fill(store)
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9999_next.py").write_text(
        NEXT_REVISION.format(head=head_revision()))
    upgrade(store.engine, location=location)
    assert current_revision(store.engine) == "9999"
    assert _snapshot(store) == before
    with store.engine.connect() as conn:
        assert "note" in {c["name"] for c in inspect(conn).get_columns("records")}
        assert conn.execute(text("SELECT count(*) FROM records WHERE dc IS NOT NULL")
                            ).scalar_one() == 1          # the live record keeps its values
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    with store.writer() as w:                  # and the store still writes
        assert w.put(draft(3)) == "added"


def test_concurrent_upgrades_do_not_race(store_url):
    stores = [RecordStore(store_url) for _ in range(4)]
    errors, keys = [], []
    start = threading.Barrier(len(stores))

    def run(s):
        try:
            start.wait()
            s.upgrade()
            keys.append(s.secret_key())     # made once, even when all ask at once
        except Exception as exc:   # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert current_revision(stores[0].engine) == head_revision()
    assert len(keys) == 4 and len(set(keys)) == 1
    assert {s.secret_key() for s in stores} == set(keys)
    for s in stores:
        s.close()


def test_secret_key_is_made_once_and_kept(store_url):
    first = RecordStore(store_url)
    first.upgrade()
    key = first.secret_key()
    assert len(key) >= 40 and key == first.secret_key()
    first.close()
    second = RecordStore(store_url)
    second.upgrade()
    assert second.secret_key() == key
    second.close()


def test_in_memory_sqlite_is_one_shared_database(clock):
    s = RecordStore("sqlite://", clock=clock)
    s.upgrade()
    put(s, draft(1))
    assert s.get_stored("oai:test:00001").formats == ("oai_dc",)
    assert s.secret_key() == s.secret_key()
    s.close()


def test_unsupported_database_url_is_a_clear_error():
    with pytest.raises(ValueError, match="unsupported database URL"):
        RecordStore("mysql://user:secret@localhost/db")


def test_the_secret_key_exists_from_the_upgrade_and_is_readable_inside_a_writer(store):
    with store.writer() as w:
        key = store.secret_key()
        w.put(draft(1))
    assert len(key) >= 40 and store.secret_key() == key


def test_a_missing_secret_key_inside_a_writer_fails_fast(store):
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM repository_meta"))
    with store.writer() as w:
        if store.engine.dialect.name == "sqlite":
            with pytest.raises(StoreError, match="before opening a writer"):
                store.secret_key()
        else:
            assert store.secret_key()       # PostgreSQL makes it on another connection
        w.put(draft(1))
    assert store.secret_key() == store.secret_key()

