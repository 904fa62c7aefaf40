"""The demo catalogue: what it holds, that it loads idempotently, and that it states only what
the library's own documents state."""
from __future__ import annotations

import pytest

from harvest_cli import main
from oai.ingest import Catalog, demo_sets, load_demo
from schemas import default_registry
from store.record_types import ListQuery

REPO = "granary.example.org"
STRATEGIES = f"oai:{REPO}:strategies-against-human-trafficking"
RESPONSES = f"oai:{REPO}:security-sector-responses-to-trafficking"
TOMBSTONE = f"oai:{REPO}:strategies-against-human-trafficking-duplicate"


@pytest.fixture
def demo(store):
    catalog = Catalog(store, default_registry(), REPO)
    counts = load_demo(catalog)
    return catalog, counts


def values(record, element):
    return [v.value for v in record.dc if v.element == element]


def test_demo_loads_records_a_tombstone_and_named_sets(demo, store):
    catalog, counts = demo
    assert (counts.added, counts.deleted, counts.updated) == (5, 1, 0)
    assert [(s.spec, s.name) for s in catalog.sets()] == [
        ("human-rights", "Human Rights"),
        ("human-rights:trafficking", "Trafficking in Human Beings"),
        ("human-rights:trafficking:security-sector", "The Security Sector and Human Trafficking"),
        ("instruments", "International Instruments"),
        ("reports", "Reports")]
    described = {s.spec for s in catalog.sets() if s.description}
    assert {"human-rights", "instruments", "reports"} <= described
    gone = store.get_stored(TOMBSTONE)
    assert gone.deleted and gone.dc == () and store.record_formats(TOMBSTONE) == [
        "marc21", "mods", "oai_dc"]


def test_set_hierarchy_reaches_down(demo, store):
    def count(spec):
        return store.count(ListQuery("oai_dc", set_spec=spec))
    assert count("human-rights:trafficking:security-sector") == 3   # two books + the tombstone
    assert count("human-rights:trafficking") == 5
    assert count("human-rights") == 5
    assert count("instruments") == 2 and count("reports") == 1


def test_demo_states_the_documents_facts(demo, store):
    book = store.get_stored(STRATEGIES)
    assert values(book, "title") == [
        "Strategies Against Human Trafficking: The Role of the Security Sector"]
    assert values(book, "creator") == ["Friesendorf, Cornelius (Ed.)"]
    assert values(book, "date") == ["2009-09"] and values(book, "format") == ["514 p."]
    assert "Geneva Centre for the Democratic Control of Armed Forces" in values(book,
                                                                                "publisher")[0]
    assert values(book, "description")[0].startswith("In 2000, the international community")
    paper = store.get_stored(RESPONSES)
    assert values(paper, "date") == ["2006-12-31"]
    assert any("4.4. Prevention in Countries of Origin" in d for d in values(paper, "description"))
    titles = {v.value for rec in map(store.get_stored, [
        f"oai:{REPO}:un-convention-against-transnational-organized-crime",
        f"oai:{REPO}:trafficking-in-persons-protocol",
        f"oai:{REPO}:unodc-global-report-on-trafficking-in-persons-2009"])
        for v in rec.dc if v.element == "title"}
    assert titles == {
        "United Nations Convention against Transnational Organized Crime",
        "Protocol to Prevent, Suppress and Punish Trafficking in Persons, especially Women "
        "and Children",
        "Global Report on Trafficking in Persons"}


def test_demo_invents_nothing(demo, store):
    """No URLs, ISBNs or identifiers the documents do not give; the library that holds the
    documents is named only where it belongs (a set description), not as their publisher."""
    page = store.list_page(ListQuery("oai_dc"), after=None, limit=100)
    records = [store.get_stored(r.identifier) for r in page]
    assert len(records) == 6
    for rec in records:
        for v in rec.dc:
            assert "http" not in v.value and "ISBN" not in v.value.upper()
            assert "Open Access Publisher" not in v.value
        assert not values(rec, "identifier")
    library = [s.spec for s in demo_sets() if "Open Access Publisher and Free Library"
               in (s.description or "")]
    assert library == ["human-rights"]


def test_every_demo_record_is_schema_valid(demo, store, validate):
    rows = store.list_page(ListQuery("oai_dc"), after=None, limit=100)
    live = [r for r in rows if not r.deleted]
    assert len(live) == 5
    for row in live:
        validate(row.metadata)


def test_demo_again_changes_nothing(demo, store, clock):
    catalog, _ = demo
    before = {r.identifier: r.datestamp
              for r in store.list_page(ListQuery("oai_dc"), after=None, limit=100)}
    clock.advance(86400)
    again = load_demo(catalog)
    assert (again.added, again.updated, again.unchanged, again.deleted) == (0, 0, 6, 0)
    after = {r.identifier: r.datestamp
             for r in store.list_page(ListQuery("oai_dc"), after=None, limit=100)}
    assert after == before


def test_demo_command(store_url, capsys):
    assert main(["--database", store_url, "demo"]) == 0
    assert capsys.readouterr().out == ("demo catalogue: 5 added, 0 updated, 0 unchanged, "
                                       "1 deleted; 5 sets\n")
    assert main(["--database", store_url, "demo"]) == 0
    assert "0 added, 0 updated, 6 unchanged, 0 deleted" in capsys.readouterr().out
