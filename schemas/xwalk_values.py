"""Value rules shared by the MARC 21, MODS, DataCite and qualified DC crosswalks: text
cleaning in both directions, xml:lang, language codes, dates and DCMI Type terms.

Source tables: shared/docs/crosswalks.md §6 (Pitfalls: empty values, whitespace, xml:lang,
language codes, dates, characters XML forbids, MARC-8 vs UTF-8) and §1.4 (DCMI Type terms).
The XML character rule itself lives in store/syntax.py (``clean_text``); this module only
calls it. Plain Python, no XML.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Iterable, TypeVar

from store.record_types import DCValue
from store.syntax import clean_text

log = logging.getLogger(__name__)
T = TypeVar("T")


class CrosswalkError(ValueError):
    """Input a crosswalk cannot read (wrong root element, a deleted MARC record, ...)."""


# -- text -----------------------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")
# Two UTF-8 lead bytes read as Latin-1 ("Ã©" for "é", "Ã¼" for "ü"): double-encoded UTF-8.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


def out_text(value: object) -> str:
    """A value on its way into XML: without the characters XML 1.0 forbids (§6: "remove them
    before building the tree") and without surrounding whitespace; "" means skip it."""
    return clean_text(str(value or "")).strip()


def by_element(values: Iterable[DCValue]) -> dict[str, list[DCValue]]:
    """The values on their way out (``out_text``), grouped by element in their order; empty
    ones skipped (§6 Empty values, §1.5)."""
    by: dict[str, list[DCValue]] = {}
    for v in values:
        text = out_text(v.value)
        if text:
            # Most values are clean already: the value itself, not a copy made again.
            by.setdefault(v.element, []).append(
                v if text == v.value else DCValue(v.element, text, v.lang))
    return by


def in_text(text: str | None, *, lines: bool = False) -> str:
    """Text read from a partner's XML: NFC, double-encoded UTF-8 repaired, whitespace collapsed
    (§6 "Whitespace in MARCXML": indentation is layout), forbidden characters removed. With
    *lines* (descriptions), line breaks are content: each line is collapsed on its own and
    runs of blank lines become one."""
    if not text:
        return ""
    # Forbidden characters go first: a vertical tab is not a space to collapse, it is removed.
    # NFC: MARC-8 conversions give combining accents (§6 MARC-8 vs UTF-8).
    text = unicodedata.normalize("NFC", clean_text(text))
    if _MOJIBAKE.search(text):
        try:
            repaired = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass                                # not mojibake after all: keep it as it is
        else:
            log.info("repaired double-encoded UTF-8: %r -> %r", text[:40], repaired[:40])
            text = repaired
    if lines:
        kept = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
        text = _BLANK_RUNS.sub("\n\n", "\n".join(kept))
        return text.strip()
    return _SPACES.sub(" ", text).strip()


_XS_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*\Z")


def xml_lang(lang: str | None) -> str | None:
    """An xml:lang value the schemas accept (xs:language, BCP 47 shape), or None.
    §6 xml:lang: DSpace stores ``en_US``; replace ``_`` with ``-``."""
    if not lang:
        return None
    lang = out_text(lang).replace("_", "-")
    return lang if _XS_LANGUAGE.match(lang) else None


# -- languages ------------------------------------------------------------------------------------
# §6 Language codes: ISO 639-1 -> MARC (ISO 639-2/B) code. The first ten are the doc's table.
MARC_OF_ISO1 = {
    "en": "eng", "de": "ger", "fr": "fre", "es": "spa", "it": "ita", "nl": "dut", "pt": "por",
    "ru": "rus", "zh": "chi", "ja": "jpn", "ar": "ara", "ko": "kor", "pl": "pol", "sv": "swe",
    "da": "dan", "no": "nor", "nb": "nob", "nn": "nno", "fi": "fin", "cs": "cze", "sk": "slo",
    "hu": "hun", "el": "gre", "tr": "tur", "he": "heb", "la": "lat", "ca": "cat", "eu": "baq",
    "gl": "glg", "ro": "rum", "bg": "bul", "uk": "ukr", "hr": "hrv", "sr": "srp", "sl": "slv",
    "et": "est", "lv": "lav", "lt": "lit", "is": "ice", "ga": "gle", "cy": "wel", "fa": "per",
    "hi": "hin", "id": "ind", "ms": "may", "th": "tha", "vi": "vie", "sq": "alb", "hy": "arm",
    "ka": "geo", "mk": "mac", "af": "afr", "sw": "swa", "eo": "epo",
}
# §6: MARC uses the B codes, not the T codes.
MARC_OF_ISO2T = {
    "deu": "ger", "fra": "fre", "nld": "dut", "zho": "chi", "ces": "cze", "ell": "gre",
    "slk": "slo", "ron": "rum", "eus": "baq", "isl": "ice", "cym": "wel", "fas": "per",
    "msa": "may", "sqi": "alb", "hye": "arm", "kat": "geo", "mkd": "mac", "mya": "bur",
    "bod": "tib", "mri": "mao",
}
MARC_CODES = frozenset(MARC_OF_ISO1.values()) | {"und", "mul", "zxx", "mis", "bur", "tib", "mao"}
_BCP47 = re.compile(r"([a-z]{2})(-[A-Za-z0-9]{2,8})*\Z")


def marc_language(value: str) -> str | None:
    """The MARC language code for a dc:language value (``en``, ``en-GB``, ``eng``, ``deu``),
    or None for free text (§6: unknown -> 546 text and 008/35-37 ``und``)."""
    v = value.strip().replace("_", "-")
    low = v.lower()
    if low in MARC_CODES:
        return low
    if low in MARC_OF_ISO2T:
        return MARC_OF_ISO2T[low]
    m = _BCP47.match(low)
    return MARC_OF_ISO1.get(m.group(1)) if m else None


def is_bcp47_code(value: str) -> bool:
    """``en``, ``pt-BR``: a two-letter primary subtag with optional subtags (MODS rfc5646)."""
    return _BCP47.match(value.strip().replace("_", "-").lower()) is not None


# -- dates ----------------------------------------------------------------------------------------
# W3CDTF (the DC recommendation, §6 Dates): YYYY, YYYY-MM, YYYY-MM-DD, or a date-time with zone.
W3CDTF = re.compile(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?\Z")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_RANGE = re.compile(r"(\d{4})\S*\s*[/-]\s*(\d{4})\S*\Z")
_YEAR_RANGE = re.compile(r"\d{4}\s*-\s*\d{4}\Z")


def is_w3cdtf(value: str) -> bool:
    return W3CDTF.match(value.strip()) is not None


def date_for_008(value: str | None) -> tuple[str, str, str]:
    """(008/06, 008/07-10, 008/11-14) for a dc:date (crosswalks.md §1.2; MARC bd008 Type of
    date). W3CDTF -> ``s`` + year (§6: "008/07-10 is a year only"); a range of two dates
    (``2001/2005``, ``1990-1995``) -> ``m`` multiple dates; other text naming a year
    ("c1998.", "[2004?]") -> ``q`` questionable, first and last year; nothing usable -> ``n``
    with ``uuuu`` (bd008: "Date 1 and Date 2 contain uuuu")."""
    v = (value or "").strip()
    if is_w3cdtf(v):
        return "s", v[:4], "    "
    rng = _RANGE.match(v)
    if rng and ("/" in v or _YEAR_RANGE.match(v)):
        return "m", rng.group(1), rng.group(2)
    years = _YEAR.findall(v)
    if years:
        return "q", years[0], years[-1]
    return "n", "uuuu", "uuuu"


def first_year(text: str) -> str | None:
    m = _YEAR.search(text)
    return m.group(1) if m else None


# -- DCMI Type ------------------------------------------------------------------------------------
DCMI_TYPES = ("Collection", "Dataset", "Event", "Image", "InteractiveResource", "MovingImage",
              "PhysicalObject", "Service", "Software", "Sound", "StillImage", "Text")
_DCMI_BY_KEY = {t.lower(): t for t in DCMI_TYPES}


def dcmi_type(value: str) -> str | None:
    """The DCMI Type term *value* names, compared case-insensitively and ignoring spaces
    (§1.4 repository rule: "interactive resource" is InteractiveResource), else None."""
    return _DCMI_BY_KEY.get(re.sub(r"\s+", "", value).lower())


def dedupe(items: Iterable[T]) -> list[T]:
    """Drop exact duplicates, keeping the first (§6 Repeated fields)."""
    return list(dict.fromkeys(items))
