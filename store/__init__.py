"""The SQLAlchemy store of records, Dublin Core values, sets and harvest state.

Imports nothing from ``oai`` or ``schemas``: the protocol layer talks to it through
``store.types`` dataclasses and plain keyword arguments. ``RecordStore`` is imported lazily, so
``import store.types`` (the shared vocabulary) does not pull in SQLAlchemy.
"""
from typing import TYPE_CHECKING

from store.errors import StoreError
from store.types import (
    Checkpoint, DCValue, ListQuery, Origin, RecordDraft, RecordRow, RunInfo, SetAsideRecord,
    SetInfo, Source, StoredRecord, WriteCounts,
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
