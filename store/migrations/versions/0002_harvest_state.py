"""Harvest state: partner sources, runs, per-list checkpoints, set-aside records, claims and
the metadata formats learnt from partners. Also makes the repository's secret key here, so
that reading it never has to write (store/records.py: secret_key).

Written by hand and frozen, like 0001. Only new tables: nothing existing is rebuilt.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _key_text() -> sa.Text:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _row_id() -> sa.BigInteger:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _source(table: str, **kw) -> sa.Column:
    return sa.Column("source", _key_text(), sa.ForeignKey(
        "harvest_sources.name", ondelete="CASCADE", name=f"fk_{table}_source_harvest_sources"),
        nullable=False, **kw)


def _run_id(table: str) -> sa.Column:
    return sa.Column("run_id", _row_id(), sa.ForeignKey(
        "harvest_runs.id", ondelete="CASCADE", name=f"fk_{table}_run_id_harvest_runs"),
        nullable=False)


def _counters() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False)
            for name in ("added", "updated", "unchanged", "deleted", "set_aside", "pages")]


def upgrade() -> None:
    op.create_table(
        "harvest_sources",
        sa.Column("name", _key_text(), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("sets", sa.Text(), nullable=False),
        sa.Column("delay", sa.Float(), nullable=False),
        sa.Column("watermark", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_harvest_sources"),
    )
    op.create_table(
        "harvest_runs",
        sa.Column("id", _row_id(), autoincrement=True, nullable=False),
        _source("harvest_runs"),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("from_", sa.Text(), nullable=True),
        sa.Column("until", sa.Text(), nullable=True),
        *_counters(),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("first_response_date", sa.Text(), nullable=True),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_runs"),
    )
    op.create_index("ix_harvest_runs_source_id", "harvest_runs", ["source", "id"])
    op.create_table(
        "harvest_checkpoints",
        _source("harvest_checkpoints"),
        sa.Column("list_key", _key_text(), nullable=False),
        _run_id("harvest_checkpoints"),
        sa.Column("verb", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("set_spec", sa.Text(), nullable=True),
        sa.Column("from_", sa.Text(), nullable=True),
        sa.Column("until", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("last_datestamp", sa.Text(), nullable=True),
        sa.Column("ordered", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source", "list_key", name="pk_harvest_checkpoints"),
    )
    op.create_index("ix_harvest_checkpoints_run_id", "harvest_checkpoints", ["run_id"])
    op.create_table(
        "harvest_set_aside",
        sa.Column("id", _row_id(), autoincrement=True, nullable=False),
        _run_id("harvest_set_aside"),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("datestamp", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_set_aside"),
    )
    op.create_index("ix_harvest_set_aside_run_id", "harvest_set_aside", ["run_id"])
    op.create_table(
        "harvest_claims",
        _source("harvest_claims"),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("claimed", sa.BigInteger(), nullable=True),
        sa.Column("expires", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("source", name="pk_harvest_claims"),
    )
    op.create_table(
        "harvest_formats",
        sa.Column("prefix", _key_text(), nullable=False),
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("schema", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_harvest_formats"),
    )
    # A database made by 0001 may already have its key (a first request made it): kept.
    op.execute(sa.text("INSERT INTO repository_meta (key, value) VALUES ('secret_key', :value) "
                       "ON CONFLICT (key) DO NOTHING")
               .bindparams(value=secrets.token_urlsafe(32)))


def downgrade() -> None:
    for table in ("harvest_formats", "harvest_claims", "harvest_set_aside",
                  "harvest_checkpoints", "harvest_runs", "harvest_sources"):
        op.drop_table(table)
