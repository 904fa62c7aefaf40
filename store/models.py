"""The store's tables (SQLAlchemy Core). The migrations in ``store/migrations/versions`` create
exactly this schema; ``tests/store/test_migrations.py`` checks the two never drift apart.
How a value is held in its column (epoch seconds, space-separated setSpecs) is converted here
too (``to_epoch``, ``from_epoch``, ``split_specs``).

Datestamps are BIGINT seconds since the epoch, UTC: one integer compares, indexes and converts
the same on both engines, and our granularity is whole seconds (§3.3.2). The harvest tables
(revision 0002) keep partners' dates as the partner wrote them (text) and our own times as
epoch seconds too. Text columns that take
part in keyset ordering use the "C" collation on PostgreSQL, so (datestamp, identifier) order is
plain code-point order on both engines and a locale can never reorder pages.

The record child tables (disseminations, record_sets, record_origins) hold a
record_id with no foreign key (revision 0003): the writer is their only writer and uses ids
of the same transaction, and records are never deleted (a deletion is a tombstone), while a
key check per child row was most of a bulk import's time on PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


def key_text() -> Text:
    """Text compared in keyset order: byte order ("C" collation) on PostgreSQL, BINARY on SQLite."""
    return Text().with_variant(Text(collation="C"), "postgresql")


def row_id() -> BigInteger:
    # INTEGER PRIMARY KEY on SQLite is the rowid itself; BIGINT elsewhere (a million-record
    # catalogue re-imported often must not run out of ids).
    return BigInteger().with_variant(Integer(), "sqlite")


# -- how values are held in the columns ------------------------------------------------------
def to_epoch(moment: datetime) -> int:
    """A datestamp column's value for *moment* (a naive datetime is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    """The aware UTC datetime a datestamp column's value stands for."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def split_specs(text: str) -> tuple[str, ...]:
    """The setSpecs of a records.set_specs value."""
    return tuple(text.split())


repository_meta = Table(
    "repository_meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

records = Table(
    "records", metadata,
    Column("id", row_id(), primary_key=True, autoincrement=True),
    Column("identifier", key_text(), nullable=False, unique=True),
    Column("datestamp", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    # The direct setSpecs, minimal (no ancestor of another listed spec), sorted, space-separated:
    # what a header carries (§2.6), read without touching record_sets.
    Column("set_specs", Text, nullable=False),
    Column("content_hash", LargeBinary, nullable=False),
    Column("about", LargeBinary, nullable=True),
    # The Dublin Core values in order, as compact JSON [[element, value, lang], ...] (lang
    # null when none was given); NULL for a tombstone. Read and written only whole, a record
    # at a time, so one column instead of a row per value (revision 0004; store/drafts.py
    # encodes it).
    Column("dc", Text, nullable=True),
    # The prefix of the record's own metadata, served verbatim and never re-rendered from its
    # Dublin Core (a harvested or imported MARC record); NULL when every format is rendered
    # (revision 0007).
    Column("own_prefix", Text, nullable=True),
    Index("ix_records_datestamp_identifier", "datestamp", "identifier"),
)

# One row per (record, format) ever disseminated. OAI-PMH §2.5.1: deletion is per record, i.e.
# per (identifier, metadataPrefix); a withdrawn format or a tombstone keeps its row with xml
# NULL and deleted true, so harvests of that prefix keep seeing the deletion (persistent).
# ``deleted`` mirrors ``xml IS NULL`` so a header-only page never has to touch the blob.
# Every list names a prefix, so, as in record_sets, the record's datestamp and identifier are
# copied here: a list page is one range scan of (prefix, datestamp, identifier) in key order,
# whatever share of the catalogue has the format, and no planner can pick a scan and a sort.
disseminations = Table(
    "disseminations", metadata,
    Column("record_id", row_id(), nullable=False),
    Column("prefix", key_text(), nullable=False),
    Column("datestamp", BigInteger, nullable=False),
    Column("identifier", key_text(), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("xml", LargeBinary, nullable=True),
    PrimaryKeyConstraint("record_id", "prefix"),
    CheckConstraint("(xml IS NULL) = deleted", name="xml_deleted"),
    Index("ix_disseminations_prefix_datestamp_identifier", "prefix", "datestamp", "identifier"),
)

# How many records each list holds: per prefix (set_spec "") and per (prefix, set), counted
# as the list queries count them (a record's row in disseminations, deleted or not, and in
# record_sets for a set). The writer keeps them in step in its own transaction (revision
# 0005), so the first page of a list says completeListSize without counting a million rows.
list_sizes = Table(
    "list_sizes", metadata,
    Column("prefix", key_text(), nullable=False),
    Column("set_spec", key_text(), nullable=False),     # "": the whole repository
    Column("records", BigInteger, nullable=False),
    PrimaryKeyConstraint("prefix", "set_spec"),
)

sets = Table(
    "sets", metadata,
    Column("spec", key_text(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
)

# Every set a record is in, ancestors included (the closure), with copies of the record's
# datestamp and identifier: set=X (which includes X's descendants, §2.6) is then one index
# range scan on (set_spec, datestamp, identifier), with no DISTINCT and no sort.
record_sets = Table(
    "record_sets", metadata,
    Column("record_id", row_id(), nullable=False),
    Column("set_spec", key_text(), ForeignKey("sets.spec"), nullable=False),
    Column("direct", Boolean, nullable=False),
    Column("datestamp", BigInteger, nullable=False),
    Column("identifier", key_text(), nullable=False),
    PrimaryKeyConstraint("record_id", "set_spec"),
    Index("ix_record_sets_set_spec_datestamp_identifier", "set_spec", "datestamp", "identifier"),
    sqlite_with_rowid=False,
)

# Provenance of a harvested record (store.record_types.Origin), as the partner gave it.
record_origins = Table(
    "record_origins", metadata,
    Column("record_id", row_id(), primary_key=True),
    Column("source", Text, nullable=False),
    Column("base_url", Text, nullable=False),
    Column("identifier", Text, nullable=False),
    Column("datestamp", Text, nullable=False),
    Column("metadata_namespace", Text, nullable=False),
    Column("harvest_date", Text, nullable=False),
    Column("altered", Boolean, nullable=False),
    Column("raw_metadata", LargeBinary, nullable=True),
    Column("about", LargeBinary, nullable=True),
    Index("ix_record_origins_source_identifier", "source", "identifier"),
)


# -- harvest state (revision 0002) -------------------------------------------------------------
def _source_fk() -> ForeignKey:
    return ForeignKey("harvest_sources.name", ondelete="CASCADE")


def _run_fk() -> ForeignKey:
    return ForeignKey("harvest_runs.id", ondelete="CASCADE")


harvest_sources = Table(
    "harvest_sources", metadata,
    Column("name", key_text(), primary_key=True),
    Column("base_url", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("sets", Text, nullable=False),          # partner setSpecs, space-separated
    Column("delay", Float, nullable=False),
    Column("watermark", Text, nullable=True),      # a partner responseDate, verbatim
    Column("created", BigInteger, nullable=False),
)

harvest_runs = Table(
    "harvest_runs", metadata,
    Column("id", row_id(), primary_key=True, autoincrement=True),
    Column("source", key_text(), _source_fk(), nullable=False),
    Column("status", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("from_", Text, nullable=True),
    Column("until", Text, nullable=True),
    Column("added", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("deleted", Integer, nullable=False),
    Column("set_aside", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("message", Text, nullable=True),
    Column("first_response_date", Text, nullable=True),
    Column("started", BigInteger, nullable=False),
    Column("finished", BigInteger, nullable=True),
    Index("ix_harvest_runs_source_id", "source", "id"),
)

# One row per list (the whole repository, or one partner set) of a source: where its
# harvest stands. Upserted in the transaction of the page it follows.
harvest_checkpoints = Table(
    "harvest_checkpoints", metadata,
    Column("source", key_text(), _source_fk(), nullable=False),
    Column("list_key", key_text(), nullable=False),
    Column("run_id", row_id(), _run_fk(), nullable=False),
    Column("verb", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("set_spec", Text, nullable=True),
    Column("from_", Text, nullable=True),
    Column("until", Text, nullable=True),
    Column("token", Text, nullable=True),
    Column("pages", Integer, nullable=False),
    Column("records", Integer, nullable=False),
    Column("last_datestamp", Text, nullable=True),
    Column("ordered", Boolean, nullable=False),
    PrimaryKeyConstraint("source", "list_key"),
    Index("ix_harvest_checkpoints_run_id", "run_id"),
)

# Records a run could not take, one row each, in the order met. The identifier is the
# partner's, when it gave one.
harvest_set_aside = Table(
    "harvest_set_aside", metadata,
    Column("id", row_id(), primary_key=True, autoincrement=True),
    Column("run_id", row_id(), _run_fk(), nullable=False),
    Column("identifier", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("datestamp", Text, nullable=True),
    Index("ix_harvest_set_aside_run_id", "run_id"),
)

# One row per source, the target of claims (store/claims.py). PostgreSQL: a harvest holds
# this row FOR UPDATE for its whole run and nothing else ever writes it, so page commits never
# wait on it; the lease columns stay NULL. SQLite: the lease itself (wall-clock seconds).
harvest_claims = Table(
    "harvest_claims", metadata,
    Column("source", key_text(), _source_fk(), primary_key=True),
    Column("owner", Text, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("host", Text, nullable=True),
    Column("token", Text, nullable=True),
    Column("claimed", BigInteger, nullable=True),
    Column("expires", BigInteger, nullable=True),
)

# Metadata formats learnt from partners, which harvested records are served in.
harvest_formats = Table(
    "harvest_formats", metadata,
    Column("prefix", key_text(), primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("schema", Text, nullable=False),
)
