"""A partner format with no crosswalk (the fake partner's "simple", like arXiv or DIF) is
harvested together with the partner's oai_dc for the same records, and each record is served
in both (and in every format made from Dublin Core); a partner with no oai_dc either is
reported in the run's summary and in ``sources show``."""
from __future__ import annotations

from oai.harvest.mapping import our_identifier
from oai.harvest.sources import show_lines
from tests.formats.test_harvest_formats import formats_answer
from tests.harvest.fakecatalogue import SIMPLE_NS
from tests.harvest_run.conftest import OURS

ALL = ("marc21", "mods", "oai_dc", "simple")


def test_the_partners_oai_dc_is_taken_for_a_format_without_crosswalk(
        store, clock, partner, run_harvest):
    records = partner.catalogue.records
    store.harvest.add_source("two", partner.base_url, prefix=("simple", "oai_dc"))
    assert store.harvest.get_source("two").prefix == "simple oai_dc"
    report = run_harvest(store, "two")
    assert report.status == "success" and not report.warnings
    live = [r for r in records if not r.deleted]
    gone = [r for r in records if r.deleted]
    for rec in live:
        stored = store.get_stored(our_identifier(OURS, "two", rec.identifier))
        assert stored.formats == ALL
        assert ("title", rec.title) in [(v.element, v.value) for v in stored.dc]
        assert stored.origin.metadata_namespace == SIMPLE_NS   # the source's own format
        simple = store.get_record(stored.identifier, "simple").metadata
        assert simple == stored.origin.raw_metadata
    for rec in gone:
        ident = our_identifier(OURS, "two", rec.identifier)
        assert store.get_stored(ident).deleted
        assert store.record_formats(ident) == list(ALL)    # deleted in every format
    # Harvesting everything again changes nothing: neither pass undoes the other.
    stamps = {r.identifier: store.get_stored(our_identifier(OURS, "two", r.identifier))
              .datestamp for r in live}
    clock.advance(3600)
    again = run_harvest(store, "two", full=True)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged > 0
    for rec in live:
        stored = store.get_stored(our_identifier(OURS, "two", rec.identifier))
        assert stored.datestamp == stamps[rec.identifier] and stored.formats == ALL


def test_oai_dc_is_taken_without_being_asked(store, partner, run_harvest):
    store.harvest.add_source("one", partner.base_url, prefix="simple")
    assert run_harvest(store, "one").status == "success"
    first = next(r for r in partner.catalogue.records if not r.deleted)
    assert store.get_stored(our_identifier(OURS, "one", first.identifier)).formats == ALL


def test_a_partner_without_oai_dc_is_reported(store, partner, run_harvest):
    partner.fault("body", on="ListMetadataFormats", times=0,
                  data=formats_answer("simple", SIMPLE_NS, "urn:example:simple.xsd")
                  .replace(b"<metadataPrefix>oai_dc</metadataPrefix>",
                           b"<metadataPrefix>dc_other</metadataPrefix>"))
    store.harvest.add_source("lonely", partner.base_url, prefix="simple")
    report = run_harvest(store, "lonely")
    assert report.status == "success"
    assert any(w.startswith("no oai_dc: the partner does not offer oai_dc") for w in
               report.warnings)
    first = next(r for r in partner.catalogue.records if not r.deleted)
    assert store.get_stored(our_identifier(OURS, "lonely", first.identifier)).formats == \
        ("simple",)
    shown = list(show_lines(store.harvest, "lonely"))
    assert "oai_dc:     none: the partner offers no oai_dc and its format has no crosswalk" \
        in shown
    assert any("no oai_dc: the partner does not offer oai_dc" in line for line in shown)


def test_sources_add_takes_several_prefixes(store_url, capsys, monkeypatch, partner):
    from harvest_cli import main

    monkeypatch.delenv("OAI_DATABASE_URL", raising=False)
    code = main(["--database", store_url, "sources", "add", "p", partner.base_url,
                 "--prefix", "simple", "--prefix", "oai_dc"])
    assert code == 0
    assert "(simple oai_dc)" in capsys.readouterr().out
    assert main(["--database", store_url, "sources", "show", "p"]) == 0
    assert "format:     simple, oai_dc" in capsys.readouterr().out
