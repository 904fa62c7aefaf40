"""Writes: added / updated / unchanged, datestamps, validation, transactions, provenance."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from store import DCValue, ListQuery, Origin, RecordDraft, SetInfo, StoreError, WriteCounts
from tests.store.helpers import T0, draft, put


def test_add_then_identical_put_is_unchanged_and_keeps_datestamp(store, clock):
    assert put(store, draft(1)) == ["added"]
    clock.advance(60)
    assert put(store, draft(1)) == ["unchanged"]
    rec = store.get_stored("oai:test:00001")
    assert rec.datestamp == T0
    assert rec.dc == (DCValue("title", "A title"), DCValue("creator", "Doe, J.", "en"))
    assert rec.formats == ("oai_dc",)


@pytest.mark.parametrize("change", [
    {"title": "Another title"},                                   # metadata edit
    {"dc": (DCValue("creator", "Doe, J.", "en"), DCValue("title", "A title"))},  # order
    {"dc": (DCValue("title", "A title"), DCValue("creator", "Doe, J.", "fr"))},  # lang
    {"sets": ("physics",)},                                       # set membership
    {"formats": ("oai_dc", "marc21")},                            # a new format (§2.7.1)
    {"about": b"<provenance/>"},
    {"origin": Origin("p", "https://p.example/oai", "oai:p:1", "2020-01-01",
                      "http://www.openarchives.org/OAI/2.0/oai_dc/", "2024-01-01T00:00:00Z")},
])
def test_any_change_is_an_update_stamped_now(store, clock, change):
    put(store, draft(1))
    now = clock.advance(90)
    assert put(store, draft(1, **change)) == ["updated"]
    assert store.get_stored("oai:test:00001").datestamp == now
    # The set closure carries the same datestamp (the copy used by set-selective lists).
    assert [r.datestamp for r in store.list_page(
        ListQuery("oai_dc", set_spec="physics"), after=None, limit=5)] == (
        [now] if "sets" in change else [])


def test_changed_dissemination_bytes_are_an_update(store, clock):
    put(store, draft(1))
    clock.advance()
    changed = draft(1, disseminations={"oai_dc": b"<oai_dc>other bytes</oai_dc>"})
    assert put(store, changed) == ["updated"]
    assert store.get_record("oai:test:00001", "oai_dc").metadata == b"<oai_dc>other bytes</oai_dc>"


def test_harvest_date_alone_is_not_a_change(store, clock):
    origin = Origin("p", "https://p.example/oai", "oai:p:1", "2020-01-01",
                    "http://www.openarchives.org/OAI/2.0/oai_dc/", "2024-01-01T00:00:00Z",
                    altered=True, raw_metadata=b"<raw/>", about=b"<prov/>")
    put(store, draft(1, origin=origin))
    clock.advance(3600)
    again = replace(origin, harvest_date="2024-01-02")
    assert put(store, draft(1, origin=again)) == ["unchanged"]
    assert store.get_stored("oai:test:00001").origin == origin   # round trip, bytes included
    assert store.stats()["harvested"] == 1


def test_one_datestamp_per_transaction_truncated_to_seconds(store, clock):
    clock.now = T0 + timedelta(microseconds=999_999)
    with store.writer() as w:
        w.put(draft(1))
        w.put(draft(2, sets=("s",)))
    stamps = {r.datestamp for r in store.list_page(ListQuery("oai_dc"), after=None, limit=9)}
    assert stamps == {T0}
    assert store.earliest_datestamp() == T0


def test_a_long_transaction_is_stamped_when_it_commits(store, clock):
    # Guidelines §3: a record must be visible from its datestamp on. A harvest made while
    # this import ran (and resumed later from its responseDate) must not miss its records.
    put(store, draft(9))
    with store.writer() as w:
        w.put(draft(1, sets=("s",), formats=("oai_dc", "marc21")))
        clock.advance(5)            # the import takes its time
        w.put_many([draft(2), draft(9, title="changed")])
        w.put(draft(3))
        w.delete("oai:test:00003")
        end = clock.advance(5)
    for query in (ListQuery("oai_dc"), ListQuery("marc21"), ListQuery("oai_dc", set_spec="s")):
        rows = store.list_page(query, after=None, limit=9)
        assert rows and {r.datestamp for r in rows} == {end}
    assert store.earliest_datestamp() == end
    assert store.list_page(ListQuery("oai_dc", until=end - timedelta(seconds=1)),
                           after=None, limit=9) == []


def test_put_many_counts_batches_and_repeats(store, clock):
    put(store, draft(3))
    drafts = [draft(i) for i in range(10)] + [draft(4, title="changed"), draft(3)]
    with store.writer() as w:
        counts = w.put_many(drafts, batch_size=4)
        assert counts == WriteCounts(added=9, updated=1, unchanged=2)
        assert w.put_many([draft(1)]) == WriteCounts(unchanged=1)
        assert w.counts == WriteCounts(added=9, updated=1, unchanged=3)
    assert store.get_stored("oai:test:00004").dc[0].value == "changed"
    assert store.count(ListQuery("oai_dc")) == 10


def test_rollback_leaves_nothing_half_written(store, clock):
    put(store, draft(1))
    with pytest.raises(RuntimeError):
        with store.writer() as w:
            w.put_many(draft(i, title="new") for i in range(1, 50))
            w.put_set(SetInfo("s", "S"))
            w.delete("oai:test:00001")
            raise RuntimeError("the import failed half-way")
    assert store.stats() == {"records": 1, "deleted": 0, "sets": 0, "harvested": 0,
                             "format:oai_dc": 1}
    assert store.get_stored("oai:test:00001").dc[0].value == "A title"


def test_a_bad_draft_in_a_stream_rolls_back_the_whole_import(store):
    bad = draft("no-scheme-here")
    with pytest.raises(StoreError, match="not a URI"):
        with store.writer() as w:
            w.put_many([draft(1), draft(2), bad, draft(3)], batch_size=2)
    assert store.stats()["records"] == 0


def test_illegal_xml_characters_are_removed(store):
    d = draft(1, dc=(DCValue("title", "sealing off\x0b the well\x00"),
                     DCValue("subject", "tab\tkept\r\n", "en\x01")))
    put(store, d)
    with store.writer() as w:
        w.put_set(SetInfo("s", "Name\x1f", "Free\x08 text"))
    rec = store.get_stored("oai:test:00001")
    assert rec.dc == (DCValue("title", "sealing off the well"),
                      DCValue("subject", "tab\tkept\r\n", "en"))
    assert store.list_sets(after=None, limit=5) == [SetInfo("s", "Name", "Free text")]


@pytest.mark.parametrize("identifier", [
    "", "no-colon", ":empty-scheme", "1bad:scheme", "oai:", "oai:has space", "oai:tab\there",
    "oai:ctl\x01char", "oai:" + "x" * 1100, None, 42,
])
def test_bad_identifiers_are_refused(store, identifier):
    with pytest.raises(StoreError):
        put(store, RecordDraft(identifier, disseminations={"oai_dc": b"<x/>"}))
    with pytest.raises(StoreError):
        with store.writer() as w:
            w.delete(identifier)
    assert store.stats()["records"] == 0


@pytest.mark.parametrize("identifier", [
    "oai:arXiv.org:cs/0112017", "oai:lcoa1.loc.gov:loc.gmd/g3914c.cw0369000",
    "https://example.org/record?id=1&x=%20", "urn:nbn:de:0001-ü", "oai:a:b:c:(x)!~*'",
])
def test_uri_identifiers_are_accepted(store, identifier):
    assert put(store, draft(identifier)) == ["added"]
    assert store.get_record(identifier, "oai_dc").identifier == identifier


@pytest.mark.parametrize("spec", ["", "a b", "a::b", ":a", "a:", "a/b", "é", "a:b c"])
def test_bad_setspecs_are_refused(store, spec):
    with pytest.raises(StoreError, match="setSpec"):
        put(store, draft(1, sets=("good", spec)))
    with pytest.raises(StoreError, match="setSpec"):
        with store.writer() as w:
            w.put_set(SetInfo(spec, "name"))
    assert store.stats()["records"] == 0 and store.count_sets() == 0


@pytest.mark.parametrize("bad, message", [
    ({"disseminations": {"oai_dc": ""}}, "non-empty bytes"),
    ({"disseminations": {"oai_dc": "<x/>"}}, "non-empty bytes"),
    ({"disseminations": {"bad prefix": b"<x/>"}}, "metadataPrefix"),
    ({"dc": ("title",)}, "DCValue"),
    ({"sets": "physics"}, "sequence"),
    ({"about": "<x/>"}, "about"),
    ({"origin": "somewhere"}, "origin"),
])
def test_malformed_drafts_get_a_clear_error(store, bad, message):
    with pytest.raises(StoreError, match=message):
        put(store, draft(1, **bad))
