"""The vocabulary of importing: what every reader yields (SourceItem), the one error every
import problem becomes (IngestError), and the item identifiers records are given.

A reader knows where each item came from (``line 14``, ``record 3 (line 57)``) but not the
repository it is going into; the catalogue service turns items into store drafts.

Identifiers: a URI is kept; a local id becomes ``oai:<namespace-identifier>:<local-identifier>``
(OAI-PMH 2.0 guidelines-oai-identifier). The local part may hold RFC 2396 unreserved and
reserved characters; every other byte of its UTF-8 form is written ``%XX`` in uppercase hex.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from store.syntax import is_repository_identifier
from store.types import DCValue


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


# -- identifiers ------------------------------------------------------------------------------
DEFAULT_REPOSITORY_IDENTIFIER = "granary.example.org"

# RFC 3986 §3.1 scheme and its colon. Two characters at least, so that a Windows-style
# "C:thing" is not taken for a URI.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# RFC 2396 unreserved (alphanum + mark) and reserved characters: allowed unescaped.
_ALLOWED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "-_.!~*'()" ";/?:@&=+$,")


def check_repository_identifier(value: str) -> str:
    """*value* if it is a domain name usable as an oai-identifier namespace, else ValueError."""
    if not is_repository_identifier(value):
        raise ValueError(f"repository identifier {value!r} is not a domain name "
                         "(like granary.example.org)")
    return value


def escape_local(local: str) -> str:
    """The local id with every character outside the allowed set %-escaped (UTF-8, uppercase).

    ``%`` itself is escaped too: a local id from a file is text, not an already-escaped URI.
    """
    out: list[str] = []
    for ch in local:
        if ch in _ALLOWED:
            out.append(ch)
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def is_uri(value: str) -> bool:
    """True when *value* starts with a URI scheme (``oai:``, ``http:``, ``urn:``, ``hdl:``)."""
    return bool(_SCHEME.match(value))


def make_identifier(value: str, repository_identifier: str) -> str:
    """The full item identifier for *value* as a file gives it.

    OAI-PMH §2.4: the identifier must be a URI. One that already is a URI is kept verbatim;
    a bare local id becomes ``oai:<repository_identifier>:<escaped local id>``.
    Raises ValueError for an empty value, or a URI that has spaces or control characters
    (no URI has, and escaping it would silently name a different record).
    """
    value = value.strip()
    if not value:
        raise ValueError("the identifier is empty")
    if is_uri(value):
        if _SPACE_OR_CONTROL.search(value) or value.endswith(":"):
            raise ValueError(f"identifier {value!r} starts like a URI but is not one "
                             "(URIs have no spaces or control characters and go on after "
                             "the scheme)")
        return value
    return f"oai:{repository_identifier}:{escape_local(value)}"
