"""Partners that misdescribe themselves, through the real run loop: a format declared in the
wrong namespace, an Identify that cannot be read. Each partner is harvested completely, its
records are served in our oai_dc, and the problem is said once per run (summary line, the
run's message in ``sources show``), never once per record."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from lxml import etree

from oai.harvest.mapping import our_identifier
from oai.harvest.sources import show_lines
from tests.harvest.fakecatalogue import FORMATS, OAI_DC_NS, make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.conftest import OURS, all_rows
from tests.harvest_run.test_cli_harvest import cli  # noqa: F401 - the CLI fixture

DATA = Path(__file__).parent.parent / "harvest" / "data"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
NO_SLASH = OAI_DC_NS.rstrip("/")
RECORDS = make_records(10)
LIVE = [r for r in RECORDS if not r.deleted]


def ours(ident: str, source: str = "fake") -> str:
    return our_identifier(OURS, source, ident)


def served_oai_dc(serve_granary, store, clock) -> dict[str, etree._Element]:
    """identifier -> <record> of every record our endpoint lists in oai_dc (all pages)."""
    b = serve_granary(store.url, OURS, clock)
    found: dict[str, etree._Element] = {}
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        root = etree.fromstring(requests.get(b.base_url, params=params, timeout=10).content)
        assert root.find(f"{OAI}error") is None, etree.tostring(root)
        for rec in root.iter(f"{OAI}record"):
            found[rec.findtext(f"{OAI}header/{OAI}identifier")] = rec
        token = root.findtext(f".//{OAI}resumptionToken")
        if not token:
            return found
        params = {"verb": "ListRecords", "resumptionToken": token}


def last_run(store, name: str = "fake"):
    return store.harvest.runs(name, limit=1)[0]


@pytest.fixture
def fake():
    partner = FakePartner(make_records(10)).start()
    yield partner
    partner.stop()


# -- a format declared in the wrong namespace ----------------------------------------------

def test_oai_dc_declared_without_its_final_slash_is_still_oai_dc(
        store, fake, run_harvest, serve_granary, clock):
    fake.catalogue.declared = {"oai_dc": (FORMATS["oai_dc"][0], NO_SLASH),
                               "simple": FORMATS["simple"]}
    store.harvest.add_source("fake", fake.base_url)
    report = run_harvest(store, "fake")
    assert (report.status, report.exit_code) == ("success", 0)
    assert (report.added, report.deleted, report.set_aside) == (8, 2, [])
    # No learnt format: the records are Dublin Core and kept as such.
    assert store.harvest.formats() == []
    for rec in LIVE:
        stored = store.get_stored(ours(rec.identifier))
        assert "oai_dc" in stored.formats and stored.dc
    # Said once: on the summary line and in the run's message, naming what was declared.
    assert report.summary().count(NO_SLASH + "'") == 1
    assert last_run(store).message.count(NO_SLASH + "'") == 1
    shown = [line for line in show_lines(store.harvest, "fake") if NO_SLASH + "'" in line]
    assert len(shown) == 1 and "success" in shown[0]
    assert not any(NO_SLASH in note for note in report.notes)   # not once per record

    listed = served_oai_dc(serve_granary, store, clock)
    assert set(listed) == {ours(r.identifier) for r in RECORDS}
    title = listed[ours(LIVE[0].identifier)].find(f".//{{{OAI_DC_NS}}}dc")
    assert title is not None and LIVE[0].title in "".join(title.itertext())


def test_another_prefix_declared_in_a_wrong_namespace_but_sending_oai_dc(
        store, run_harvest, serve_granary, clock):
    records = make_records(10)
    for rec in records:
        rec.formats = ("oai_dc", "dc")
    partner = FakePartner(records).start()
    partner.catalogue.declared = {"oai_dc": FORMATS["oai_dc"],
                                  "dc": ("http://example.org/dc.xsd", NO_SLASH)}
    partner.catalogue.dc_prefixes = ("oai_dc", "dc")
    try:
        store.harvest.add_source("fake", partner.base_url, prefix="dc")
        report = run_harvest(store, "fake")
        # A record deleted later: its tombstone is announced where the record was served.
        gone = records[0]
        gone.deleted, gone.datestamp = True, datetime.now(timezone.utc)
        later = run_harvest(store, "fake")
    finally:
        partner.stop()
    assert (later.status, later.mode, later.deleted) == ("success", "incremental", 1)
    assert report.status == "success" and (report.added, report.deleted) == (8, 2)
    for rec in records[1:]:
        if not rec.deleted:
            stored = store.get_stored(ours(rec.identifier))
            assert "oai_dc" in stored.formats and stored.dc
    # One warning for the eight records, naming both namespaces.
    warning = store.harvest.runs("fake", limit=2)[1].message
    assert warning.count(OAI_DC_NS + "'") == 1 and warning.count(NO_SLASH + "'") == 1
    assert "8 record" in warning
    assert report.summary().count(OAI_DC_NS + "'") == 1
    listed = served_oai_dc(serve_granary, store, clock)
    assert {ours(r.identifier) for r in records if not r.deleted} <= set(listed)
    tombstone = listed[ours(gone.identifier)].find(f"{OAI}header")
    assert tombstone.get("status") == "deleted"


def test_a_partner_that_describes_its_format_correctly_gets_no_warning(
        store, fake, run_harvest):
    store.harvest.add_source("fake", fake.base_url)
    report = run_harvest(store, "fake")
    assert report.status == "success" and report.message is None and not report.warnings
    assert last_run(store).message is None


# -- an Identify that cannot be read ----------------------------------------------------------

@pytest.mark.parametrize("fixture, problem", [
    ("identify_undefined_entity.xml", "undefined-entity"),
    ("identify_dtd.xml", "DTD"),
    ("identify_not_well_formed.xml", "not well-formed"),
])
def test_an_unusable_identify_harvests_at_day_granularity(
        store, fake, run_harvest, serve_granary, clock, fixture, problem):
    broken = fake.fault("body", on="Identify", times=0, data=(DATA / fixture).read_bytes())
    store.harvest.add_source("fake", fake.base_url)
    report = run_harvest(store, "fake")
    assert (report.status, report.exit_code) == ("success", 0)
    assert (report.added, report.deleted, report.set_aside) == (8, 2, [])
    for text in (report.summary(), last_run(store).message):
        assert "Identify" in text and problem in text and "day granularity" in text
    assert any("Identify" in line and "day granularity" in line
               for line in show_lines(store.harvest, "fake"))

    # Incremental and range bounds go out as days: the coarsest form is always safe.
    again = run_harvest(store, "fake")
    assert (again.status, again.mode) == ("success", "incremental")
    sent = [r.params for r in fake.requests if r.params.get("verb") == "ListRecords"
            and "resumptionToken" not in r.params]
    assert len(sent[-1]["from"]) == len("2024-01-01")
    ranged = run_harvest(store, "fake", from_="2024-01-02T05:06:07Z",
                         until="2024-01-02T23:00:00Z")
    assert (ranged.status, ranged.from_, ranged.until) == ("success", "2024-01-02", "2024-01-02")

    # The next run asks Identify again; once it is readable, seconds are used again.
    fake.faults.remove(broken)
    asked = sum(r.params.get("verb") == "Identify" for r in fake.requests)
    fixed = run_harvest(store, "fake")
    assert sum(r.params.get("verb") == "Identify" for r in fake.requests) == asked + 1
    assert fixed.status == "success" and fixed.message is None
    assert len(fixed.from_) == len("2024-01-01T00:00:00Z")

    listed = served_oai_dc(serve_granary, store, clock)
    assert set(listed) == {ours(r.identifier) for r in RECORDS}


def test_an_unusable_identify_with_failing_lists_still_fails(store, fake, run_harvest):
    fake.fault("body", on="Identify", times=0,
               data=(DATA / "identify_not_well_formed.xml").read_bytes())
    fake.fault("status", on="ListRecords", code=401, times=0)
    store.harvest.add_source("fake", fake.base_url)
    report = run_harvest(store, "fake")
    assert (report.status, report.exit_code) == ("failed", 1)
    assert "HTTP 401" in report.message and "Identify" in report.message
    assert all_rows(store) == []


def test_the_cli_summary_of_an_unusable_identify_is_a_success_with_a_warning(
        cli, fake):  # noqa: F811 - pytest passes the imported fixture
    fake.fault("body", on="Identify", times=0,
               data=(DATA / "identify_dtd.xml").read_bytes())
    assert cli("sources", "add", "fake", fake.base_url)[0] == 0
    code, out, _ = cli("harvest", "fake")
    assert code == 0
    line = out.splitlines()[0]
    assert line.startswith("fake: success (full): 8 added, 0 updated, 0 unchanged, 2 deleted")
    assert "warning: Identify was unusable" in line and "day granularity" in line
    code, out, _ = cli("sources", "show", "fake")
    assert code == 0 and out.count("warning: Identify was unusable") == 1
