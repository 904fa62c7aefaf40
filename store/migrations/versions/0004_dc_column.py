"""Keep each record's Dublin Core values in one column of records instead of a row each.

Why: the values are only ever read and written whole, a record at a time (get_stored, the
writer), yet they were sixteen of the nineteen rows a record made: on a bulk import their
inserts and primary-key index were most of the store's write time on both engines. The
column ``records.dc`` holds the ordered list as compact JSON, ``[[element, value, lang],
...]`` (lang null when the source gave none); NULL for a tombstone, which keeps no values.

The upgrade copies every record's values in position order, a batch of records at a time,
then drops dc_values; the downgrade rebuilds dc_values from the column.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 5000


def _row_id() -> sa.BigInteger:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tables(meta: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    records = sa.Table("records", meta, sa.Column("id", _row_id(), primary_key=True),
                       sa.Column("dc", sa.Text()))
    dc_values = sa.Table(
        "dc_values", meta,
        sa.Column("record_id", _row_id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("element", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("lang", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("record_id", "position", name="pk_dc_values"),
        sqlite_with_rowid=False)
    return records, dc_values


def upgrade() -> None:
    op.add_column("records", sa.Column("dc", sa.Text(), nullable=True))
    records, dc_values = _tables(sa.MetaData())
    conn = op.get_bind()
    after = -1
    while True:
        ids = list(conn.execute(sa.select(dc_values.c.record_id).distinct()
                                .where(dc_values.c.record_id > after)
                                .order_by(dc_values.c.record_id).limit(_BATCH)).scalars())
        if not ids:
            break
        values: dict[int, list] = {rid: [] for rid in ids}
        for rid, element, value, lang in conn.execute(
                sa.select(dc_values.c.record_id, dc_values.c.element, dc_values.c.value,
                          dc_values.c.lang)
                .where(dc_values.c.record_id.between(ids[0], ids[-1]))
                .order_by(dc_values.c.record_id, dc_values.c.position)):
            values[rid].append([element, value, lang])
        conn.execute(sa.update(records).where(records.c.id == sa.bindparam("rid")), [
            {"rid": rid, "dc": json.dumps(v, ensure_ascii=False, separators=(",", ":"))}
            for rid, v in values.items()])
        after = ids[-1]
    op.drop_table("dc_values")


def downgrade() -> None:
    meta = sa.MetaData()
    records, dc_values = _tables(meta)
    conn = op.get_bind()
    dc_values.create(conn)
    for rid, dc in conn.execute(sa.select(records.c.id, records.c.dc)
                                .where(records.c.dc.is_not(None))):
        rows = [{"record_id": rid, "position": i, "element": e, "value": v, "lang": lang}
                for i, (e, v, lang) in enumerate(json.loads(dc))]
        if rows:
            conn.execute(dc_values.insert(), rows)
    op.drop_column("records", "dc")
