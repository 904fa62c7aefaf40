"""What the pages show, made from store reads in plain Python (no Flask): the list cursor in
a link, the record page's fields, Google Scholar's ``citation_*`` tags, schema.org JSON-LD,
the set tree, and which harvested URLs may be links.

Everything here returns plain values; the templates escape them (autoescaping is on for every
.html template), so a harvested title is text, never HTML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from store.record_types import StoredRecord
from store.syntax import MAX_IDENTIFIER_BYTES, is_identifier


class BadCursor(ValueError):
    """A list link's ``after`` that no page of ours made: answered with 400."""


# -- the cursor: (datestamp, identifier) of the last row shown, as "<seconds>~<identifier>" ------
_MAX_SECONDS = 253402300799          # 9999-12-31T23:59:59Z: the datestamps we can hold


def cursor_text(cursor: tuple[int, str]) -> str:
    return f"{cursor[0]}~{cursor[1]}"


def parse_cursor(value: str | None) -> tuple[int, str] | None:
    """The cursor in a link, None when there is none; BadCursor for anything else."""
    if value is None or value == "":
        return None
    seconds, sep, identifier = value.partition("~")
    if (not sep or not seconds.isascii() or not seconds.isdigit() or len(seconds) > 12
            or int(seconds) > _MAX_SECONDS or not identifier
            or len(identifier.encode("utf-8", "surrogatepass")) > MAX_IDENTIFIER_BYTES
            or not is_identifier(identifier)
            or any(0xD800 <= ord(c) <= 0xDFFF or c == "\ufffd" for c in identifier)):
        raise BadCursor("this page link is not one of ours: start again from the first page")
    return int(seconds), identifier


# -- dates and links ---------------------------------------------------------------------
_W3CDTF = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T.*)?)?)?")


def scholar_date(value: str) -> str | None:
    """dc:date as citation_publication_date wants it: "2019/5/7" or the year alone
    (discovery.md §1.3: Scholar documents only those two; "2019-05" becomes "2019")."""
    m = _W3CDTF.fullmatch(value.strip())
    if not m:
        return None
    year, month, day = m.groups()
    if day and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
        return f"{year}/{int(month)}/{int(day)}"
    return year


def iso_date(value: str) -> str | None:
    """dc:date as schema.org datePublished (ISO 8601: 2019, 2019-05 or 2019-05-07)."""
    m = _W3CDTF.fullmatch(value.strip())
    if not m:
        return None
    return "-".join(p for p in m.groups() if p)


def safe_href(value: str) -> str | None:
    """*value* if it may be a link: http(s) with a host and no control characters
    (discovery.md §5: escaping does not stop a javascript: URL); otherwise None (shown as
    text)."""
    v = value.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in v):
        return None
    parts = urlsplit(v)
    return v if parts.scheme in ("http", "https") and parts.netloc else None


_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ISBN = re.compile(r"^(?:urn:)?isbn:?\s*([0-9Xx-]{10,17})$", re.IGNORECASE)
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


# -- a record page -------------------------------------------------------------------------
@dataclass
class RecordView:
    """A record as its page shows it."""

    identifier: str
    title: str
    title_lang: str | None
    values: dict[str, list[tuple[str, str | None]]]      # element -> [(value, lang)]
    language: str | None
    dates: list[str]
    doi: str | None
    isbns: list[str] = field(default_factory=list)


def record_view(rec: StoredRecord) -> RecordView:
    values: dict[str, list[tuple[str, str | None]]] = {}
    for v in rec.dc:
        values.setdefault(v.element, []).append((v.value, v.lang))
    titles = values.get("title") or [(rec.identifier, None)]
    languages = [v for v, _ in values.get("language", []) if _LANG.match(v.strip())]
    doi, isbns = None, []
    for ident, _ in values.get("identifier", []):
        if doi is None and (m := _DOI.match(ident.strip())):
            doi = m.group(1)
        if m := _ISBN.match(ident.strip()):
            isbns.append(m.group(1))
    return RecordView(rec.identifier, titles[0][0], titles[0][1] or (languages[0] if languages
                                                                    else None),
                      values, languages[0] if languages else None,
                      [v for v, _ in values.get("date", [])], doi, isbns)


def citation_tags(view: RecordView, datestamp: str, page_url: str) -> list[tuple[str, str]]:
    """Google Scholar's Highwire tags (discovery.md §1.2), in order: title, one author per
    creator in byline order, the publication date, then what the record has."""
    tags = [("citation_title", view.title)]
    tags += [("citation_author", name) for name, _ in view.values.get("creator", [])]
    published = next((d for d in map(scholar_date, view.dates) if d), None)
    if published:
        tags.append(("citation_publication_date", published))
    tags.append(("citation_online_date", datestamp[:10].replace("-", "/")))
    for name, _ in view.values.get("publisher", [])[:1]:
        tags.append(("citation_publisher", name))
    if view.language:
        tags.append(("citation_language", view.language))
    tags += [("citation_keywords", s) for s, _ in view.values.get("subject", [])]
    if view.doi:
        tags.append(("citation_doi", view.doi))
    tags += [("citation_isbn", isbn) for isbn in view.isbns]
    tags.append(("citation_abstract_html_url", page_url))
    return tags


_TYPES = (("thesis", "Thesis"), ("dissertation", "Thesis"), ("book", "Book"),
          ("report", "Report"), ("article", "ScholarlyArticle"), ("dataset", "Dataset"))


def json_ld(view: RecordView, page_url: str) -> dict:
    """schema.org JSON-LD of what the page shows (discovery.md §2); the template embeds it
    with ``tojson``, which escapes <, >, & and ' so no value can end the script element."""
    kind = next((t for word, t in _TYPES for v, _ in view.values.get("type", [])
                 if word in v.casefold()), "CreativeWork")
    data: dict = {"@context": "https://schema.org", "@type": kind, "name": view.title,
                  "url": page_url, "identifier": view.identifier}
    if creators := view.values.get("creator"):
        data["author"] = [{"@type": "Person", "name": n} for n, _ in creators]
    if published := next((d for d in map(iso_date, view.dates) if d), None):
        data["datePublished"] = published
    if publishers := view.values.get("publisher"):
        data["publisher"] = {"@type": "Organization", "name": publishers[0][0]}
    if view.language:
        data["inLanguage"] = view.language
    if subjects := view.values.get("subject"):
        data["keywords"] = [s for s, _ in subjects]
    if descriptions := view.values.get("description"):
        data["description"] = descriptions[0][0]
    if view.doi:
        data["sameAs"] = "https://doi.org/" + view.doi
    if kind == "Book" and view.isbns:
        data["isbn"] = view.isbns
    return data


# -- the set tree --------------------------------------------------------------------------
@dataclass
class SetNode:
    spec: str
    name: str
    description: str | None
    count: int
    children: list[SetNode] = field(default_factory=list)


def set_tree(rows: list[tuple[str, str, str | None, int]]) -> list[SetNode]:
    """Sets as a tree by their specs' colon-separated parts (§2.6); rows come by spec, so a
    parent comes before its children."""
    nodes: dict[str, SetNode] = {}
    roots: list[SetNode] = []
    for spec, name, description, count in rows:
        node = SetNode(spec, name, description, count)
        nodes[spec] = node
        parent = spec.rpartition(":")[0]
        (nodes[parent].children if parent in nodes else roots).append(node)
    return roots
