"""The vocabulary of importing: what every reader yields (SourceItem) and the one error every
import problem becomes (IngestError).

A reader knows where each item came from (``line 14``, ``record 3 (line 57)``) but not the
repository it is going into; the catalogue service (``oai.ingest.catalog``) turns items into
store drafts, naming each record by the oai-identifier rules of ``oai.identity``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from store.record_types import DCValue


class IngestError(Exception):
    """A file that cannot be imported: names the file, the place in it and the problem."""

    def __init__(self, path: str | os.PathLike[str], location: str | None, problem: str) -> None:
        self.path = os.fspath(path)
        self.location = location
        self.problem = problem
        where = f"{self.path}, {location}" if location else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One record as a file states it, before it is given a full OAI identifier."""

    identifier: str                 # a local id or a URI, verbatim from the file
    location: str                   # for error messages: "line 14", "record 3 (line 57)"
    dc: tuple[DCValue, ...] = ()
    sets: tuple[str, ...] = ()      # direct setSpecs, unchecked
    deleted: bool = False
    # The record's own metadata when it came in a format we serve (a MARC record): kept and
    # served verbatim under that prefix; every other format is rendered from ``dc``.
    own_format: str | None = None
    own_xml: bytes | None = None
