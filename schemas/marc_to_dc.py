"""MARC 21 -> Dublin Core: the ``ingest`` of the marc21 format (harvested MARCXML served as
oai_dc, and our own marc21 read back).

Source tables: shared/docs/crosswalks.md §2 (LoC "MARC to Dublin Core Crosswalk",
https://www.loc.gov/marc/marc2dc.html, column "Repository rule"), §2.1 Leader/06 -> dc:type,
§6 pitfalls (subfields selected by code and stripped, ISBD punctuation stripped, duplicates
dropped, dates from 008). Values come out grouped in the order of the fifteen DC elements.
"""
from __future__ import annotations

import re

from lxml import etree

from schemas.xwalk_ids import doi_url, isbn_urn, issn_urn
from schemas.xwalk_values import CrosswalkError, dcmi_type, dedupe, first_year, in_text, is_w3cdtf
from store.record_types import DC_ELEMENTS, DCValue

MARC_NS = "http://www.loc.gov/MARC21/slim"
_M = f"{{{MARC_NS}}}"

# §2.1 repository rule: Leader/06 -> DCMI Type.
_TYPE_OF_06 = {"a": "Text", "t": "Text", "c": "Text", "d": "Text", "e": "Image", "f": "Image",
               "g": "MovingImage", "k": "StillImage", "i": "Sound", "j": "Sound",
               "m": "Software", "r": "PhysicalObject"}
_SUBJECT_TAGS = {"600", "610", "611", "630", "648", "650", "653", "654", "656", "657", "658"}
_NOT_DESCRIPTION = {"506", "530", "540", "546"}
_CREATOR_ROLES = {"author", "creator", "aut", "cre"}
_ISBD_END = re.compile(r"(\s+[/:;=]|[.,])+\Z")
_CLOSING = re.compile(r"\s*[,:;]+\Z")


class _Field:
    __slots__ = ("tag", "ind1", "ind2", "subs")

    def __init__(self, el: etree._Element) -> None:
        self.tag = el.get("tag", "")
        self.ind1 = el.get("ind1", " ")
        self.ind2 = el.get("ind2", " ")
        # §6 Whitespace in MARCXML: select subfields by code and strip each.
        self.subs = [(s.get("code", ""), in_text(s.text)) for s in el.iter(f"{_M}subfield")]
        self.subs = [(c, t) for c, t in self.subs if t]

    def get(self, codes: str) -> list[str]:
        return [t for c, t in self.subs if c in codes]

    def join(self, codes: str, sep: str = " ") -> str:
        return sep.join(self.get(codes))


def _record(root: etree._Element) -> etree._Element:
    if root.tag == f"{_M}collection":
        records = root.findall(f"{_M}record")
        if len(records) != 1:
            raise CrosswalkError(
                f"a MARCXML collection of {len(records)} records is not one record")
        root = records[0]
    if root.tag != f"{_M}record":
        raise CrosswalkError(f"not a MARCXML record: {root.tag!r}")
    return root


def ingest(root: etree._Element) -> tuple[DCValue, ...]:
    """The DC values of one MARCXML ``<record>`` (or a ``<collection>`` holding one)."""
    record = _record(root)
    leader = (record.findtext(f"{_M}leader") or "").ljust(24)
    if leader[5] == "d":   # §6 Deleted records: never disseminate as a live record
        raise CrosswalkError("the MARC record is marked deleted (Leader/05 = d)")
    control = {c.get("tag"): (c.text or "") for c in record.findall(f"{_M}controlfield")}
    fields = [_Field(df) for df in record.findall(f"{_M}datafield")]
    f008 = control.get("008", "").ljust(40)
    # Our own records (042 $a dc) carry no ISBD punctuation (Leader/18 u): nothing to strip.
    from_dc = any(f.tag == "042" and "dc" in f.get("a") for f in fields)
    tidy = (lambda s: s) if from_dc else _strip_isbd
    out: list[tuple[str, str]] = []
    add = out.append

    for f in fields:   # title: 245 $a $b $n $p $f $g $k, then 246 $a $b
        if f.tag == "245":
            add(("title", tidy(f.join("abnpfgk"))))
    for f in fields:
        if f.tag == "246":
            add(("title", tidy(f.join("ab"))))
    for f in fields:   # creator: 1XX, and 7XX whose $e / $4 says author or creator
        if f.tag in ("100", "110", "111") or (f.tag in ("700", "710", "711", "720")
                                              and _is_creator(f)):
            add(("creator", tidy(_name(f))))
    for f in fields:
        if f.tag in _SUBJECT_TAGS or f.tag.startswith("69"):
            if f.tag == "653":    # 653 $a repeats: each is its own uncontrolled term
                out.extend(("subject", tidy(a)) for a in f.get("a"))
            else:                 # main term, then $v $x $y $z, joined with "--"
                main = f.join("abcdqt")
                parts = [main] + f.get("vxyz") if main else f.get("vxyz")
                add(("subject", "--".join(tidy(p) for p in parts)))
    notes = [f for f in fields if f.tag.startswith("5") and f.tag not in _NOT_DESCRIPTION]
    for f in sorted(notes, key=lambda f: f.tag != "520"):   # each once, 520 first
        add(("description", f.join("abcdefghijklmnopqrstuvwxyz")))
    for f in fields:   # publisher: 260 $b, or 264 _1 $b
        if f.tag == "260" or (f.tag == "264" and f.ind2 == "1"):
            out.extend(("publisher", _CLOSING.sub("", b)) for b in f.get("b"))
    for f in fields:
        if f.tag in ("700", "710", "711", "720") and not _is_creator(f):
            add(("contributor", tidy(_name(f))))
    out.extend(("date", d) for d in _dates(f008, fields))
    out.extend(("type", t) for t in _types(leader, f008, fields))
    for f in fields:   # format: 300 $a $b $c, 340 $a, 856 $q
        if f.tag == "300":
            add(("format", f.join("abc")))
        elif f.tag == "340":
            out.extend(("format", a) for a in f.get("a"))
        elif f.tag == "856":
            out.extend(("format", q) for q in f.get("q"))
    for f in fields:
        out.extend(("identifier", i) for i in _identifiers(f))
    for f in fields:   # source: 786 $t / $o (and $n, where the LoC crosswalk writes it), 534 $t
        if f.tag == "786":
            out.extend(("source", s) for s in f.get("otn"))
        elif f.tag == "534":
            out.extend(("source", s) for s in f.get("t"))
    codes = [f008[35:38]] + [a for f in fields if f.tag == "041" for a in f.get("a")]
    out.extend(("language", c.strip()) for c in codes if c.strip() and c != "|||")
    out.extend(("language", a) for f in fields if f.tag == "546" for a in f.get("a"))
    for f in fields:   # relation: 530; 760-787 (not 786) $o $t ($n); 856 ind2 2 = related
        if f.tag == "530":
            add(("relation", f.join("abcdu")))
        elif "760" <= f.tag <= "787" and f.tag != "786":
            out.extend(("relation", r) for r in f.get("otn"))
        elif f.tag == "856" and f.ind2 == "2":
            out.extend(("relation", u) for u in f.get("u"))
    for f in fields:   # coverage: 651 $a (+ $z), 662, 751, 752
        if f.tag == "651":
            add(("coverage", "--".join(tidy(p) for p in f.get("az"))))
        elif f.tag in ("662", "752"):
            add(("coverage", "--".join(tidy(p) for p in f.get("abcdfgh"))))
        elif f.tag == "751":
            add(("coverage", tidy(f.join("a"))))
    for f in fields:   # rights: 506 $a, 540 $a, 540 $u
        if f.tag == "506":
            out.extend(("rights", a) for a in f.get("a"))
        elif f.tag == "540":
            out.extend(("rights", a) for a in f.get("au"))
    order = {name: i for i, name in enumerate(DC_ELEMENTS)}
    kept = dedupe((e, v) for e, v in out if v)
    return tuple(DCValue(e, v) for e, v in sorted(kept, key=lambda p: order[p[0]]))


def _strip_isbd(text: str) -> str:
    """§2 title row / §6 Punctuation: drop trailing " /", " :", " ;", "." and ","; a final
    period after a single-letter initial ("Doe, J.") is part of the name and stays."""
    if re.search(r"(?:^|[\s.])\w\.\Z", text):
        return text
    return _ISBD_END.sub("", text)


def _is_creator(f: _Field) -> bool:
    roles = {r.strip(" .,").lower() for r in f.get("e4")}
    return bool(roles & _CREATOR_ROLES)


def _name(f: _Field) -> str:
    # §2 contributor row: join $a $b $c $d $q with spaces; drop $e $4 $0 $1 $6.
    return f.join("abcdq")


def _dates(f008: str, fields: list[_Field]) -> list[str]:
    """§6 Dates: W3CDTF values of 260/264 $c as they are (what our own records hold);
    otherwise the year of 008/07-10 when 008/06 says it is one; else the first 4-digit year
    in 264/260 $c. A transcribed $c ("c1998.") is never copied."""
    stated = [c for f in fields if f.tag in ("260", "264") for c in f.get("c")]
    exact = [c for c in stated if is_w3cdtf(c)]
    if exact:
        return exact
    year = f008[7:11]
    if f008[6] in "stemqrp" and year.isdigit():
        return [year]
    years = [y for y in (first_year(c) for c in stated) if y]
    return years[:1]


def _types(leader: str, f008: str, fields: list[_Field]) -> list[str]:
    """§2 type row: the DCMI term from Leader/06 (§2.1), then the 655 $a values. When the
    record carries DCMI terms itself (655 $2 dct, as ours do), they are exact and the coarser
    Leader/06 term is not added."""
    genre = [(f.join("a"), f.get("2")) for f in fields if f.tag == "655" and f.get("a")]
    if any("dct" in src for _, src in genre):
        return [dcmi_type(a) or a for a, _ in genre]
    term = _TYPE_OF_06.get(leader[6])
    if leader[6] == "m" and f008[26] == "a":
        term = "Dataset"                       # §2.1: computer file, 008/26 a numeric data
    elif leader[6] == "p":
        term = "Collection" if leader[7] == "c" else None
    return ([term] if term else []) + [_strip_isbd(a) for a, _ in genre]


def _identifiers(f: _Field) -> list[str]:
    """§2 identifier row: 856 $u; 020 $a -> urn:isbn (never $z); 022 $a -> urn:issn;
    024 7# $2 doi -> https://doi.org/…; other 024 $a as they are (hdl: for $2 hdl)."""
    if f.tag == "856" and f.ind2 != "2":
        return f.get("u")
    if f.tag == "020":
        return [u for u in (isbn_urn(a) for a in f.get("a")) if u]
    if f.tag == "022":
        return [issn_urn(a) for a in f.get("a")]
    if f.tag == "024":
        source = (f.get("2") or [""])[0].lower()
        if source == "doi":
            return [doi_url(a) for a in f.get("a")]
        if source == "hdl":
            return [f"hdl:{a}" for a in f.get("a")]
        return f.get("a")
    return []
