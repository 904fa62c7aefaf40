"""A full-text index of each live record's title, creator, subject and description, for the
search box of the pages for people (oai/pages.py).

Each engine's own full-text search: on SQLite an FTS5 table ``record_search`` whose rowid is
records.id (unicode61 tokens, diacritics folded); on PostgreSQL a table ``record_search``
(record_id, document tsvector) with a GIN index, the 'simple' configuration (the catalogue is
in many languages: no stemming, no stop words of one language). The writer keeps it in step
in its own transaction (store/search.py); a tombstone has no row. Neither table is in
store.models.metadata (SQLAlchemy Core cannot describe a virtual table and its shadow
tables); store.search.SEARCH_TABLE names them for the schema comparison.

The upgrade fills the index from every live record, a batch at a time; the downgrade drops it.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 5000
_FIELDS = ("title", "creator", "subject", "description")


def _fields(dc: str) -> dict[str, str]:
    values: dict[str, list[str]] = {f: [] for f in _FIELDS}
    for element, value, _lang in json.loads(dc):
        if element in values:
            values[element].append(value)
    return {f: "\n".join(v) for f, v in values.items()}


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE record_search USING fts5("
                   "title, creator, subject, description, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        insert = sa.text("INSERT INTO record_search (rowid, title, creator, subject, description)"
                         " VALUES (:rid, :title, :creator, :subject, :description)")
    else:
        op.execute("CREATE TABLE record_search (record_id BIGINT PRIMARY KEY, "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_record_search_document ON record_search USING gin (document)")
        insert = sa.text("INSERT INTO record_search (record_id, document) VALUES (:rid, "
                         "to_tsvector('simple', :title || ' ' || :creator || ' ' || :subject"
                         " || ' ' || :description))")
    after = -1
    while True:
        rows = conn.execute(sa.text(
            "SELECT id, dc FROM records WHERE id > :after AND NOT deleted AND dc IS NOT NULL "
            "ORDER BY id LIMIT :n"), {"after": after, "n": _BATCH}).all()
        if not rows:
            break
        conn.execute(insert, [{"rid": rid, **_fields(dc)} for rid, dc in rows])
        after = rows[-1][0]


def downgrade() -> None:
    op.execute("DROP TABLE record_search")
