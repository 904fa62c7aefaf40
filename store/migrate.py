"""Schema upgrades: runs the Alembic revisions in ``store/migrations`` on an Engine, in code.

No alembic.ini is needed: the Config is built here and Alembic is handed a connection that is
already inside a transaction holding the migration lock. Several server processes starting at
once on one database therefore upgrade one after another; the later ones find the schema at
head and do nothing. Both engines run DDL transactionally, so a failed upgrade leaves the
previous schema (and every row) as it was.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from store.db import WRITE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: any constant unique to this application ("granary" in ASCII).
_PG_LOCK_KEY = 0x6772616E617279


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to *revision* (default: the newest). Idempotent and race-safe."""
    cfg = alembic_config()
    with engine.connect() as conn:
        # SQLite: BEGIN IMMEDIATE takes the database's write lock before Alembic reads the
        # version table. PostgreSQL: a transaction-scoped advisory lock, released at commit.
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
