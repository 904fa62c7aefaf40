"""``formats rebuild``: a format added to the registry reaches the records already stored, a
page at a time through the normal writer; a record's own format is never re-rendered; a
rerun after a crash finishes the job without reading the done pages again."""
from __future__ import annotations

import pytest

import oai.ingest.rebuild as rebuild_module
from oai.ingest import Catalog
from oai.ingest.rebuild import chosen_formats, rebuild
from schemas import default_registry
from schemas.base import FormatRegistry
from schemas.oai_dc import OAI_DC
from tests.formats.marcfiles import utf8_file

REPO = "granary.example.org"


def ident(local: str) -> str:
    return f"oai:{REPO}:{local}"


def csv_file(tmp_path, n: int, deleted: str | None = None):
    rows = [f"r{i},Title {i},Creator {i}," for i in range(n)]
    if deleted:
        rows.append(f"{deleted},,,deleted")
    path = tmp_path / "records.csv"
    path.write_text("identifier,title,creator,status\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def old_store(tmp_path, store, clock):
    """Records imported when only oai_dc was served, and one MARC record of its own."""
    Catalog(store, FormatRegistry([OAI_DC]), REPO).import_file(csv_file(tmp_path, 7, "gone"))
    Catalog(store, default_registry(), REPO).import_file(utf8_file(tmp_path / "m.mrc", "Own"))
    clock.advance(60)
    return store


def test_a_new_format_reaches_every_stored_record(old_store, clock):
    store = old_store
    assert store.record_formats(ident("r3")) == ["oai_dc"]
    before = store.get_stored(ident("r3")).datestamp
    marc_own = store.get_record(ident("rec-0"), "marc21").metadata
    counts = rebuild(store, default_registry(), page=3)
    assert (counts.read, counts.written) == (7, 7)       # the MARC record lacked nothing
    registry = default_registry()
    for i in range(7):
        rec = store.get_stored(ident(f"r{i}"))
        assert rec.formats == ("marc21", "mods", "oai_dc")
        for fmt in registry.renderable():
            assert store.get_record(rec.identifier, fmt.prefix).metadata == fmt.serialize(rec.dc)
    # OAI-PMH §2.7.1: a record now served in a new format has a new datestamp.
    assert store.get_stored(ident("r3")).datestamp == clock.now > before
    assert store.get_record(ident("rec-0"), "marc21").metadata == marc_own
    assert store.get_stored(ident("gone")).deleted
    assert store.record_formats(ident("gone")) == ["oai_dc"]   # tombstones are left alone
    again = rebuild(store, default_registry(), page=3)
    assert (again.read, again.written) == (0, 0)


def test_everything_rerenders_but_never_the_own_format(old_store):
    store = old_store
    rebuild(store, default_registry())
    marc_own = store.get_record(ident("rec-0"), "marc21").metadata
    counts = rebuild(store, default_registry(), ["marc21"], everything=True)
    assert (counts.read, counts.written) == (8, 0)   # every bytes already right
    assert store.get_record(ident("rec-0"), "marc21").metadata == marc_own


def test_a_crash_then_a_rerun_finishes_without_reading_the_done_pages(old_store, monkeypatch):
    store = old_store
    real = rebuild_module.redraft
    calls = []

    def crashing(item, formats, **options):
        calls.append(item.identifier)
        if len(calls) == 4:           # the first page of 3 is written, then the crash
            raise RuntimeError("power cut")
        return real(item, formats, **options)

    monkeypatch.setattr(rebuild_module, "redraft", crashing)
    with pytest.raises(RuntimeError):
        rebuild(store, default_registry(), ["mods"], page=3)
    monkeypatch.setattr(rebuild_module, "redraft", real)
    done = [i for i in range(7) if "mods" in store.get_stored(ident(f"r{i}")).formats]
    assert len(done) == 3
    counts = rebuild(store, default_registry(), ["mods"], page=3)
    assert (counts.read, counts.written) == (4, 4)
    assert all("mods" in store.get_stored(ident(f"r{i}")).formats for i in range(7))
    assert "marc21" not in store.get_stored(ident("r0")).formats   # only what was asked


def test_an_unknown_or_verbatim_prefix_is_a_clear_error():
    with pytest.raises(ValueError, match="'ead' is not a format rendered from Dublin Core"):
        chosen_formats(default_registry(), ["ead"])
    assert [f.prefix for f in chosen_formats(default_registry())] == ["oai_dc", "marc21", "mods"]


def test_the_command_line(tmp_path, store_url, capsys, monkeypatch):
    from harvest_cli import main

    monkeypatch.delenv("OAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("OAI_REPOSITORY_IDENTIFIER", REPO)
    assert main(["--database", store_url, "import", str(csv_file(tmp_path, 2))]) == 0
    assert main(["--database", store_url, "formats", "rebuild", "--prefix", "mods"]) == 0
    out = capsys.readouterr().out
    assert "formats rebuilt: 0 records read, 0 written" in out   # import rendered them all
    assert main(["--database", store_url, "formats", "rebuild", "--prefix", "ead"]) == 1
    assert "'ead' is not a format rendered from Dublin Core" in capsys.readouterr().err
    assert main(["--database", store_url, "formats", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("marc21\t")


def test_a_record_harvested_verbatim_before_its_crosswalk_is_read_into_dublin_core(store):
    from store.record_types import Origin, RecordDraft

    raw = (b'<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 i 4500'
           b'</leader><controlfield tag="001">p-1</controlfield><datafield tag="245" ind1="0" '
           b'ind2="0"><subfield code="a">Old harvest</subfield></datafield></record>')
    origin = Origin("old", "http://p.example/oai", "oai:p.example:1", "2020-01-01",
                    "http://www.loc.gov/MARC21/slim", "2020-02-02", raw_metadata=raw)
    with store.writer() as w:   # what the harvester stored before marc21 had a crosswalk
        w.put(RecordDraft("oai:b.example.org:old:1", disseminations={"marc21": raw},
                          origin=origin))
    counts = rebuild(store, default_registry())
    assert (counts.read, counts.written) == (1, 1)
    rec = store.get_stored("oai:b.example.org:old:1")
    assert rec.formats == ("marc21", "mods", "oai_dc")
    assert [v.value for v in rec.dc if v.element == "title"] == ["Old harvest"]
    assert store.get_record(rec.identifier, "marc21").metadata == raw    # still as it came
    assert b"Old harvest" in store.get_record(rec.identifier, "oai_dc").metadata
    assert rebuild(store, default_registry(), everything=True).written == 0
