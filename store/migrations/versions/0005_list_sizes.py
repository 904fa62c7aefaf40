"""Keep the size of every list (per metadataPrefix, and per prefix and set) in list_sizes.

Why: the first page of a list carries completeListSize (OAI-PMH §3.5), and counting it took
over a second at a million records, on every full harvest. The writer now keeps these counts
in step, in the transaction that changes them; this revision fills them from the rows.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _key_text() -> sa.Text:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "list_sizes",
        sa.Column("prefix", _key_text(), nullable=False),
        sa.Column("set_spec", _key_text(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "set_spec", name="pk_list_sizes"))
    op.execute("INSERT INTO list_sizes (prefix, set_spec, records) "
               "SELECT prefix, '', count(*) FROM disseminations GROUP BY prefix")
    op.execute("INSERT INTO list_sizes (prefix, set_spec, records) "
               "SELECT d.prefix, rs.set_spec, count(*) FROM record_sets rs "
               "JOIN disseminations d ON d.record_id = rs.record_id "
               "GROUP BY d.prefix, rs.set_spec")


def downgrade() -> None:
    op.drop_table("list_sizes")
