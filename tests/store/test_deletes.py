"""Tombstones: delete(), deleted drafts, revival, formats withdrawn (OAI-PMH §2.5.1)."""
from __future__ import annotations

from store import ListQuery, Origin, RecordDraft, WriteCounts
from tests.store.helpers import draft, put


def _delete(store, identifier):
    with store.writer() as w:
        return w.delete(identifier)


def test_delete_makes_a_persistent_tombstone(store, clock):
    put(store, draft(1, sets=("math:algebra",), formats=("oai_dc", "marc21"),
                     about=b"<about-payload/>"))
    now = clock.advance(30)
    assert _delete(store, "oai:test:00001") == "deleted"
    rec = store.get_stored("oai:test:00001")
    assert (rec.deleted, rec.datestamp, rec.dc) == (True, now, ())
    assert rec.set_specs == ("math:algebra",)          # memberships kept
    assert store.record_formats("oai:test:00001") == ["marc21", "oai_dc"]
    for prefix in ("oai_dc", "marc21"):
        row = store.get_record("oai:test:00001", prefix)
        # §4.1: a deleted record is a header: no metadata, no about.
        assert (row.deleted, row.metadata, row.about, row.datestamp) == (True, None, None, now)
        assert store.list_page(ListQuery(prefix, set_spec="math"), after=None, limit=5) == [row]
    assert store.stats()["deleted"] == 1 and store.stats()["format:oai_dc:deleted"] == 1
    assert store.earliest_datestamp() == now


def test_delete_again_is_unchanged_and_unknown_is_missing(store, clock):
    put(store, draft(1))
    _delete(store, "oai:test:00001")
    stamp = store.get_stored("oai:test:00001").datestamp
    clock.advance(10)
    with store.writer() as w:
        assert w.delete("oai:test:00001") == "unchanged"
        assert w.delete("oai:test:99999") == "missing"
        assert w.counts == WriteCounts(unchanged=1)
    assert store.get_stored("oai:test:00001").datestamp == stamp


def test_deleted_draft_after_delete_is_unchanged(store, clock):
    origin = Origin("p", "https://p.example/oai", "oai:p:1", "2020-01-01",
                    "http://www.openarchives.org/OAI/2.0/oai_dc/", "2024-01-01T00:00:00Z")
    put(store, draft(1, sets=("a:b",), origin=origin))
    _delete(store, "oai:test:00001")
    stamp = store.get_stored("oai:test:00001").datestamp
    clock.advance(10)
    tomb = RecordDraft("oai:test:00001", sets=("a", "a:b"), deleted=True, origin=origin,
                       disseminations={"oai_dc": b""})
    assert put(store, tomb) == ["unchanged"]
    assert store.get_stored("oai:test:00001").datestamp == stamp


def test_deleted_draft_turns_a_record_into_a_tombstone(store, clock):
    put(store, draft(1, formats=("oai_dc", "marc21")))
    now = clock.advance()
    gone = RecordDraft("oai:test:00001", deleted=True, sets=("x",))
    assert put(store, gone) == ["deleted"]
    clock.advance()
    assert put(store, gone) == ["unchanged"]
    rec = store.get_stored("oai:test:00001")
    assert (rec.deleted, rec.datestamp, rec.set_specs, rec.formats) == (
        True, now, ("x",), ("marc21", "oai_dc"))


def test_tombstone_in_a_new_format_is_a_change(store, clock):
    put(store, RecordDraft("oai:test:00001", deleted=True, disseminations={"oai_dc": b""}))
    assert store.get_record("oai:test:00001", "oai_dc").deleted
    assert store.get_record("oai:test:00001", "marc21") is None
    now = clock.advance()
    tomb = RecordDraft("oai:test:00001", deleted=True, disseminations={"marc21": b""})
    assert put(store, tomb) == ["updated"]
    assert store.get_record("oai:test:00001", "marc21").datestamp == now
    assert store.record_formats("oai:test:00001") == ["marc21", "oai_dc"]


def test_revival_and_withdrawn_formats(store, clock):
    put(store, draft(1, formats=("oai_dc", "marc21")))
    _delete(store, "oai:test:00001")
    now = clock.advance()
    assert put(store, draft(1, title="back")) == ["updated"]        # oai_dc only now
    live = store.get_record("oai:test:00001", "oai_dc")
    assert (live.deleted, live.datestamp, live.metadata) == (False, now, b"<oai_dc>back</oai_dc>")
    # marc21 stays deleted: a harvester of marc21 must keep seeing the deletion (§2.5.1).
    withdrawn = store.get_record("oai:test:00001", "marc21")
    assert (withdrawn.deleted, withdrawn.metadata) == (True, None)
    assert store.record_formats("oai:test:00001") == ["oai_dc"]
    assert store.get_stored("oai:test:00001").formats == ("oai_dc",)
    assert [r.deleted for r in store.list_page(ListQuery("marc21"), after=None, limit=5)] == [True]
    assert store.stats()["format:marc21:deleted"] == 1


def test_a_live_record_dropping_a_format_keeps_it_as_deleted(store, clock):
    put(store, draft(1, formats=("oai_dc", "marc21")))
    now = clock.advance()
    assert put(store, draft(1, formats=("oai_dc",))) == ["updated"]
    row = store.get_record("oai:test:00001", "marc21")
    assert (row.deleted, row.datestamp) == (True, now)
    assert store.count(ListQuery("marc21")) == 1
    clock.advance()
    assert put(store, draft(1, formats=("oai_dc", "marc21"))) == ["updated"]
    assert not store.get_record("oai:test:00001", "marc21").deleted


def test_find_record_is_record_formats_and_get_record_in_one_read(store, clock):
    """GetRecord's one statement gives what the two reads give, in every state a record can
    be in: live, a tombstone, live with a withdrawn format, with an about, unknown."""
    put(store, draft(1, formats=("oai_dc", "marc21"), about=b"<about-payload/>"))
    put(store, draft(2, formats=("oai_dc", "marc21")))
    put(store, draft(3, formats=("oai_dc", "marc21")))
    clock.advance()
    _delete(store, "oai:test:00002")
    put(store, draft(3, formats=("oai_dc",)))               # marc21 withdrawn
    for n in (1, 2, 3, 4):
        ident = f"oai:test:{n:05d}"
        for prefix in ("oai_dc", "marc21", "mods"):
            found = store.find_record(ident, prefix)
            if n == 4:
                assert found is None and store.record_formats(ident) is None
                continue
            assert list(found.formats) == store.record_formats(ident)
            assert found.row == store.get_record(ident, prefix)
    assert store.find_record("oai:test:00001", "oai_dc").row.about == b"<about-payload/>"
    assert store.find_record("oai:test:00003", "marc21").row.deleted
    assert store.find_record("oai:test:00002", "oai_dc").formats == ("marc21", "oai_dc")
