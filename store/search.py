"""The full-text search index (revision 0006): what it holds of a record, its upkeep by the
writer, and how a person's words become a query each engine understands safely.

The index covers the live records' title, creator, subject and description. SQLite: an FTS5
table ``record_search`` (rowid = records.id); PostgreSQL: ``record_search`` (record_id,
document tsvector, GIN index, the 'simple' configuration: the catalogue is in many languages,
so no one language's stemming or stop words). Neither is in store.models.metadata: Core cannot
describe a virtual table, so the schema comparison leaves out tables named SEARCH_TABLE*.

The writer calls ``index`` for the records it wrote and ``unindex`` for those it turned into
tombstones, in its own transaction, so a search never finds what a list would not.
"""
from __future__ import annotations

import json
import re
from typing import Iterable, Sequence

from sqlalchemy import Connection, text

SEARCH_TABLE = "record_search"
FIELDS = ("title", "creator", "subject", "description")
# A query is at most this many words, each at most this long: the rest is ignored (a person's
# search is a few words; a hostile one must not become a huge query).
MAX_TERMS = 12
MAX_TERM_CHARS = 64
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE_INSERT = text(f"INSERT INTO {SEARCH_TABLE} (rowid, title, creator, subject, description)"
                      " VALUES (:rid, :title, :creator, :subject, :description)")
_PG_UPSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (record_id, document) VALUES (:rid, to_tsvector('simple', "
    ":title || ' ' || :creator || ' ' || :subject || ' ' || :description)) "
    "ON CONFLICT (record_id) DO UPDATE SET document = excluded.document")


def fields_of(dc_json: str) -> dict[str, str]:
    """The indexed text of a record's Dublin Core column (records.dc), a field each."""
    values: dict[str, list[str]] = {f: [] for f in FIELDS}
    for element, value, _lang in json.loads(dc_json):
        if element in values:
            values[element].append(value)
    return {f: "\n".join(v) for f, v in values.items()}


def unindex(conn: Connection, ids: Sequence[int]) -> None:
    """Take the records *ids* out of the index (tombstones, or before they are re-indexed)."""
    if not ids:
        return
    column = "rowid" if conn.dialect.name == "sqlite" else "record_id"
    conn.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE {column} = :rid"),
                 [{"rid": rid} for rid in ids])


def index(conn: Connection, rows: Iterable[tuple[int, bool, str | None]]) -> None:
    """Index (record id, deleted, dc JSON) as just written: live records in, tombstones out."""
    rows = list(rows)
    sqlite = conn.dialect.name == "sqlite"
    # FTS5 has no upsert: a record's previous row goes first.
    unindex(conn, [rid for rid, deleted, dc in rows if sqlite or deleted or dc is None])
    params = [{"rid": rid, **fields_of(dc)} for rid, deleted, dc in rows
              if not deleted and dc is not None]
    if params:
        conn.execute(_SQLITE_INSERT if sqlite else _PG_UPSERT, params)


def terms(query: str) -> list[str]:
    """The words of a person's query (letters and digits; all else separates them)."""
    return [w[:MAX_TERM_CHARS] for w in _WORD.findall(query.casefold())][:MAX_TERMS]


def match_expression(words: Sequence[str], dialect: str) -> str:
    """What to hand the engine's matcher for *words*, all of which must occur. SQLite: each
    word an FTS5 string ("..."), so no word is read as an operator or a column name;
    PostgreSQL: the text for plainto_tsquery, which reads no operators at all."""
    if dialect == "sqlite":
        return " ".join('"' + w.replace('"', '""') + '"' for w in words)
    return " ".join(words)


def compared(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name for comparing the database with store.models: the search
    index's tables (and FTS5's shadow tables) are made by revision 0006 alone."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))
