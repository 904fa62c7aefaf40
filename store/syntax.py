"""The syntax rules every layer shares, each written once: setSpec, metadataPrefix, harvest
source name, item identifier, repository identifier, e-mail address, the characters XML forbids,
and the datestamp grain and its text forms.

The store checks what it is given with these, the protocol layer checks request arguments with
them, the importers and the harvester check what they read with them: a value one layer accepts
is never refused by another. Plain Python (no SQLAlchemy, no XML), so anything may import it.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TypeGuard

# -- characters ---------------------------------------------------------------------------------
# XML 1.0 §2.2 Char production: everything outside it is removed at write time, except that
# TAB, LF and CR are legal and kept. Lone surrogates cannot reach us from UTF-8 input, but a
# Python str can hold them, so they are removed as well.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Return *text* without the characters XML 1.0 forbids (TAB, LF and CR are kept)."""
    return _XML_ILLEGAL.sub("", text)


def has_illegal_xml_chars(text: str) -> bool:
    return _XML_ILLEGAL.search(text) is not None


# -- setSpec and metadataPrefix -------------------------------------------------------------------
# OAI-PMH.xsd setSpecType: colon-separated tokens of URI-unreserved characters.
_SETSPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
# OAI-PMH.xsd metadataPrefixType.
_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")


def is_setspec(spec: object) -> TypeGuard[str]:
    return isinstance(spec, str) and _SETSPEC.match(spec) is not None


def is_metadata_prefix(prefix: object) -> TypeGuard[str]:
    return isinstance(prefix, str) and _PREFIX.match(prefix) is not None


def set_ancestors(spec: str) -> list[str]:
    """``a:b:c`` -> ``["a", "a:b", "a:b:c"]``: a record in a set is also in each ancestor (§2.6)."""
    parts = spec.split(":")
    return [":".join(parts[: i + 1]) for i in range(len(parts))]


# -- harvest source names -------------------------------------------------------------------------
# A source's name becomes part of the set ``partner:<name>`` and of identifiers, so it is one
# setSpec token (OAI-PMH.xsd setSpecType) that starts with a letter or digit.
SOURCE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
MAX_SOURCE_NAME = 64


def is_source_name(name: object) -> TypeGuard[str]:
    return (isinstance(name, str) and len(name) <= MAX_SOURCE_NAME
            and SOURCE_NAME_RE.match(name) is not None)


# -- item identifiers -----------------------------------------------------------------------------
# OAI-PMH §2.4: an item identifier uses URI syntax: RFC 3986 characters, '%' only as an escape,
# at most one fragment; non-ASCII letters allowed as in IRIs (RFC 3987). The same rule decides
# what the store keeps and what a request may ask for, so every stored record can be asked for,
# and echoing an accepted argument in <request identifier=...> (xs:anyURI) stays schema-valid.
_URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2}|[^\x00-\x7f\s])"
_IDENTIFIER = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:{_URI_CHAR}+(?:#{_URI_CHAR}*)?\Z")
# A btree entry on PostgreSQL must stay under ~2.7 kB; real identifiers are far shorter.
MAX_IDENTIFIER_BYTES = 1024


def is_identifier(value: object) -> TypeGuard[str]:
    return (isinstance(value, str) and _IDENTIFIER.match(value) is not None
            and not has_illegal_xml_chars(value)
            and len(value.encode("utf-8", "surrogatepass")) <= MAX_IDENTIFIER_BYTES)


# -- repository identity --------------------------------------------------------------------------
# oai-identifier.xsd repositoryIdentifierType: a domain name; the pattern public validators
# check (conformance B8).
_REPOSITORY_IDENTIFIER = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+\Z")
# OAI-PMH.xsd emailType.
_EMAIL = re.compile(r"\S+@(\S+\.)+\S+\Z")


def is_repository_identifier(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _REPOSITORY_IDENTIFIER.match(value) is not None


def is_email(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _EMAIL.match(value) is not None


# -- datestamps -----------------------------------------------------------------------------------
# OAI-PMH §3.3: UTC datestamps in one of two granularities. Ours are whole seconds.
SECONDS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DAY_FORMAT = "%Y-%m-%d"


def utc_seconds(moment: datetime) -> datetime:
    """*moment* as an aware UTC datetime with no fractional seconds (our datestamp grain).
    A naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def seconds_text(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for *moment* in UTC; fractions are dropped (§3.3.2)."""
    return utc_seconds(moment).strftime(SECONDS_FORMAT)
