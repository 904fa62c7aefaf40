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
    assert len(pages) == -(-LIVE // size)
    locs = []
    for page in pages:
        got = fetch(client, page).xpath("//s:loc/text()", namespaces=NS)
        assert 0 < len(got) <= size
        locs += got
    assert len(locs) == LIVE and len(set(locs)) == LIVE


def test_a_sitemap_page_link_that_is_not_ours(client):
    r = client.get("/sitemap-records.xml?after=" + "x" * 3000)
    r.get_data()
    r.close()
    assert r.status_code == 400
