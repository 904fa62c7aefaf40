"""Kept for imports not yet moved: every name ``store.types`` used to define, re-exported from
its home. The record vocabulary is in store/record_types.py, the harvest vocabulary in
store/harvest_types.py, the syntax rules in store/syntax.py. Import from those; this module
goes once the last import elsewhere has moved.
"""
from __future__ import annotations

from store.harvest_types import (
    RUN_MODES,
    RUN_STATUSES,
    Checkpoint,
    RunInfo,
    RunMode,
    RunStatus,
    SetAsideRecord,
    Source,
)
from store.record_types import (
    DC_ELEMENTS,
    DCValue,
    ListQuery,
    Origin,
    RecordDraft,
    RecordRow,
    SetInfo,
    StoredRecord,
    WriteCounts,
)
from store.syntax import (
    MAX_SOURCE_NAME,
    SOURCE_NAME_RE,
    clean_text,
    has_illegal_xml_chars,
    set_ancestors,
    utc_seconds,
)
from store.syntax import is_setspec as is_valid_setspec
from store.syntax import is_source_name as is_valid_source_name

__all__ = [
    "DC_ELEMENTS", "MAX_SOURCE_NAME", "RUN_MODES", "RUN_STATUSES", "SOURCE_NAME_RE",
    "Checkpoint", "DCValue", "ListQuery", "Origin", "RecordDraft", "RecordRow", "RunInfo",
    "RunMode", "RunStatus", "SetAsideRecord", "SetInfo", "Source", "StoredRecord",
    "WriteCounts", "clean_text", "has_illegal_xml_chars", "is_valid_setspec",
    "is_valid_source_name", "set_ancestors", "utc_seconds",
]
