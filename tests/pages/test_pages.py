"""The pages for people through Flask's test client: every page, every status, hostile input
in the query, the cursor and the records themselves, and keyset paging that visits every
record once."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from oai.web import pages
from tests.pages.conftest import EVIL, HOSTILE_ID, REPO

STRATEGIES = f"oai:{REPO}:strategies-against-human-trafficking"
TOMBSTONE = f"oai:{REPO}:strategies-against-human-trafficking-duplicate"
LIVE = 6                    # the demo's five live records and the hostile one


class Page(HTMLParser):
    """What a test looks at in a page: meta tags, links, headings, the JSON-LD block."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.canonical: list[str] = []
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "meta" and "name" in a:
            self.meta.append((a["name"], a["content"]))
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a["href"])
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def values(self, name):
        return [c for n, c in self.meta if n == name]


def get(client, path, status=200):
    r = client.get(path)
    r.get_data()
    r.close()               # a file served (the stylesheet) is closed, not left to the collector
    assert r.status_code == status, (path, r.status_code, r.data[:300])
    assert b"Traceback" not in r.data
    return r


def record_path(identifier):
    return "/records/" + quote(identifier, safe=":/&")     # as url_for writes it


def test_home_shows_the_repository(client):
    r = get(client, "/")
    html = r.data.decode()
    assert r.content_type.startswith("text/html")
    assert '<html lang="en">' in html and 'href="#main"' in html and '<main id="main">' in html
    assert "Granary test library" in html
    assert "Strategies Against Human Trafficking" in html           # the newest records
    assert "Trafficking in Human Beings" in html                    # the set tree, nested
    # counted as the lists count them (list_sizes): the tombstone too
    assert re.search(r"<dt>Records</dt><dd>7</dd>", html)
    assert re.search(r"<dt>Sets</dt><dd>5</dd>", html)
    assert "http://localhost/oai" in html and "oai_dc" in html
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert Page(html).values("citation_title") == []                # only record pages


def test_home_escapes_harvested_titles(client):
    html = get(client, "/").data.decode()
    assert EVIL not in html and "<script>alert" not in html
    assert "Evil &lt;/script&gt;" in html


def test_record_page_carries_scholar_tags_json_ld_and_canonical(client):
    r = get(client, record_path(STRATEGIES))
    page = Page(r.data.decode())
    assert page.values("citation_title") == [
        "Strategies Against Human Trafficking: The Role of the Security Sector"]
    assert page.values("citation_author") == ["Friesendorf, Cornelius (Ed.)"]
    assert page.values("citation_publication_date") == ["2009"]     # "2009-09": year alone
    assert page.values("citation_publisher")
    assert page.canonical == ["http://localhost" + record_path(STRATEGIES)]
    (block,) = page.scripts
    data = json.loads(block)
    assert data["@type"] == "CreativeWork"                          # dc:type "Text"
    assert data["name"].startswith("Strategies Against") and data["inLanguage"] == "en"
    assert data["url"] == page.canonical[0]
    # every format the record is served in, as GetRecord on /oai
    assert any("verb=GetRecord&metadataPrefix=oai_dc&identifier=" + quote(STRATEGIES, safe="")
               in link for link in page.links)
    assert "human-rights:trafficking:security-sector" in r.data.decode()


def test_hostile_record_is_text_everywhere(client):
    r = get(client, record_path(HOSTILE_ID))
    html = r.data.decode()
    page = Page(html)
    assert "<script>alert" not in html and "<b onmouseover" not in html
    assert page.tags.count("script") == 1                  # the JSON-LD block alone
    data = json.loads(page.scripts[0])                      # and it parses back to the values
    assert data["name"] == "Evil " + EVIL
    assert "</script" not in page.scripts[0]
    assert page.values("citation_title") == ["Evil " + EVIL]
    assert page.values("citation_author") == ['Doe, "Jane" <x>', "Roe, Richard"]
    assert page.values("citation_publication_date") == ["2019/5/7"]
    assert page.values("citation_doi") == ["10.1234/abc.5"]
    assert "javascript:alert(1)" in html                    # shown as text ...
    assert not any(link.lower().startswith("javascript") for link in page.links)   # never a link
    assert "https://example.org/related?a=1&b=2" in page.links


def test_harvested_record_shows_where_it_came_from(client):
    page = Page(get(client, record_path(HOSTILE_ID)).data.decode())
    assert ("https://partner.example.org/oai?verb=GetRecord&metadataPrefix=oai_dc"
            "&identifier=oai%3Apartner%3A77") in page.links
    assert "https://partner.example.org/oai" in page.links


def test_deleted_record_is_a_410_tombstone_without_citation_tags(client):
    r = get(client, record_path(TOMBSTONE), 410)
    assert "withdrawn" in r.data.decode()
    assert Page(r.data.decode()).values("citation_title") == []


@pytest.mark.parametrize("path", [
    "/records/oai:granary.example.org:nothing-here",
    "/records/not an identifier",
    "/records/" + "x" * 3000,
    "/records/%00%01",
    "/sets/no-such-set",
    "/sets/%00",
])
def test_unknown_records_and_sets_are_html_404s(client, path):
    r = get(client, path, 404)
    assert r.content_type.startswith("text/html") and "<h1>" in r.data.decode()


@pytest.mark.parametrize("after", [
    "bad", "~", "12~", "x~oai:a:b", "-1~oai:a:b", "99999999999999~oai:a:b", "1~" + "x" * 2000,
    "1~oai:a:\x01", "1~%ED%A0%80", "١٢~oai:a:b", "1' OR 1=1 --~x",
])
def test_a_bad_cursor_is_400(client, after):
    for path in ("/browse", "/sets/human-rights", "/search?q=trafficking&"):
        sep = "&" if "?" in path else "?"
        r = get(client, f"{path}{sep}after={quote(after)}", 400)
        assert "not one of ours" in r.data.decode()


@pytest.mark.parametrize("raw, status", [
    # Werkzeug keeps bytes that are not UTF-8 percent-encoded: an identifier like any other,
    # after which nothing comes.
    ("1~oai:a:%ED%A0%80", 200), ("1~oai:a:%FF", 200),
    ("%FF~oai:a:b", 400), ("1~%00", 400), ("1~oai:a:%00", 400), ("1~oai:a:b%0A", 400)])
def test_a_cursor_of_odd_bytes(client, raw, status):
    r = get(client, "/browse?after=" + raw, status)
    if status == 200:
        assert "No records here after this point" in r.data.decode()


@pytest.mark.parametrize("q", [
    '"', "'", "AND", "OR NOT", "title:evil", "evil*", "NEAR(a b)", "^", "(", "-", ")",
    "\x00", "🙂", "a" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "%", "\\",
    " ".join(["w"] * 100),
])
def test_hostile_search_text_never_breaks_the_page(client, q):
    r = get(client, "/search?q=" + quote(q))
    assert "<script>alert" not in r.data.decode()


def test_search_finds_by_title_creator_subject_and_description(client):
    def found(q):
        return [link for link in Page(get(client, "/search?q=" + quote(q)).data.decode()).links
                if link.startswith("/records/")]
    assert found("EVIL") == [record_path(HOSTILE_ID)]
    assert record_path(HOSTILE_ID) in found("Roe")                     # creator
    assert record_path(STRATEGIES) in found("friesendorf")
    assert record_path(STRATEGIES) in found("security sector")        # every word, any field
    assert found("security zzzznothing") == []


def test_search_with_no_results_and_no_words(client):
    assert "No records match" in get(client, "/search?q=zzzznothing").data.decode()
    assert "Type some words" in get(client, "/search").data.decode()
    assert "No records match" in get(client, "/search?q=%22%22").data.decode()


def _follow(client, path):
    """Every record a list shows, following its "Older records" links to the end."""
    seen = []
    while path:
        html = get(client, path).data.decode()
        seen += [link for link in Page(html).links if link.startswith("/records/")]
        m = re.search(r'<a rel="next" href="([^"]+)"', html)
        path = m.group(1).replace("&amp;", "&") if m else None
    return seen


def test_keyset_paging_visits_every_record_once_newest_first(client, monkeypatch, demo_store):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    seen = _follow(client, "/browse")
    assert len(seen) == LIVE and len(set(seen)) == LIVE
    assert record_path(TOMBSTONE) not in seen
    in_set = _follow(client, "/sets/human-rights:trafficking")
    assert len(in_set) == 4 and len(set(in_set)) == 4          # five in the set, one withdrawn
    searched = _follow(client, "/search?q=trafficking")
    assert len(searched) == len(set(searched)) >= 4


def test_newest_first_follows_the_datestamps(client, demo_store, clock):
    clock.advance(60)
    with demo_store.writer() as w:
        w.delete(HOSTILE_ID)
    clock.advance(60)
    from tests.pages.conftest import hostile_draft
    with demo_store.writer() as w:
        w.put(hostile_draft())                                    # revived: newest again
    first = [link for link in Page(get(client, "/browse").data.decode()).links
             if link.startswith("/records/")]
    assert first[0] == record_path(HOSTILE_ID)


def test_sitemap_robots_and_stylesheet(client):
    robots = get(client, "/robots.txt").data.decode()
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /search" in robots
    xml = get(client, "/sitemap.xml").data.decode()
    assert xml.count("<url>") == LIVE and TOMBSTONE not in xml
    css = get(client, "/assets/style.css")
    assert css.content_type.startswith("text/css") and b"@media" in css.data


def test_oai_endpoint_is_unchanged(client):
    r = get(client, "/oai?verb=Identify")
    assert r.content_type.startswith("text/xml") and b"<Identify>" in r.data
