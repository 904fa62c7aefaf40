"""The mods format: stored Dublin Core -> one MODS 3.6 ``<mods>`` record (and back, in
schemas/mods_to_dc.py).

Source tables: shared/docs/crosswalks.md §3.1 (LoC "Dublin Core Metadata Element Set Mapping
to MODS Version 3", https://www.loc.gov/standards/mods/dcsimple-mods.html, column "Repository
rule"), §3.2 DCMI Type -> typeOfResource, §3.4 what mods-3-6.xsd enforces, §5 (prefix mods,
``version="3.6"``, schema mods-3-6.xsd) and §6 pitfalls (xml:lang, type vocabularies, MODS
version). Elements come in the order of the doc's minimal record; xml:lang is kept on every
element whose MODS type allows it.
"""
from __future__ import annotations

from typing import Sequence

from lxml import etree

from schemas.base import XSI_NS, MetadataFormat
from schemas.mods_to_dc import MODS_NS, ingest
from schemas.xwalk_ids import classify, format_kind, is_access_statement, is_url
from schemas.xwalk_values import (
    MARC_CODES,
    MARC_OF_ISO2T,
    by_element,
    date_for_008,
    dcmi_type,
    is_bcp47_code,
    is_w3cdtf,
    out_text,
    xml_lang,
)
from store.record_types import DCValue

MODS_SCHEMA = "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd"
MODS_VERSION = "3.6"   # §6 MODS version: mods-3-6.xsd rejects 3.7 and 3.8
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NSMAP = {None: MODS_NS, "xsi": XSI_NS}
_M = f"{{{MODS_NS}}}"

# §3.2: DCMI Type -> (typeOfResource, extra genre). Collection adds collection="yes".
TYPE_OF_RESOURCE = {
    "Dataset": ("software, multimedia", "database"),
    "Image": ("still image", None), "StillImage": ("still image", None),
    "InteractiveResource": ("software, multimedia", None),
    "Software": ("software, multimedia", None),
    "MovingImage": ("moving image", None),
    "PhysicalObject": ("three dimensional object", None),
    "Service": ("software, multimedia", "online system or service"),
    "Sound": ("sound recording", None),
    "Text": ("text", None),
    "Event": (None, None),
}


def _el(parent: etree._Element, name: str, text: str | None = None,
        lang: str | None = None, **attrs: str | None) -> etree._Element:
    el = etree.SubElement(parent, _M + name,
                          {k: v for k, v in attrs.items() if v is not None} if attrs else None)
    code = xml_lang(lang) if lang else None
    if code:
        el.set(XML_LANG, code)   # §6 xml:lang: BCP 47, "_" -> "-"
    if text is not None:
        el.text = text
    return el


def _linked(parent: etree._Element, value: str, lang: str | None) -> None:
    """§3.1 source/relation rows: a URL as ``location/url``, anything else as a title."""
    if is_url(value):
        _el(_el(parent, "location"), "url", value)
    else:
        _el(_el(parent, "titleInfo"), "title", value, lang)


def render(values: Sequence[DCValue], *, record_id: str | None = None) -> etree._Element:
    """The ``<mods version="3.6">`` element for *values*; ``record_id`` (when the caller knows
    it) goes into ``recordInfo/recordIdentifier`` as in the doc's minimal record."""
    by = by_element(values)
    root = etree.Element(_M + "mods", nsmap=_NSMAP, version=MODS_VERSION)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{MODS_NS} {MODS_SCHEMA}")

    titles = by.get("title", [])
    for i, t in enumerate(titles):   # first: titleInfo; others alternative, or translated
        kind: str | None = None
        if i:
            first_lang = titles[0].lang
            kind = "translated" if t.lang and t.lang != first_lang else "alternative"
        info = _el(root, "titleInfo", lang=t.lang if kind == "translated" else None, type=kind)
        _el(info, "title", t.value, t.lang)
    roles: tuple[tuple[str, str, str | None], ...] = (
        ("creator", "cre", "creator"), ("contributor", "ctb", None))
    for element, code, role_text in roles:
        for v in by.get(element, []):
            # name type only when known: "Surname, Forename" is a person (§6 Inverted names).
            name = _el(root, "name", type="personal" if "," in v.value else None)
            _el(name, "namePart", v.value, v.lang)
            role = _el(name, "role")
            _el(role, "roleTerm", code, type="code", authority="marcrelator")
            if role_text:
                _el(role, "roleTerm", role_text, type="text")
    _types(root, by.get("type", []))

    publishers, dates = by.get("publisher", []), by.get("date", [])
    if publishers or dates:
        origin = _el(root, "originInfo")
        for v in publishers:
            _el(origin, "publisher", v.value, v.lang)
        key: str | None = "yes"
        for v in dates:   # W3CDTF -> dateIssued (the first is the key date); else dateOther
            if is_w3cdtf(v.value):
                _el(origin, "dateIssued", v.value, encoding="w3cdtf", keyDate=key)
                key = None
            else:
                _el(origin, "dateOther", v.value)
    for v in by.get("language", []):
        lang = _el(root, "language")
        low = v.value.lower()
        if low in MARC_CODES:
            _el(lang, "languageTerm", low, type="code", authority="iso639-2b")
        elif low in MARC_OF_ISO2T:    # a T code ("deu") is an ISO 639-3 code as well
            _el(lang, "languageTerm", low, type="code", authority="iso639-3")
        elif is_bcp47_code(v.value):
            _el(lang, "languageTerm", v.value.replace("_", "-"), type="code",
                authority="rfc5646")
        else:
            _el(lang, "languageTerm", v.value, v.lang, type="text")
    formats = by.get("format", [])
    if formats:
        physical = _el(root, "physicalDescription")
        names = {"mime": "internetMediaType", "extent": "extent", "medium": "form"}
        for v in formats:
            _el(physical, names[format_kind(v.value)], v.value, v.lang)
    for v in by.get("description", []):   # note; abstract only when known to be one
        _el(root, "note", v.value, v.lang)
    for v in by.get("subject", []):
        _el(_el(root, "subject"), "topic", v.value, v.lang)
    for v in by.get("coverage", []):      # temporal if a date or period, else geographic
        period = date_for_008(v.value)[0] in ("s", "m")   # a W3CDTF date or a year range
        _el(_el(root, "subject"), "temporal" if period else "geographic", v.value,
            None if period else v.lang)
    for v in by.get("identifier", []):
        ident = classify(v.value)
        if ident.kind == "url":
            _el(_el(root, "location"), "url", ident.value)
        elif ident.kind in ("doi", "isbn", "issn", "hdl"):
            _el(root, "identifier", ident.value, type=ident.kind)
        else:
            _el(root, "identifier", v.value)
    for v in by.get("source", []):
        _linked(_el(root, "relatedItem", type="original"), v.value, v.lang)
    for v in by.get("relation", []):
        _linked(_el(root, "relatedItem"), v.value, v.lang)
    for v in by.get("rights", []):
        kind = "restriction on access" if is_access_statement(v.value) else "use and reproduction"
        _el(root, "accessCondition", v.value, v.lang, type=kind)
    if record_id and out_text(record_id):
        _el(_el(root, "recordInfo"), "recordIdentifier", out_text(record_id))
    if len(root) == 0:
        # §3.4: mods needs at least one child; an empty titleInfo is the least that says so.
        _el(root, "titleInfo")
    return root


def _types(root: etree._Element, types: list[DCValue]) -> None:
    """§3.1 type row, §3.2: a DCMI term -> typeOfResource (+ extra genre) and
    ``genre authority="dct"``; other terms -> a plain genre."""
    terms = [dcmi_type(v.value) for v in types]
    collection = "Collection" in terms
    resource_types = [rt for t in terms if t and (rt := TYPE_OF_RESOURCE.get(t, (None,))[0])]
    if collection and not resource_types:
        resource_types = [""]        # the enumeration allows empty: "a collection of ..."
    for i, rt in enumerate(dict.fromkeys(resource_types)):
        _el(root, "typeOfResource", rt, collection="yes" if collection and i == 0 else None)
    for v, term in zip(types, terms, strict=True):
        if term:
            _el(root, "genre", term, authority="dct")
            extra = TYPE_OF_RESOURCE.get(term, (None, None))[1]
            if extra:
                _el(root, "genre", extra, authority="marcgt")
        else:
            _el(root, "genre", v.value, v.lang)


MODS = MetadataFormat(
    prefix="mods",
    namespace=MODS_NS,
    schema=MODS_SCHEMA,
    render=render,
    ingest=ingest,
)
