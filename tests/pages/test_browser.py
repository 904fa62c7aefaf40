"""The pages in a real browser: Debian's chromium driven by Playwright, against gunicorn
serving the demo catalogue on a free loopback port. Opens the home page, sees the demo
titles, follows a record, finds its citation tags, checks a phone-sized page does not scroll
sideways, and saves screenshots under pytest's tmp_path (and in $GRANARY_SCREENSHOTS when
set). Under CI=true a missing chromium or Playwright fails the test; elsewhere it skips."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from oai.ingest import Catalog, load_demo
from schemas import default_registry
from store import RecordStore
from tests.pages.conftest import REPO, hostile_draft
from tests.processes import running_server

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STRATEGIES = "Strategies Against Human Trafficking: The Role of the Security Sector"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the browser test must run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def sync_playwright():
    if not Path(CHROMIUM).is_file():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    return sync_playwright


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = RecordStore(url)
    store.upgrade()
    load_demo(Catalog(store, default_registry(), REPO))
    with store.writer() as w:
        w.put(hostile_draft())
    store.close()
    with running_server(url, workers=1, OAI_REPOSITORY_NAME="Granary demo library") as base:
        yield base.removesuffix("/oai")


@pytest.fixture
def shots(tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()
    yield folder
    extra = os.environ.get("GRANARY_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy(png, Path(extra) / png.name)


def test_a_reader_finds_and_opens_a_record(sync_playwright, server, shots):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900},
                                    java_script_enabled=False)
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            assert page.goto(server + "/").status == 200
            assert page.locator("h1").inner_text() == "Granary demo library"
            assert page.get_by_role("link", name=STRATEGIES).count() >= 1
            assert page.get_by_role("search").count() == 1
            page.screenshot(path=shots / "home.png", full_page=True)

            page.get_by_role("link", name=STRATEGIES).first.click()
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == STRATEGIES
            assert (page.locator('meta[name="citation_title"]').get_attribute("content")
                    == STRATEGIES)
            authors = page.locator('meta[name="citation_author"]')
            assert authors.count() == 1
            assert authors.first.get_attribute("content") == "Friesendorf, Cornelius (Ed.)"
            assert page.locator('link[rel="canonical"]').get_attribute("href") == page.url
            page.screenshot(path=shots / "record.png", full_page=True)

            page.get_by_label("Search titles, creators, subjects and descriptions").fill(
                "evil script")
            page.get_by_role("button", name="Search").click()
            page.wait_for_load_state()
            assert page.locator("ol.records li").count() == 1
            page.screenshot(path=shots / "search.png", full_page=True)
            page.locator("ol.records a").first.click()
            page.wait_for_load_state()
            assert page.locator("h1").inner_text().startswith("Evil </script>")
            assert dialogs == []                               # no script of a record ran

            phone = browser.new_page(viewport={"width": 360, "height": 740},
                                     device_scale_factor=2)
            phone.goto(server + "/")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 360
            phone.screenshot(path=shots / "home-phone.png", full_page=True)
            phone.goto(page.url)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 360
            phone.screenshot(path=shots / "record-phone.png", full_page=True)
        finally:
            browser.close()
    assert sorted(p.name for p in shots.glob("*.png")) == [
        "home-phone.png", "home.png", "record-phone.png", "record.png", "search.png"]


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch):
    import tests.pages.test_browser as module
    monkeypatch.setattr(module, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="must run under CI"):
        _unavailable("no chromium")
    monkeypatch.setattr(module, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        _unavailable("no chromium")
