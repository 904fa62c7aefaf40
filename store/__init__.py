"""The SQLAlchemy store of records, Dublin Core values, sets and harvest state.

Imports nothing from ``oai`` or ``schemas``: the protocol layer talks to it through the
dataclasses of ``store.record_types`` and ``store.harvest_types`` and plain keyword arguments.
``RecordStore`` is imported lazily, so importing the vocabulary does not pull in SQLAlchemy.

The house: ``database`` (the Database: engine, clock, reads, the writer), ``records`` (the
RecordStore façade), ``reads/`` (every read of the catalogue), ``writer`` and ``drafts`` (the
one write path), ``harvest_state``, ``harvest_writes`` and ``claims`` (harvest state),
``models`` and ``migrations/`` (the schema), ``migrate``, ``engines`` (per-engine tuning and
statements), ``syntax`` (the syntax rules every layer shares), ``errors``.
"""
from typing import TYPE_CHECKING

from store.errors import StoreError
from store.harvest_types import Checkpoint, RunInfo, SetAsideRecord, Source
from store.record_types import (
    DCValue,
    ListQuery,
    Origin,
    RecordDraft,
    RecordRow,
    SetInfo,
    StoredRecord,
    WriteCounts,
)

if TYPE_CHECKING:
    from store.records import RecordStore


def __getattr__(name: str):  # noqa: ANN202 - PEP 562 lazy attribute
    if name == "RecordStore":
        from store.records import RecordStore

        return RecordStore
    raise AttributeError(f"module 'store' has no attribute {name!r}")


__all__ = [
    "Checkpoint", "DCValue", "ListQuery", "Origin", "RecordDraft", "RecordRow", "RecordStore",
    "RunInfo", "SetAsideRecord", "SetInfo", "Source", "StoreError", "StoredRecord",
    "WriteCounts",
]
