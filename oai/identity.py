"""The repository's identity and the identifiers it gives: what Identify says about this
repository (``RepositoryIdentity``, decided once at startup and passed down: nothing below the
view reads configuration), and the oai-identifier rules every record name follows.

Identifiers (OAI-PMH 2.0 guidelines-oai-identifier): a record of ours is
``oai:<repository identifier>:<local identifier>``. The repository identifier is a domain name
(``check_repository_identifier``, the rule in ``store.syntax``). The local part may hold RFC 2396
unreserved and reserved characters; every other byte of its UTF-8 form is written ``%XX`` in
uppercase hex (``escape_local``). ``make_identifier`` turns what a file or an operator gives (a
local id, or an identifier that already is a URI) into a full item identifier; the importers
(``oai.ingest``) and the harvester's mapping of partner records (``oai.harvest.mapping``) both
name records with these functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from oai.datestamps import Granularity
from store.syntax import is_email, is_repository_identifier


@dataclass(frozen=True)
class RepositoryIdentity:
    repository_name: str
    admin_emails: tuple[str, ...]
    repository_identifier: str
    # None: the URL the harvester used (request.base_url), decided per request by the view.
    base_url: str | None = None
    # The store keeps whole-second datestamps, so seconds is our finest granularity (§3.3.2).
    granularity: Granularity = Granularity.SECONDS
    # §2.5.1: tombstones are kept for ever and revealed everywhere.
    deleted_record: str = "persistent"
    # §3.1.3/§4.2: extra encodings besides identity (which is never listed).
    compression: tuple[str, ...] = ("gzip", "deflate")
    page_size: int = 500

    def __post_init__(self) -> None:
        if not self.repository_name.strip():
            raise ValueError("the repository name is empty")
        if not self.admin_emails:
            raise ValueError("at least one admin email is needed (Identify, §4.2)")
        for email in self.admin_emails:
            if not is_email(email):
                raise ValueError(f"{email!r} is not an email address")
        check_repository_identifier(self.repository_identifier)
        if self.page_size < 1:
            raise ValueError("the page size must be at least 1")

    @property
    def sample_identifier(self) -> str:
        """An identifier in the oai-identifier syntax our catalogue uses."""
        return f"oai:{self.repository_identifier}:rec-0001"

    def at(self, base_url: str) -> RepositoryIdentity:
        """This identity with *base_url* filled in (when the configuration left it open)."""
        return self if self.base_url else replace(self, base_url=base_url)


# -- oai-identifiers ---------------------------------------------------------------------------
# RFC 3986 §3.1 scheme and its colon. Two characters at least, so that a Windows-style
# "C:thing" is not taken for a URI.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
# RFC 2396 unreserved (alphanum + mark) and reserved characters: allowed unescaped in the local
# identifier (guidelines-oai-identifier).
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
    (no URI has, and escaping it would silently name a different record). Whether a kept URI
    is a valid item identifier is the store's rule (``store.syntax.is_identifier``), checked
    when the record is written.
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
