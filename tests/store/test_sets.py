"""Sets: closure, minimal setSpec lists, set-selective lists with descendants (OAI-PMH §2.6)."""
from __future__ import annotations

from store import ListQuery, SetInfo
from tests.store.helpers import draft, put


def _ids(store, spec, prefix="oai_dc"):
    return [r.identifier for r in store.list_page(
        ListQuery(prefix, set_spec=spec), after=None, limit=100, with_metadata=False)]


def test_direct_sets_are_minimal_and_ancestors_are_created(store):
    # The repeated spec and the listed ancestor are both redundant (§2.6: minimal list).
    put(store, draft(1, sets=("a:b:c", "a", "z", "a:b:c", "a:x")))
    rec = store.get_stored("oai:test:00001")
    assert rec.set_specs == ("a:b:c", "a:x", "z")
    assert store.get_record("oai:test:00001", "oai_dc").set_specs == ("a:b:c", "a:x", "z")
    assert [s.spec for s in store.list_sets(after=None, limit=10)] == [
        "a", "a:b", "a:b:c", "a:x", "z"]
    assert store.list_sets(after=None, limit=1) == [SetInfo("a", "a", None)]
    assert store.has_sets() and store.set_exists("a:b") and not store.set_exists("b")


def test_set_filter_includes_descendants_and_tombstones(store):
    put(store, draft(1, sets=("a",)), draft(2, sets=("a:b",)), draft(3, sets=("a:b:c",)),
        draft(4, sets=("ab",)), draft(5), draft(6, sets=("a:b", "z")))
    with store.writer() as w:
        w.delete("oai:test:00003")
    assert _ids(store, "a") == ["oai:test:00001", "oai:test:00002", "oai:test:00003",
                                "oai:test:00006"]
    assert _ids(store, "a:b") == ["oai:test:00002", "oai:test:00003", "oai:test:00006"]
    assert _ids(store, "a:b:c") == ["oai:test:00003"]
    assert _ids(store, "z") == ["oai:test:00006"]
    assert _ids(store, "ab") == ["oai:test:00004"]
    assert _ids(store, "nope") == []
    assert store.count(ListQuery("oai_dc", set_spec="a")) == 4
    tomb = store.list_page(ListQuery("oai_dc", set_spec="a:b:c"), after=None, limit=5)[0]
    assert tomb.deleted and tomb.set_specs == ("a:b:c",)
    # Set filter and format filter together: no record is in "a" in marc21.
    assert _ids(store, "a", prefix="marc21") == []


def test_leaving_a_set_moves_the_record_out(store, clock):
    put(store, draft(1, sets=("a:b",)))
    now = clock.advance()
    assert put(store, draft(1, sets=("c",))) == ["updated"]
    assert _ids(store, "a") == [] and _ids(store, "c") == ["oai:test:00001"]
    assert store.list_page(ListQuery("oai_dc", set_spec="c"), after=None,
                           limit=1)[0].datestamp == now
    assert store.set_exists("a:b")          # sets outlive their members (§2.6: may be empty)


def test_put_set_creates_renames_and_keeps_ancestors(store):
    with store.writer() as w:
        w.put_set(SetInfo("phys:hep", "High-energy physics", "Particles."))
        w.put_set(SetInfo("phys", "Physics"))
    assert store.list_sets(after=None, limit=10) == [
        SetInfo("phys", "Physics", None), SetInfo("phys:hep", "High-energy physics", "Particles.")]
    put(store, draft(1, sets=("phys:hep",)))            # existing names are not overwritten
    with store.writer() as w:
        w.put_set(SetInfo("phys:hep", "HEP", ""))        # rename; empty description = none
        w.put_set(SetInfo("empty", ""))                  # setName is required: falls back to spec
    assert store.list_sets(after="phys", limit=10) == [SetInfo("phys:hep", "HEP", None)]
    assert store.list_sets(after=None, limit=1) == [SetInfo("empty", "empty", None)]
    assert store.count_sets() == 3


def test_list_sets_keyset_pages(store):
    specs = sorted(f"s{i:03d}" for i in range(25)) + ["s001:x"]
    with store.writer() as w:
        for spec in specs:
            w.put_set(SetInfo(spec, spec.upper()))
    seen, after = [], None
    while page := store.list_sets(after=after, limit=7):
        seen += [s.spec for s in page]
        after = page[-1].spec
    assert seen == sorted(specs)
    assert store.count_sets() == 26


def test_no_sets_at_all(store):
    put(store, draft(1))
    assert not store.has_sets() and store.count_sets() == 0
    assert store.list_sets(after=None, limit=5) == []
    assert store.get_stored("oai:test:00001").set_specs == ()
