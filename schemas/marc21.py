"""The marc21 format: stored Dublin Core -> one MARCXML ``<record>`` (and back, in
schemas/marc_to_dc.py).

Source tables: shared/docs/crosswalks.md §1 (LoC "Dublin Core to MARC Crosswalk",
https://www.loc.gov/marc/dccross.html, with the repository rules), §1.1 Leader, §1.2 field 008,
§1.3 control fields, §1.4 dc:type -> Leader/06-07, §1.5 what MARC21slim.xsd enforces and the
assertions the crosswalk makes itself, §6 pitfalls. Field order: tags ascending, except that
5XX-7XX keep the order of the DC values within their hundred (MARC 21 leaves the order of
notes and added entries to the cataloguer; keeping it keeps the creators in order).
"""
from __future__ import annotations

import mimetypes
from datetime import date, datetime
from typing import Callable, Sequence
from urllib.parse import urlsplit

from lxml import etree

from schemas.base import XSI_NS, MetadataFormat
from schemas.marc_to_dc import MARC_NS, ingest
from schemas.xwalk_ids import classify, format_kind, is_access_statement, is_url
from schemas.xwalk_values import (
    MARC_OF_ISO1,
    by_element,
    date_for_008,
    dcmi_type,
    is_w3cdtf,
    marc_language,
    out_text,
)
from store.record_types import DCValue
from store.syntax import utc_seconds

MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
_NSMAP = {"marc": MARC_NS, "xsi": XSI_NS}

# §1.4: dc:type -> Leader/06 (07 is "m" except for Collection).
_LEADER_06 = {"Collection": "p", "Dataset": "m", "InteractiveResource": "m", "Service": "m",
              "Software": "m", "Event": "r", "Image": "k", "StillImage": "k",
              "MovingImage": "g", "PhysicalObject": "r", "Sound": "i", "Text": "a"}
# §1 title row: ind2 = number of non-filing characters ("The " -> 4), by title language.
_ARTICLES = {
    "en": ("the ", "a ", "an "), "de": ("der ", "die ", "das ", "ein ", "eine "),
    "fr": ("le ", "la ", "les ", "l'", "un ", "une "), "es": ("el ", "la ", "los ", "las "),
    "it": ("il ", "lo ", "la ", "gli ", "le ", "l'"), "nl": ("de ", "het ", "een "),
}

Field = tuple[str, str, str, list[tuple[str, str]]]   # tag, ind1, ind2, [(code, value)]
# 008/00-05 when the date the record entered the catalogue is not given (see render).
UNKNOWN_ENTERED = "000000"


def leader(type_06: str = "a", level_07: str = "m") -> str:
    """§1.1: ``00000nam a22000003u 4500`` for a text item: status n, Unicode (09 = a),
    encoding level 3, cataloguing form u (no ISBD punctuation added)."""
    value = f"00000n{type_06}{level_07} a2200000" + "3u 4500"
    assert len(value) == 24, value   # §1.5: the crosswalk asserts the length itself
    return value


def field_008(entered: date | None, dc_date: str | None, lang_code: str | None,
              type_06: str) -> str:
    """§1.2, e.g. ``240131s2024    xx      o     000 0 eng d``."""
    kind, date1, date2 = date_for_008(dc_date)
    if type_06 == "a":   # books: 23 online, 29-31 "000", 33 "0" (§1.2 row 18-34)
        material = " " * 5 + "o" + " " * 5 + "000 0 "
    else:                # other material types: no attempt to code
        material = "|" * 17
    on_file = entered.strftime("%y%m%d") if entered else UNKNOWN_ENTERED
    value = (on_file + kind + date1 + date2 + "xx " + material
             + (lang_code or "und") + " d")
    assert len(value) == 40, value   # §1.5: nothing in the schema checks 008
    return value


def _non_filing(title: str, lang: str | None) -> int:
    low = title.lower()
    code = marc_language(lang or "en")
    iso1 = next((k for k, v in MARC_OF_ISO1.items() if v == code), None)
    for article in _ARTICLES.get(iso1 or "", ()):
        if low.startswith(article) and len(title) > len(article):
            return len(article)
    return 0


def _primary(lang: str | None) -> str | None:
    """The MARC code of a language tag, to compare ``en``, ``en-GB`` and ``eng`` as equal."""
    return (marc_language(lang) or lang.lower()) if lang else None


def _is_person(name: str) -> bool:
    # §6 Inverted names: "Surname, Forename" is the only sign we have that a name is a person;
    # other names are of unknown kind (LoC default 720). Names are never split or inverted.
    return "," in name


def _fields(values: Sequence[DCValue]) -> tuple[list[Field], str, str, str | None, str | None]:
    """(datafields, Leader/06, Leader/07, the dc:date for 008, first MARC language code)."""
    by = by_element(values)
    fields: list[Field] = []
    add = fields.append

    # Languages first: the 245 is chosen by them (§6 xml:lang).
    languages = by.get("language", [])
    codes = [c for c in (marc_language(v.value) for v in languages) if c]
    for v in languages:
        if not marc_language(v.value):
            add(("546", " ", " ", [("a", v.value)]))          # §1 language: free text
    if codes:
        add(("041", "0", " ", [("a", c) for c in dict.fromkeys(codes)]))
    record_lang = next((v.value for v in languages if marc_language(v.value)), None)

    # Types: Leader/06-07 from the first DCMI term (§1.4); every value in 655.
    terms = [t for t in (dcmi_type(v.value) for v in by.get("type", [])) if t]
    type_06 = _LEADER_06[terms[0]] if terms else "a"
    level_07 = "c" if terms and terms[0] == "Collection" else "m"

    has_1xx = _names(by, add)
    _titles(by.get("title", []), record_lang, has_1xx, add)
    # One 260 with every publisher ($b) and date ($c, the W3CDTF string) (§1 publisher, date).
    imprint = ([("b", v.value) for v in by.get("publisher", [])]
               + [("c", v.value) for v in by.get("date", [])])
    if imprint:
        add(("260", " ", " ", imprint))
    for v in by.get("description", []):
        add(("520", " ", " ", [("a", v.value)]))
    for v in by.get("subject", []):
        add(("653", " ", " ", [("a", v.value)]))
    for v in by.get("type", []):
        term = dcmi_type(v.value)
        add(("655", " ", "7", [("a", term or v.value), ("2", "dct" if term else "local")]))
    for v in by.get("coverage", []):
        add(("500", " ", " ", [("a", v.value)]))
    _identifiers_and_formats(by.get("identifier", []), by.get("format", []), add)
    for v in by.get("relation", []):   # URL -> 856 42 (related resource); else 787 0# $n (LoC)
        add(("856", "4", "2", [("u", v.value)]) if is_url(v.value)
            else ("787", "0", " ", [("n", v.value)]))
    for v in by.get("source", []):                             # §1 source row
        add(("786", "0", " ", [("o" if is_url(v.value) else "n", v.value)]))
    _rights(by.get("rights", []), add)
    add(("042", " ", " ", [("a", "dc")]))   # §1: authentication code "dc", as LoC writes it
    # 008/07-10 from the first W3CDTF date, else the first date of any form (§1.2).
    dates = [v.value for v in by.get("date", [])]
    date_008 = next((d for d in dates if is_w3cdtf(d)), dates[0] if dates else None)
    return fields, type_06, level_07, date_008, (codes[0] if codes else None)


def _names(by: dict[str, list[DCValue]], add: Callable[[Field], None]) -> bool:
    """§1 creator and contributor rows; True when a 1XX was written."""
    creators = by.get("creator", [])
    # The first creator, if a person, is the one 1XX; the other creators 700/720 $e author.
    main = creators[0] if creators and _is_person(creators[0].value) else None
    if main:
        add(("100", "1", " ", [("a", main.value), ("e", "author")]))
    for v in creators[1:] if main else creators:
        tag, ind1 = ("700", "1") if _is_person(v.value) else ("720", " ")
        add((tag, ind1, " ", [("a", v.value), ("e", "author")]))
    for v in by.get("contributor", []):
        tag, ind1 = ("700", "1") if _is_person(v.value) else ("720", " ")
        add((tag, ind1, " ", [("a", v.value)]))
    return main is not None


def _titles(titles: list[DCValue], record_lang: str | None, has_1xx: bool,
            add: Callable[[Field], None]) -> None:
    """§1 title row: one 245 (ind1 1 with a 1XX, ind2 non-filing characters), other titles
    246 33, or 246 31 when in another language (parallel title). The 245 is the title in the
    record's language, else the first (§6 xml:lang). No title, no 245: none is invented."""
    if not titles:
        return
    first = next((t for t in titles if record_lang and t.lang
                  and marc_language(t.lang) == marc_language(record_lang)), titles[0])
    add(("245", "1" if has_1xx else "0", str(_non_filing(first.value, first.lang or record_lang)),
         [("a", first.value)]))
    main_lang = _primary(first.lang or record_lang)
    for t in titles:
        if t is not first:
            parallel = bool(t.lang) and _primary(t.lang) != main_lang
            add(("246", "3", "1" if parallel else "3", [("a", t.value)]))


def _identifiers_and_formats(identifiers: list[DCValue], formats: list[DCValue],
                             add: Callable[[Field], None]) -> None:
    """§1 identifier row with the §6 routing; §1 format row (a MIME type goes into the $q
    of the 856 whose $u is that file, matched by file extension)."""
    urls: list[list[tuple[str, str]]] = []
    for v in identifiers:
        ident = classify(v.value)
        if ident.kind == "url":
            urls.append([("u", ident.value)])
        elif ident.kind == "isbn":
            add(("020", " ", " ", [("a", ident.value)]))
        elif ident.kind == "issn":
            add(("022", " ", " ", [("a", ident.value)]))
        elif ident.kind in ("doi", "hdl", "urn"):
            add(("024", "7", " ", [("a", ident.value), ("2", ident.kind)]))
        else:
            add(("024", "8", " ", [("a", ident.value)]))
    for v in formats:
        kind = format_kind(v.value)
        if kind == "mime":
            mime = v.value.split(";")[0].strip()
            target = next((u for u in urls if len(u) == 1 and mimetypes.guess_type(
                urlsplit(u[0][1]).path)[0] == mime), None)
            if target is not None:
                target.append(("q", v.value))
            else:
                add(("856", " ", " ", [("q", v.value)]))     # LoC: format -> 856 $q
        else:
            add(("300" if kind == "extent" else "340", " ", " ", [("a", v.value)]))
    for u in urls:
        add(("856", "4", "0", u))


def _rights(rights: list[DCValue], add: Callable[[Field], None]) -> None:
    """§1 rights row: text 540 $a, a licence URI 540 $u (on the first 540 still without one),
    access statements 506 $a."""
    licences: list[list[tuple[str, str]]] = []
    loose: list[str] = []
    for v in rights:
        if is_access_statement(v.value):
            add(("506", " ", " ", [("a", v.value)]))
        elif is_url(v.value):
            loose.append(v.value)
        else:
            licences.append([("a", v.value)])
    for uri in loose:
        target = next((sub for sub in licences if len(sub) == 1), None)
        if target is not None:
            target.append(("u", uri))
        else:
            licences.append([("u", uri)])
    for sub in licences:
        add(("540", " ", " ", sub))


def _order(field: Field) -> tuple[str, str]:
    tag = field[0]
    return (tag[0], "") if tag[0] in "567" else (tag[0], tag)


def render(values: Sequence[DCValue], *, record_id: str | None = None,
           modified: datetime | None = None, entered: date | None = None) -> etree._Element:
    """The MARCXML ``<record>`` for *values*. ``record_id`` (001) and ``modified`` (005) are
    written when the caller knows them (§1.3); ``entered`` is the date for 008/00-05, else
    the date of ``modified``, else ``000000``.

    The result depends on the arguments only, never on the clock: the store hashes the bytes
    it keeps, so a date taken from "today" would turn every re-import of an unchanged record
    into an update with a new datestamp."""
    fields, type_06, level_07, first_date, lang_code = _fields(values)
    root = etree.Element(f"{{{MARC_NS}}}record", nsmap=_NSMAP, type="Bibliographic")
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{MARC_NS} {MARC_SCHEMA}")
    sub = etree.SubElement
    # §1.5 content order: leader, then every controlfield, then every datafield.
    sub(root, f"{{{MARC_NS}}}leader").text = leader(type_06, level_07)
    if record_id and out_text(record_id):
        sub(root, f"{{{MARC_NS}}}controlfield", tag="001").text = out_text(record_id)
    # 005 has no zone: UTC, like the OAI datestamp (a naive datetime is taken to be UTC).
    stamp = utc_seconds(modified) if modified is not None else None
    if stamp is not None:
        sub(root, f"{{{MARC_NS}}}controlfield", tag="005").text = (
            stamp.strftime("%Y%m%d%H%M%S") + ".0")
    on_file = entered or (stamp.date() if stamp else None)
    sub(root, f"{{{MARC_NS}}}controlfield", tag="008").text = field_008(
        on_file, first_date, lang_code, type_06)
    for tag, ind1, ind2, subfields in sorted(fields, key=_order):
        df = sub(root, f"{{{MARC_NS}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
        for code_, text in subfields:
            sub(df, f"{{{MARC_NS}}}subfield", code=code_).text = text
    return root


MARC21 = MetadataFormat(
    prefix="marc21",
    namespace=MARC_NS,
    schema=MARC_SCHEMA,
    render=render,
    ingest=ingest,
)
