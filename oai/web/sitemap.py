"""The sitemaps (sitemaps.org protocol 0.9), written with lxml's incremental writer and
streamed: a urlset of record pages, or, beyond one page, a sitemapindex of urlsets.

A urlset holds at most PAGE_SIZE URLs (the protocol's limit is 50,000 URLs and 50 MB; our
record URLs are under 1 KB, so 50,000 of them stay well under 50 MB). Page k holds the live
records whose id (the stable internal key) is in ((k-1)*PAGE_SIZE, k*PAGE_SIZE]: a
primary-key range, never OFFSET, so new records change only the last page and a deletion
shrinks one (discovery.md §3.2); the index needs only the highest id. ``<lastmod>`` is the record's
OAI-PMH datestamp, so the two interfaces agree.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Iterable, Iterator

from lxml import etree

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PAGE_SIZE = 50_000
_FLUSH_BYTES = 64 * 1024


def _lastmod(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")     # W3C Datetime, UTC


def urlset(entries: Iterable[tuple[str, datetime]]) -> Iterator[bytes]:
    """A <urlset> of (absolute page URL, last change), in chunks as they are written."""
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("urlset", nsmap={None: NS}):
            for loc, moment in entries:
                with xf.element("url"):
                    with xf.element("loc"):
                        xf.write(loc)
                    with xf.element("lastmod"):
                        xf.write(_lastmod(moment))
                if buffer.tell() >= _FLUSH_BYTES:
                    yield _take(buffer)
    yield _take(buffer)


def sitemap_index(locations: Iterable[str]) -> Iterator[bytes]:
    """A <sitemapindex> of the urlsets at *locations* (absolute URLs)."""
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("sitemapindex", nsmap={None: NS}):
            for loc in locations:
                with xf.element("sitemap"):
                    with xf.element("loc"):
                        xf.write(loc)
                if buffer.tell() >= _FLUSH_BYTES:
                    yield _take(buffer)
    yield _take(buffer)


def _take(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data
