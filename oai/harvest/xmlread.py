"""Reading a partner's bytes as XML: safely, and with one repair only.

The parser resolves no entities, loads no DTD and never touches the network, and a document
that declares a DTD at all is refused (``UnsafeDocument``): OAI-PMH responses have none
(§3.2), so a DOCTYPE is at best noise and at worst a billion-laughs or XXE attack. The bytes
go to lxml as they are, so the XML's own BOM and declaration decide the encoding (XML 1.0
§4.3.3); the HTTP Content-Type charset is never consulted (partners get it wrong).

The one repair: characters XML 1.0 §2.2 forbids (raw control characters and their ``&#11;``
style references, SHARE#142, pucrio) are removed - those and nothing else. To say which record
each came from, every removed character is first replaced by a noncharacter placeholder
(U+FDD0..U+FDEF, legal in XML text but never in names); ``Repairs.take`` later strips the
placeholders from a record's values and counts them. Anything else that is not well-formed
(undefined entities, truncated bodies, bad encodings) is a ``BrokenPage`` with a ``kind``.
"""
from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from oai.harvest.errors import BrokenPage, NotOAIResponse, UnsafeDocument

_CONTROL = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
# One placeholder per forbidden character; the last stands for references to surrogates or
# to values beyond U+10FFFF (which no str can hold).
_FORBIDDEN = _CONTROL + [0xFFFE, 0xFFFF]
OTHER = -1
_SLOTS = _FORBIDDEN + [OTHER]
_PLACEHOLDER = {code: chr(0xFDD0 + i) for i, code in enumerate(_SLOTS)}
_SLOT_OF = {ph: code for code, ph in _PLACEHOLDER.items()}
_PLACEHOLDER_RE = re.compile("[\ufdd0-\ufdef]")
_RAW_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REF_RE = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
_DECL_RE = re.compile(r"\A\s*<\?xml[^>]*\?>")
_ENCODING_RE = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:\-]*)")


def _forbidden(value: int) -> bool:
    return value in _PLACEHOLDER or 0xD800 <= value <= 0xDFFF or value > 0x10FFFF


@dataclass
class Repairs:
    """The characters removed from one document, by placeholder, until records claim them."""

    found: Counter = field(default_factory=Counter)     # code -> how many were removed
    claimed: Counter = field(default_factory=Counter)
    attributable: bool = True

    def take(self, text: str) -> tuple[str, list[int]]:
        """*text* without placeholders, and the codes they stood for (in order)."""
        if not text or not self.found or not self.attributable:
            return text, []
        codes = [_SLOT_OF[ph] for ph in _PLACEHOLDER_RE.findall(text)]
        if codes:
            self.claimed.update(codes)
            text = _PLACEHOLDER_RE.sub("", text)
        return text, codes

    def take_bytes(self, data: bytes) -> tuple[bytes, list[int]]:
        """Like ``take`` for UTF-8 serialized XML (a record's metadata or about)."""
        if not self.found or not self.attributable:
            return data, []
        text, codes = self.take(data.decode("utf-8"))
        return (text.encode("utf-8") if codes else data), codes

    def unclaimed(self) -> list[int]:
        """Codes removed outside any record (or not attributable at all)."""
        return sorted((self.found - self.claimed).elements())


@dataclass
class Document:
    root: etree._Element
    repairs: Repairs


def _parser() -> etree.XMLParser:
    # A fresh parser per document: its error_log then describes this document only.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, dtd_validation=False,
                           no_network=True, huge_tree=False, collect_ids=False)


def read_xml(body: bytes, url: str | None = None) -> Document:
    """Parse *body*; raise NotOAIResponse, UnsafeDocument or BrokenPage when we cannot."""
    body = _strip_leading_space(body)
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise NotOAIResponse(f"{url}: the answer is an HTML page, not OAI-PMH XML", url)
    try:
        return Document(_checked(etree.fromstring(body, _parser()), body, url), Repairs())
    except etree.XMLSyntaxError:
        pass
    text = _decode(body, url)
    if "<!DOCTYPE" in text[:4096] or "<!ENTITY" in text:
        raise UnsafeDocument(f"{url}: refused, the answer declares a DTD or entities "
                             "(OAI-PMH responses have none)", url, body=body)
    repaired, repairs = _substitute(text)
    # Text without its declaration, as UTF-8: lxml's default, whatever the partner used.
    data = _DECL_RE.sub("", repaired, count=1).encode("utf-8")
    if not repairs.found:
        raise _broken(data, body, url)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        raise _broken(data, body, url) from None
    return Document(_checked(root, body, url), repairs)


def _strip_leading_space(body: bytes) -> bytes:
    # Whitespace before the declaration is fatal to libxml2 ("XML declaration allowed only at
    # the start") but harmless to the meaning; after a BOM it is left for the parser to judge.
    stripped = body.lstrip(b" \t\r\n")
    return stripped if stripped.startswith(b"<?xml") else body


def _checked(root: etree._Element, body: bytes, url: str | None) -> etree._Element:
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise UnsafeDocument(f"{url}: refused, the answer declares a DTD "
                             "(OAI-PMH responses have none; entities were not expanded)",
                             url, body=body)
    return root


def _decode(body: bytes, url: str | None) -> str:
    """The text of *body* by its BOM, else its declaration, else UTF-8 (XML 1.0 §4.3.3)."""
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"))
    for bom, codec in boms:  # noqa: B007 - the codec found is used after the loop
        if body.startswith(bom):
            break
    else:
        match = _ENCODING_RE.match(body)
        codec = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return body.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise BrokenPage(f"{url}: the answer is not valid {codec} ({exc})", url,
                         kind="encoding", body=body) from None


def _substitute(text: str) -> tuple[str, Repairs]:
    """Replace each forbidden character or reference by its placeholder.

    When the partner's own text already holds noncharacters from the placeholder range, they
    could not be told apart: the forbidden characters are then simply removed, and the
    repairs are reported for the page rather than per record.
    """
    repairs = Repairs(attributable=_PLACEHOLDER_RE.search(text) is None)

    def mark(code: int) -> str:
        repairs.found[code] += 1
        return _PLACEHOLDER[code] if repairs.attributable else ""

    def ref(match: re.Match) -> str:
        hexa, dec = match.groups()
        value = int(hexa, 16) if hexa else int(dec)
        if not _forbidden(value):
            return match.group(0)
        return mark(value if value in _PLACEHOLDER else OTHER)

    text = _RAW_RE.sub(lambda m: mark(ord(m.group(0))), text)
    return _REF_RE.sub(ref, text), repairs


def _broken(data: bytes, body: bytes, url: str | None) -> BrokenPage:
    """A BrokenPage whose kind says what is wrong with *data* (the body, repaired as far as
    we dare); the original *body* is kept for quarantine."""
    parser = _parser()
    try:
        etree.fromstring(data, parser)
        detail = "unknown error"
    except etree.XMLSyntaxError as exc:
        detail = str(exc)
    types = {entry.type_name for entry in parser.error_log}
    if not _root_closed(data):
        kind = "truncated"
    elif "ERR_UNDECLARED_ENTITY" in types or "not defined" in detail:
        kind = "undefined-entity"
    elif "ERR_INVALID_ENCODING" in types or "encoding" in detail.lower():
        kind = "encoding"
    else:
        kind = "not-well-formed"
    return BrokenPage(f"{url}: the answer is not well-formed XML ({kind}: {detail})", url,
                      kind=kind, body=body)


def _root_closed(data: bytes) -> bool:
    """Whether *data* ends with the end tag of the element it opened first (the root, as
    prolog PIs, comments and DOCTYPEs are skipped by the name pattern)."""
    match = _ROOT_RE.search(data)
    if match is None:
        return False
    end = re.compile(rb"</" + re.escape(match.group(1)) + rb"\s*>\s*\Z")
    return end.search(data[-512:]) is not None


def describe(codes: list[int]) -> str:
    """``U+000B, U+000B`` style text for a list of removed codes."""
    return ", ".join("U+D800-DFFF/out of range" if c == OTHER else f"U+{c:04X}" for c in codes)
