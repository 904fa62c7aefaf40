"""A second Granary harvesting the first: same records, sets and deletions; an incremental
second harvest takes only what changed; records are re-published with schema-valid
provenance, chained through a third Granary; other formats are served again verbatim."""
from __future__ import annotations

from datetime import datetime, timezone

import requests
from lxml import etree

from oai.harvest.mapping import our_identifier
from schemas.oai_dc import OAI_DC
from store.record_types import DCValue, RecordDraft, SetInfo
from tests.conftest import FakeClock
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.conftest import OURS, snapshot

A_ID = "a.example.org"
PROV = "{http://www.openarchives.org/OAI/2.0/provenance}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
SETS = {"books": "Books", "books:old": "Old books", "maps": "Maps"}


def draft(local: str, *dc: DCValue, sets: tuple[str, ...] = ()) -> RecordDraft:
    return RecordDraft(f"oai:{A_ID}:{local}", dc=dc, sets=sets,
                       disseminations={"oai_dc": OAI_DC.serialize(dc)})


def fill(store, n: int = 8) -> None:
    """*n* records of ours in A: sets, languages, two deleted."""
    with store.writer() as w:
        for spec, name in SETS.items():
            w.put_set(SetInfo(spec, name))
        for i in range(n):
            sets = [("books:old",), ("maps",), ("books", "maps"), ()][i % 4]
            w.put(draft(f"rec-{i}", DCValue("title", f"Record {i}", "en"),
                        DCValue("creator", f"Author {i % 3}"),
                        DCValue("subject", "Cartography & <maps>"), sets=sets))
    with store.writer() as w:
        w.delete(f"oai:{A_ID}:rec-1")
        w.delete(f"oai:{A_ID}:rec-6")


def assert_same(a_store, b_store, source: str = "a") -> None:
    """Every record of A is in B under our identifier, with its values, sets and deletion."""
    a, b = snapshot(a_store), snapshot(b_store)
    assert len(b) == len(a)
    for ident, (deleted, dc, sets, _) in a.items():
        b_deleted, b_dc, b_sets, origin = b[our_identifier(OURS, source, ident)]
        assert (b_deleted, b_dc) == (deleted, dc)
        assert b_sets == (tuple(f"partner:{source}:{s}" for s in sets) or (f"partner:{source}",))
        assert origin.identifier == ident and origin.source == source


def test_second_store_takes_everything_then_only_what_changed(
        tmp_path, store, clock, serve_granary, run_harvest):
    a_clock = FakeClock(datetime(2024, 3, 1, tzinfo=timezone.utc))
    a = serve_granary(f"sqlite:///{tmp_path / 'a.db'}", A_ID, a_clock)
    fill(a.store)
    a_clock.advance(7200)   # past the default overlap: the next harvest sees only changes
    store.harvest.add_source("a", a.base_url)

    first = run_harvest(store, "a")
    assert (first.status, first.mode, first.from_) == ("success", "full", None), first.summary()
    assert (first.added, first.deleted, first.updated) == (6, 2, 0)
    assert first.pages == 3  # 8 records, 3 a page
    assert_same(a.store, store)
    names = {s.spec: s.name for s in store.list_sets(after=None, limit=100)}
    assert {f"partner:a:{k}": v for k, v in SETS.items()}.items() <= names.items()
    assert names["partner:a"] == f"Harvested from Granary {A_ID}"
    assert store.harvest.get_source("a").watermark == "2024-03-01T02:00:00Z"

    a_clock.advance(86400)
    with a.store.writer() as w:
        w.put(draft("rec-0", DCValue("title", "Record 0, revised"), sets=("maps",)))
        w.put(draft("new", DCValue("title", "New")))
        w.delete(f"oai:{A_ID}:rec-2")
    a_clock.advance(7200)
    clock.advance(60)
    second = run_harvest(store, "a")
    assert (second.status, second.mode, second.from_) == \
        ("success", "incremental", "2024-03-01T01:00:00Z")   # watermark minus one hour
    assert (second.added, second.updated, second.deleted, second.unchanged) == (1, 1, 1, 0)
    assert_same(a.store, store)

    third = run_harvest(store, "a")   # nothing new: noRecordsMatch is success
    assert (third.status, third.records, third.pages) == ("success", 0, 1)


def test_republished_records_carry_valid_chained_provenance(
        tmp_path, serve_granary, run_harvest, validate):
    """A -> B -> C: C's provenance nests B's, and every response validates."""
    clock = FakeClock(datetime(2024, 3, 1, tzinfo=timezone.utc))
    a = serve_granary(f"sqlite:///{tmp_path / 'a.db'}", A_ID, clock)
    fill(a.store, 4)
    clock.advance(10)
    b = serve_granary(f"sqlite:///{tmp_path / 'b.db'}", "b.example.org", clock)
    b.store.harvest.add_source("a", a.base_url)
    assert run_harvest(b.store, "a", "b.example.org").status == "success"
    clock.advance(10)
    c = serve_granary(f"sqlite:///{tmp_path / 'c.db'}", "c.example.org", clock)
    c.store.harvest.add_source("b", b.base_url)
    assert run_harvest(c.store, "b", "c.example.org").status == "success"

    original = f"oai:{A_ID}:rec-0"
    in_b = our_identifier("b.example.org", "a", original)
    in_c = our_identifier("c.example.org", "b", in_b)
    for base, ident in ((b.base_url, in_b), (c.base_url, in_c)):
        for params in ({"verb": "GetRecord", "identifier": ident, "metadataPrefix": "oai_dc"},
                       {"verb": "ListRecords", "metadataPrefix": "oai_dc"}):
            body = requests.get(base, params=params, timeout=10).content
            validate(body)
    body = requests.get(c.base_url, params={"verb": "GetRecord", "identifier": in_c,
                                            "metadataPrefix": "oai_dc"}, timeout=10).content
    outer = etree.fromstring(body).find(f".//{OAI}about/{PROV}provenance/{PROV}originDescription")
    inner = outer.find(f"{PROV}originDescription")
    assert outer.findtext(f"{PROV}baseURL") == b.base_url
    assert outer.findtext(f"{PROV}identifier") == in_b
    assert outer.get("harvestDate") == "2024-03-01T00:00:20Z" and outer.get("altered") == "false"
    assert inner.findtext(f"{PROV}baseURL") == a.base_url
    assert inner.findtext(f"{PROV}identifier") == original
    assert inner.findtext(f"{PROV}datestamp") == "2024-03-01T00:00:00Z"
    assert inner.get("harvestDate") == "2024-03-01T00:00:10Z"
    assert inner.find(f"{PROV}originDescription") is None
    # Tombstones carry no about (§2.5.1), and were passed along as tombstones.
    gone = our_identifier("c.example.org", "b", our_identifier("b.example.org", "a",
                                                                 f"oai:{A_ID}:rec-1"))
    assert c.store.get_stored(gone).deleted


def test_partner_provenance_is_kept_and_other_formats_are_served_verbatim(
        tmp_path, store, clock, serve_granary, run_harvest, validate):
    records = make_records(6)
    records[0].provenance = True
    fake = FakePartner(records).start()
    partner_url = fake.base_url
    try:
        store.harvest.add_source("fake", fake.base_url)
        store.harvest.add_source("fake-simple", fake.base_url, prefix="simple")
        assert run_harvest(store, "fake").status == "success"
        assert run_harvest(store, "fake-simple").status == "success"
    finally:
        fake.stop()
    b = serve_granary(store.url, OURS, clock)
    first = our_identifier(OURS, "fake", records[0].identifier)
    body = requests.get(b.base_url, params={"verb": "GetRecord", "identifier": first,
                                            "metadataPrefix": "oai_dc"}, timeout=10).content
    validate(body)
    ours = etree.fromstring(body).find(f".//{PROV}provenance/{PROV}originDescription")
    assert ours.findtext(f"{PROV}baseURL") == partner_url
    # The fake partner's provenance lacks baseURL and the rest: nesting it would make our
    # response invalid, so it is kept verbatim in the origin but not chained.
    assert ours.find(f"{PROV}originDescription") is None
    kept = store.get_stored(first).origin.about
    assert kept is not None and b'harvestDate="2023-01-01"' in kept

    formats = requests.get(b.base_url, params={"verb": "ListMetadataFormats"}, timeout=10)
    prefixes = [el.text for el in etree.fromstring(formats.content).iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc", "marc21", "mods", "simple"]
    simple = our_identifier(OURS, "fake-simple", records[2].identifier)
    body = requests.get(b.base_url, params={"verb": "GetRecord", "identifier": simple,
                                            "metadataPrefix": "simple"}, timeout=10).content
    payload = etree.fromstring(body).find(f".//{OAI}metadata")[0]
    assert payload.tag == "{urn:example:simple}record"
    assert payload.findtext("{urn:example:simple}name") == records[2].title
    stored = store.get_stored(simple)
    # "simple" has no crosswalk: the partner's oai_dc of the same record is taken too, so the
    # record is served in simple (verbatim, its origin) and in every format made from DC.
    assert stored.formats == ("marc21", "mods", "oai_dc", "simple")
    assert ("title", records[2].title) in [(v.element, v.value) for v in stored.dc]
    assert stored.origin.raw_metadata == etree.tostring(payload, encoding="utf-8")
