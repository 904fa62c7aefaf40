"""The sitemaps: one urlset up to PAGE_SIZE records, a sitemap index of keyset pages beyond,
every live record page listed once, with its datestamp, and valid sitemap XML."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from lxml import etree

from oai.web import sitemap
from tests.pages.conftest import HOSTILE_ID

NS = {"s": sitemap.NS}
LIVE = 6


def fetch(client, url):
    parts = urlsplit(url)
    r = client.get(parts.path + ("?" + parts.query if parts.query else ""))
    body = r.get_data()
    r.close()
    assert r.status_code == 200 and r.content_type.startswith("application/xml")
    return etree.fromstring(body)


def test_one_urlset_when_it_fits(client):
    root = fetch(client, "/sitemap.xml")
    assert root.tag == f"{{{sitemap.NS}}}urlset"
    locs = root.xpath("//s:loc/text()", namespaces=NS)
    assert len(locs) == LIVE and all(loc.startswith("http://localhost/records/") for loc in locs)
    assert all(m.endswith("Z") for m in root.xpath("//s:lastmod/text()", namespaces=NS))
    assert "http://localhost/records/" + HOSTILE_ID in locs      # & escaped by the writer


@pytest.mark.parametrize("size", [1, 2, 4, 5])
def test_an_index_of_keyset_pages_beyond(client, monkeypatch, size):
    monkeypatch.setattr(sitemap, "PAGE_SIZE", size)
    root = fetch(client, "/sitemap.xml")
    assert root.tag == f"{{{sitemap.NS}}}sitemapindex"
    pages = root.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    assert len(pages) == -(-(LIVE + 1) // size)       # id ranges: the tombstone has an id too
    locs = []
    for page in pages:
        got = fetch(client, page).xpath("//s:loc/text()", namespaces=NS)
        assert len(got) <= size           # a page of ids may hold only a tombstone
        locs += got
    assert len(locs) == LIVE and len(set(locs)) == LIVE


@pytest.mark.parametrize("page", ["", "0", "-1", "x", "1.5", "9" * 30, "%00", "١"])
def test_a_sitemap_page_link_that_is_not_ours(client, page):
    r = client.get("/sitemap-records.xml?page=" + page)
    r.get_data()
    r.close()
    assert r.status_code == 400


def test_a_page_past_the_end_is_empty(client):
    assert fetch(client, "/sitemap-records.xml?page=99").xpath("//s:loc",
                                                               namespaces=NS) == []


def test_sitemap_urls_are_the_canonical_links(client):
    from tests.pages.test_pages import Page
    for loc in fetch(client, "/sitemap.xml").xpath("//s:loc/text()", namespaces=NS):
        r = client.get(urlsplit(loc).path)
        canonical = Page(r.get_data(as_text=True)).canonical
        r.close()
        assert r.status_code == 200 and canonical == [loc]
