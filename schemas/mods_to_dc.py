"""MODS 3.x -> Dublin Core: the ``ingest`` of the mods format (harvested MODS served as oai_dc,
and our own mods read back).

Source table: shared/docs/crosswalks.md §3.3 (LoC "MODS to Dublin Core Metadata Element Set
Mapping Version 3", https://www.loc.gov/standards/mods/mods-dcsimple.html, and the repository
rules in its notes column), with §6 pitfalls (xml:lang kept, empty values skipped, duplicates
dropped). Only the top-level elements of ``<mods>`` are read, in document order; values come
out grouped in the order of the fifteen DC elements. The namespace is the one of all 3.x
versions; the trailing-slash variant some providers declare is read as well (§6).
"""
from __future__ import annotations

from lxml import etree

from schemas.xwalk_ids import doi_url, isbn_urn, issn_urn
from schemas.xwalk_values import CrosswalkError, dcmi_type, dedupe, in_text
from store.record_types import DC_ELEMENTS, DCValue

MODS_NS = "http://www.loc.gov/mods/v3"
_NAMESPACES = (MODS_NS, MODS_NS + "/")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# §3.3 typeOfResource row (repository rule).
_DCMI_OF = {"text": "Text", "notated music": "Text", "cartographic": "Image",
            "still image": "StillImage", "moving image": "MovingImage",
            "sound recording": "Sound", "sound recording-musical": "Sound",
            "sound recording-nonmusical": "Sound", "three dimensional object": "PhysicalObject",
            "software, multimedia": "Software"}
# The extra genres schemas/mods.py writes beside a DCMI term (§3.2): not types of their own.
_EXTRA_GENRES = {"database", "online system or service"}
_CREATOR_ROLES = {"creator", "cre", "author", "aut"}
_DATES = ("dateIssued", "dateCreated", "dateCaptured", "dateOther")
_COVERAGE = ("geographic", "temporal", "hierarchicalGeographic", "cartographics")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el: etree._Element, *names: str) -> list[etree._Element]:
    return [c for c in el if _local(c) in names]


def _text(el: etree._Element | None) -> str:
    return in_text("".join(el.itertext())) if el is not None else ""


def _lang(el: etree._Element, default: str | None) -> str | None:
    return el.get(XML_LANG) or default


def ingest(root: etree._Element) -> tuple[DCValue, ...]:
    """The DC values of one ``<mods>`` element (or a ``<modsCollection>`` holding one)."""
    ns = etree.QName(root).namespace
    if ns not in _NAMESPACES:
        raise CrosswalkError(f"not a MODS record: {root.tag!r}")
    if _local(root) == "modsCollection":
        records = _kids(root, "mods")
        if len(records) != 1:
            raise CrosswalkError(f"a modsCollection of {len(records)} records is not one record")
        root = records[0]
    if _local(root) != "mods":
        raise CrosswalkError(f"not a MODS record: {root.tag!r}")
    base = root.get(XML_LANG)
    out: list[tuple[str, str, str | None]] = []
    add = out.append
    dct_genres = [g for g in _kids(root, "genre") if g.get("authority") == "dct"]
    for el in root:
        name = _local(el)
        lang = _lang(el, base)
        if name == "titleInfo":
            title = el.find(f"{{{ns}}}title")
            add(("title", _title(el), _lang(title, lang) if title is not None else lang))
        elif name == "name":
            text, is_creator = _name(el)
            part_lang = next((p.get(XML_LANG) for p in _kids(el, "namePart")
                              if p.get(XML_LANG)), None)
            add(("creator" if is_creator else "contributor", text, part_lang or lang))
        elif name == "subject":
            _subject(el, lang, add)
        elif name == "classification":
            add(("subject", _text(el), lang))
        elif name in ("abstract", "tableOfContents", "note"):
            add(("description", in_text("".join(el.itertext()), lines=True), lang))
        elif name == "originInfo":
            for p in _kids(el, "publisher"):
                add(("publisher", _text(p), _lang(p, lang)))
            _dates(el, add)
        elif name == "typeOfResource":
            if not dct_genres:   # our DCMI terms (genre authority="dct") are the exact ones
                add(("type", _DCMI_OF.get(_text(el).lower(), ""), None))
            if el.get("collection") == "yes" and not dct_genres:
                add(("type", "Collection", None))
        elif name == "genre":
            if el.get("authority") == "dct":
                add(("type", dcmi_type(_text(el)) or _text(el), None))
            elif not (el.get("authority") == "marcgt" and _text(el) in _EXTRA_GENRES):
                add(("type", _text(el), lang))
        elif name == "physicalDescription":
            for part in _kids(el, "extent", "form", "internetMediaType"):
                add(("format", _text(part), _lang(part, lang)))
        elif name == "identifier" and el.get("invalid") != "yes":
            add(("identifier", _identifier(el.get("type", ""), _text(el)), None))
        elif name == "location":
            for url in _kids(el, "url"):
                add(("identifier", _text(url), None))
        elif name == "language":
            terms = _kids(el, "languageTerm")
            chosen = [t for t in terms if t.get("type") == "code"] or terms
            if chosen:
                add(("language", _text(chosen[0]), None))
        elif name == "relatedItem" and el.get("type") != "series":
            element = "source" if el.get("type") == "original" else "relation"
            add((element, _related(el), lang))
        elif name == "accessCondition":
            add(("rights", _text(el), lang))
    order = {e: i for i, e in enumerate(DC_ELEMENTS)}
    kept = dedupe((e, v, lg) for e, v, lg in out if v)
    return tuple(DCValue(e, v, lg) for e, v, lg in sorted(kept, key=lambda p: order[p[0]]))


def _title(info: etree._Element) -> str:
    """§3.3: "nonSort title: subTitle. partNumber. partName"."""
    part = {n: _text(next(iter(_kids(info, n)), None)) for n in
            ("nonSort", "title", "subTitle", "partNumber", "partName")}
    # An elided article ("L'") joins the title directly; any other takes a space.
    glue = "" if not part["nonSort"] or part["nonSort"].endswith("'") else " "
    text = part["nonSort"] + glue + part["title"]
    if part["subTitle"]:
        text += ": " + part["subTitle"]
    for p in (part["partNumber"], part["partName"]):
        if p:
            text += ". " + p
    return text.strip()


def _name(name: etree._Element) -> tuple[str, bool]:
    """§3.3 name row: untyped namePart first, then "family, given", then termsOfAddress and
    ", date"; creator when a roleTerm says creator/cre (author/aut too, as in §2); other role
    texts are appended in parentheses."""
    parts = _kids(name, "namePart")
    plain = [_text(p) for p in parts if not p.get("type")]
    typed = {t: _text(p) for p in parts if (t := p.get("type"))}
    text = ", ".join(x for x in plain if x)
    fam_given = ", ".join(x for x in (typed.get("family"), typed.get("given")) if x)
    text = ", ".join(x for x in (text, fam_given, typed.get("termsOfAddress"),
                                 typed.get("date")) if x)
    if not text:
        text = _text(next(iter(_kids(name, "displayForm")), None))
    roles = [(t.get("type"), _text(t)) for r in _kids(name, "role") for t in _kids(r, "roleTerm")]
    creator = any(v.lower() in _CREATOR_ROLES for _, v in roles)
    others = [v for kind, v in roles if kind != "code" and v.lower() not in _CREATOR_ROLES]
    if others and text:
        text += " (" + ", ".join(others) + ")"
    return text, creator


def _subject(subject: etree._Element, lang: str | None, add) -> None:  # noqa: ANN001
    """§3.3: topic (and name, occupation, titleInfo, genre) subdivisions joined with "--" ->
    subject; geographic, temporal, hierarchicalGeographic, cartographics -> coverage."""
    terms: list[str] = []
    term_lang = lang
    for part in subject:
        name = _local(part)
        if name in ("topic", "occupation", "genre", "titleInfo"):
            terms.append(_title(part) if name == "titleInfo" else _text(part))
            term_lang = _lang(part, term_lang)
        elif name == "name":
            terms.append(_name(part)[0])
        elif name == "hierarchicalGeographic":
            add(("coverage", "--".join(_text(c) for c in part if _text(c)), lang))
        elif name == "cartographics":
            for c in _kids(part, "coordinates"):
                add(("coverage", _text(c), lang))
        elif name in _COVERAGE:
            add(("coverage", _text(part), _lang(part, lang)))
    if any(terms):
        add(("subject", "--".join(t for t in terms if t), term_lang))


def _dates(origin: etree._Element, add) -> None:  # noqa: ANN001
    """§3.3 date row: point="start"/"end" pairs -> "start-end"; dates without a point kept."""
    for kind in _DATES:
        els = _kids(origin, kind)
        start = [_text(e) for e in els if e.get("point") == "start"]
        end = [_text(e) for e in els if e.get("point") == "end"]
        if start or end:
            add(("date", "-".join(x for x in (start[:1] + end[:1]) if x), None))
        for e in els:
            if e.get("point") not in ("start", "end"):
                add(("date", _text(e), None))


def _identifier(kind: str, value: str) -> str:
    """§3.3 identifier row: ``https://doi.org/…``, ``urn:isbn:…``, URLs as they are."""
    kind = kind.lower()
    if kind == "doi":
        return doi_url(value)
    if kind == "isbn":
        return isbn_urn(value) or value
    if kind == "issn":
        return issn_urn(value)
    if kind == "hdl" and not value.lower().startswith(("hdl:", "http")):
        return "hdl:" + value
    return value


def _related(item: etree._Element) -> str:
    info = next(iter(_kids(item, "titleInfo")), None)
    if info is not None and _title(info):
        return _title(info)
    for loc in _kids(item, "location"):
        for url in _kids(loc, "url"):
            return _text(url)
    ident = next(iter(_kids(item, "identifier")), None)
    return _identifier(ident.get("type", ""), _text(ident)) if ident is not None else ""
