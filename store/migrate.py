"""Schema upgrades: runs the Alembic revisions in ``store/migrations`` on an Engine, in code.

No alembic.ini is needed: the Config is built here and Alembic is handed a connection that is
already inside a transaction holding the migration lock. Several server processes starting at
once on one database therefore upgrade one after another; the later ones find the schema at
head and do nothing. Both engines run DDL transactionally, so a failed upgrade leaves the
previous schema (and every row) as it was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from store.engines import PG_MIGRATE_LOCK, WRITE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(location: Path = MIGRATIONS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision(location: Path = MIGRATIONS) -> str:
    head = ScriptDirectory.from_config(alembic_config(location)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", location: Path = MIGRATIONS) -> None:
    """Bring the schema to *revision* (default: the newest). Idempotent and race-safe."""
    _migrate(engine, command.upgrade, revision, location)


def downgrade(engine: Engine, revision: str, location: Path = MIGRATIONS) -> None:
    """Take the schema back to *revision*, keeping the rows (each revision's downgrade)."""
    _migrate(engine, command.downgrade, revision, location)


def _migrate(engine: Engine, step, revision: str, location: Path) -> None:
    cfg = alembic_config(location)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        dbapi: Any = conn.connection.dbapi_connection
        if sqlite:
            # SQLite alters a table by copying it and dropping the original; with foreign keys
            # on, that DROP would first delete the rows and cascade to every child table. The
            # pragma is ignored inside a transaction, hence the raw connection, before BEGIN.
            dbapi.execute("PRAGMA foreign_keys=OFF")
        try:
            # SQLite: BEGIN IMMEDIATE takes the database's write lock before Alembic reads
            # the version table. PostgreSQL: a transaction-scoped advisory lock.
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                 {"key": PG_MIGRATE_LOCK})
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite:
                    _check_foreign_keys(conn)
        finally:
            if sqlite:
                dbapi.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:   # raising here rolls the whole upgrade back
        raise RuntimeError(f"migration left {len(broken)} broken foreign keys, e.g. {broken[0]}")
