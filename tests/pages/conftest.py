"""Fixtures of the page tests: the demo catalogue, plus a harvested record whose every value
is hostile markup, served by an app on SQLite and (when configured) PostgreSQL."""
from __future__ import annotations

import pytest

from oai.ingest import Catalog, load_demo
from schemas import default_registry
from store.record_types import DCValue, Origin, RecordDraft

REPO = "granary.example.org"
HOSTILE_ID = f"oai:{REPO}:hostile/a&b"
EVIL = '</script><script>alert(1)</script><b onmouseover="x">"bold"</b>'
ORIGIN = Origin("partner", "https://partner.example.org/oai", "oai:partner:77", "2020-01-02",
                "http://www.openarchives.org/OAI/2.0/oai_dc/", "2024-01-01T00:00:00Z")


def hostile_draft() -> RecordDraft:
    dc = (DCValue("title", "Evil " + EVIL), DCValue("creator", 'Doe, "Jane" <x>'),
          DCValue("creator", "Roe, Richard"), DCValue("date", "2019-05-07"),
          DCValue("publisher", "Press & Co"), DCValue("subject", "trafficking"),
          DCValue("description", "An abstract " + EVIL),
          DCValue("identifier", "javascript:alert(1)"),
          DCValue("identifier", "https://doi.org/10.1234/abc.5"),
          DCValue("relation", "https://example.org/related?a=1&b=2"),
          DCValue("language", "en"))
    xml = default_registry().get("oai_dc").serialize(dc)
    return RecordDraft(identifier=HOSTILE_ID, dc=dc, sets=("reports",), origin=ORIGIN,
                       disseminations={"oai_dc": xml})


@pytest.fixture
def demo_store(store):
    catalog = Catalog(store, default_registry(), REPO)
    load_demo(catalog)
    with store.writer() as w:
        w.put(hostile_draft())
    return store


@pytest.fixture
def app(demo_store):
    from oai import create_app

    app = create_app({"OAI_DATABASE_URL": demo_store.url, "OAI_REPOSITORY_IDENTIFIER": REPO,
                      "OAI_REPOSITORY_NAME": "Granary test library",
                      "OAI_ADMIN_EMAIL": "librarian@library.example.org", "TESTING": True})
    yield app
    app.extensions["granary"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()
