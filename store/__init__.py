"""The SQLAlchemy store of records, Dublin Core values, sets and harvest state.

Imports nothing from ``oai`` or ``schemas``: the protocol layer talks to it through
``store.types`` dataclasses and plain keyword arguments.
"""
from store.records import RecordStore, StoreError
from store.types import (
    DCValue, ListQuery, Origin, RecordDraft, RecordRow, SetInfo, StoredRecord, WriteCounts,
)

__all__ = [
    "DCValue", "ListQuery", "Origin", "RecordDraft", "RecordRow", "RecordStore", "SetInfo",
    "StoreError", "StoredRecord", "WriteCounts",
]
