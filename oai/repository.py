"""RecordSource: the reads the verb handlers need from storage.

``store.RecordStore`` satisfies it structurally, so the protocol layer can be tested against
any object with these methods and ``store`` never imports ``oai``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from store.record_types import FoundRecord, ListQuery, RecordRow, SetInfo


class RecordSource(Protocol):
    def earliest_datestamp(self) -> datetime | None: ...

    def get_record(self, identifier: str, prefix: str) -> RecordRow | None: ...

    def find_record(self, identifier: str, prefix: str) -> FoundRecord | None: ...

    def record_formats(self, identifier: str) -> list[str] | None: ...

    def list_page(self, query: ListQuery, *, after: tuple[datetime, str] | None, limit: int,
                  with_metadata: bool = True) -> list[RecordRow]: ...

    def count(self, query: ListQuery) -> int: ...

    def has_sets(self) -> bool: ...

    def set_exists(self, spec: str) -> bool: ...

    def list_sets(self, *, after: str | None, limit: int) -> list[SetInfo]: ...

    def count_sets(self) -> int: ...
