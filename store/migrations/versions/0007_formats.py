"""records.own_prefix: the prefix of a record's own metadata, kept verbatim.

Why: every record is now served in every format we can render from its Dublin Core (marc21,
mods beside oai_dc), and ``oai-harvest formats rebuild`` renders a new or changed format for
the records already stored. A record harvested or imported in one of those formats (a MARC
record, say) keeps that dissemination exactly as it came; this column says which one, so that
a rebuild never replaces it with a crosswalk of a crosswalk. NULL for existing rows: until
now a record in a format we render was always rendered.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("own_prefix", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("own_prefix")
