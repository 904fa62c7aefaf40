"""Identifier, format and rights classification shared by the DC -> MARC 21 and DC -> MODS
crosswalks, and the normal forms the MARC/MODS/DataCite -> DC crosswalks write back.

Source tables: shared/docs/crosswalks.md §1 (rows identifier, format, rights), §3.1 (rows
identifier, format, rights), §2 and §3.3 (identifier: ``https://doi.org/…``, ``urn:isbn:…``,
``urn:issn:…``) and §6 "ISBN, ISSN vs other identifiers" (route by detected scheme: ISBN-10/13
checksum, ``NNNN-NNNX``, ``10.`` prefix, URL; strip qualifiers). Plain Python, no XML.
"""
from __future__ import annotations

import re
from typing import NamedTuple

DOI_RESOLVER = "https://doi.org/"
_URL = re.compile(r"(https?|ftp)://\S+\Z", re.IGNORECASE)
# A DOI given bare, as doi:…, or as a resolver URL (doi.org, dx.doi.org).
_DOI = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)\Z", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_HDL = re.compile(r"hdl:\s*(\S+/\S+)\Z", re.IGNORECASE)
_ISBN_LABEL = re.compile(r"(?:urn:isbn:|isbn(?:-1[03])?:?\s*)", re.IGNORECASE)
_ISSN_LABEL = re.compile(r"(?:urn:issn:|issn:?\s*)", re.IGNORECASE)
_ISBN_BODY = re.compile(r"([0-9][0-9\- ]{8,16}[0-9Xx])(?:\s*\(.*\))?\Z")
_ISSN = re.compile(r"(\d{4})-?(\d{3}[\dXx])\Z")


class Ident(NamedTuple):
    kind: str      # url, doi, hdl, urn, isbn, issn, other
    value: str     # the normal form for that kind (bare DOI, ISBN digits, NNNN-NNNX, ...)


def isbn_digits(text: str) -> str | None:
    """The ISBN-10 or ISBN-13 in *text* (hyphens, spaces, an ``ISBN`` label and a trailing
    qualifier such as "(pbk.)" allowed), as bare digits, when its check digit is right."""
    text = _ISBN_LABEL.sub("", text.strip(), count=1)
    m = _ISBN_BODY.match(text)
    if not m:
        return None
    digits = re.sub(r"[\- ]", "", m.group(1)).upper()
    if len(digits) == 10 and digits[:9].isdigit():
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return digits if total % 11 == 0 else None
    if len(digits) == 13 and digits.isdigit() and digits[:3] in ("978", "979"):
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return digits if total % 10 == 0 else None
    return None


def issn_form(text: str) -> str | None:
    """``NNNN-NNNX`` when *text* is an ISSN with a right check digit."""
    m = _ISSN.match(_ISSN_LABEL.sub("", text.strip(), count=1))
    if not m:
        return None
    digits = (m.group(1) + m.group(2)).upper()
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7]))
    check = (11 - total % 11) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        return None
    return f"{digits[:4]}-{digits[4:]}"


def classify(value: str) -> Ident:
    """Which scheme a dc:identifier (or dc:relation) value is in (§6 routing order)."""
    v = value.strip()
    doi = _DOI.match(v)
    if doi:
        return Ident("doi", doi.group(1))
    hdl = _HDL.match(v)
    if hdl:
        return Ident("hdl", hdl.group(1))
    if _URL.match(v):
        return Ident("url", v)
    isbn = isbn_digits(v)
    if isbn:
        return Ident("isbn", isbn)
    issn = issn_form(v)
    if issn:
        return Ident("issn", issn)
    if v.lower().startswith("urn:"):
        return Ident("urn", v)
    return Ident("other", v)


def is_url(value: str) -> bool:
    return _URL.match(value.strip()) is not None


# -- the normal forms written back into DC (§2 identifier row, §3.3 identifier row) -------------
def doi_url(doi: str) -> str:
    """``https://doi.org/`` + the DOI, whatever prefix it came with (doi:, a resolver URL)."""
    return DOI_RESOLVER + _DOI_PREFIX.sub("", doi.strip())


def isbn_urn(text: str) -> str | None:
    """``urn:isbn:…`` for an ``020 $a`` / MODS isbn (qualifier dropped), None if no ISBN."""
    digits = isbn_digits(text) or _loose_isbn(text)
    return f"urn:isbn:{digits}" if digits else None


def _loose_isbn(text: str) -> str | None:
    # Harvested data keeps ISBNs whose check digit is wrong; still an ISBN, just not a valid
    # one: keep its digits rather than lose it (only for reading, never for routing).
    m = re.match(r"\s*(?:isbn:?\s*)?([0-9][0-9\-]{8,16}[0-9Xx])", text, re.IGNORECASE)
    return re.sub(r"-", "", m.group(1)).upper() if m else None


def issn_urn(text: str) -> str:
    return f"urn:issn:{issn_form(text) or text.strip()}"


# -- format and rights --------------------------------------------------------------------------
_MIME = re.compile(r"[a-z]+/[A-Za-z0-9][\w.+\-]*(\s*;.*)?\Z")


def format_kind(value: str) -> str:
    """``mime`` (``type/subtype``), ``extent`` ("12 p.", "3 MB": has a number) or ``medium``
    (§1 format row; §3.1 format row: internetMediaType / extent / form)."""
    v = value.strip()
    if _MIME.match(v.lower()):
        return "mime"
    return "extent" if re.search(r"\d", v) else "medium"


def is_access_statement(value: str) -> bool:
    """An access-rights statement rather than a licence (§1 rights: access -> ``506``; §3.1:
    accessCondition "restriction on access"): the COAR/eu-repo access terms."""
    v = value.strip().lower()
    return v.startswith("info:eu-repo/semantics/") and v.endswith("access")
