"""Drop the foreign keys from the record child tables (dc_values, disseminations,
record_sets, record_origins) to records.

Why: every child row paid a foreign-key check against records when inserted, about
nineteen per record; on PostgreSQL that trigger work was most of the bulk-import time
(a COPY of 320,000 Dublin Core rows: 3.3 s with the key, 1.1 s without). The keys guard
nothing the code does not already guarantee: children are written only by the store's
writer, with the ids it has just read or inserted in the same transaction, and no code
deletes a row of records (a deletion is a tombstone), so ON DELETE CASCADE never fired.
record_sets.set_spec keeps its key to sets.

SQLite cannot drop a constraint, so each table is copied (batch mode) from its explicit
new definition below, which keeps WITHOUT ROWID and the CHECK constraint.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TABLES = ("dc_values", "disseminations", "record_sets", "record_origins")


def _key_text() -> sa.Text:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _row_id() -> sa.BigInteger:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tables(meta: sa.MetaData, with_fk: bool) -> dict[str, sa.Table]:
    """The four tables as they are after this revision (with_fk=False) or before it."""
    def rid(table: str, **kw) -> sa.Column:
        args = [sa.ForeignKey("records.id", ondelete="CASCADE",
                              name=f"fk_{table}_record_id_records")] if with_fk else []
        return sa.Column("record_id", _row_id(), *args, nullable=False, **kw)

    sa.Table("records", meta, sa.Column("id", _row_id(), primary_key=True))
    sa.Table("sets", meta, sa.Column("spec", _key_text(), primary_key=True))
    return {
        "dc_values": sa.Table(
            "dc_values", meta, rid("dc_values"),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("element", sa.Text(), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("lang", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("record_id", "position", name="pk_dc_values"),
            sqlite_with_rowid=False),
        "disseminations": sa.Table(
            "disseminations", meta, rid("disseminations"),
            sa.Column("prefix", _key_text(), nullable=False),
            sa.Column("datestamp", sa.BigInteger(), nullable=False),
            sa.Column("identifier", _key_text(), nullable=False),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("xml", sa.LargeBinary(), nullable=True),
            sa.PrimaryKeyConstraint("record_id", "prefix", name="pk_disseminations"),
            sa.CheckConstraint("(xml IS NULL) = deleted", name="ck_disseminations_xml_deleted"),
            sa.Index("ix_disseminations_prefix_datestamp_identifier",
                     "prefix", "datestamp", "identifier")),
        "record_sets": sa.Table(
            "record_sets", meta, rid("record_sets"),
            sa.Column("set_spec", _key_text(), sa.ForeignKey(
                "sets.spec", name="fk_record_sets_set_spec_sets"), nullable=False),
            sa.Column("direct", sa.Boolean(), nullable=False),
            sa.Column("datestamp", sa.BigInteger(), nullable=False),
            sa.Column("identifier", _key_text(), nullable=False),
            sa.PrimaryKeyConstraint("record_id", "set_spec", name="pk_record_sets"),
            sa.Index("ix_record_sets_set_spec_datestamp_identifier",
                     "set_spec", "datestamp", "identifier"),
            sqlite_with_rowid=False),
        "record_origins": sa.Table(
            "record_origins", meta, rid("record_origins"),
            sa.Column("source", sa.Text(), nullable=False),
            sa.Column("base_url", sa.Text(), nullable=False),
            sa.Column("identifier", sa.Text(), nullable=False),
            sa.Column("datestamp", sa.Text(), nullable=False),
            sa.Column("metadata_namespace", sa.Text(), nullable=False),
            sa.Column("harvest_date", sa.Text(), nullable=False),
            sa.Column("altered", sa.Boolean(), nullable=False),
            sa.Column("raw_metadata", sa.LargeBinary(), nullable=True),
            sa.Column("about", sa.LargeBinary(), nullable=True),
            sa.PrimaryKeyConstraint("record_id", name="pk_record_origins"),
            sa.Index("ix_record_origins_source_identifier", "source", "identifier")),
    }


def _switch(with_fk: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in _TABLES:
            name = f"fk_{table}_record_id_records"
            if with_fk:
                op.create_foreign_key(name, table, "records", ["record_id"], ["id"],
                                      ondelete="CASCADE")
            else:
                op.drop_constraint(name, table, type_="foreignkey")
        return
    # SQLite: copy each table into its new definition (store.migrate turns foreign keys off
    # around the upgrade, so dropping the old copies cascades nowhere).
    for table_name, definition in _tables(sa.MetaData(), with_fk).items():
        kwargs = {"sqlite_with_rowid": False} if table_name in ("dc_values", "record_sets") else {}
        with op.batch_alter_table(table_name, copy_from=definition, recreate="always",
                                  table_kwargs=kwargs):
            pass


def upgrade() -> None:
    _switch(with_fk=False)


def downgrade() -> None:
    _switch(with_fk=True)
