"""The CSV reader, the identifiers imported records are given (``oai.identity``), and CSV
imports through the catalogue service: whole or nothing, idempotent re-import, tombstones,
sets."""
from __future__ import annotations

from pathlib import Path

import pytest

from oai.identity import escape_local, make_identifier
from oai.ingest import Catalog, IngestError, read_csv
from schemas import default_registry
from store.record_types import DCValue, SetInfo

REPO = "granary.example.org"
REGISTRY = default_registry()


def write(tmp_path: Path, text: str, name: str = "books.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def error_of(path: Path) -> IngestError:
    with pytest.raises(IngestError) as info:
        list(read_csv(path))
    return info.value


def test_columns_repeated_values_and_order(tmp_path):
    path = write(tmp_path, "identifier,title,creator,sets,subject\n"
                 "b1,Strategies Against Human Trafficking,\"Friesendorf || Other, Author \","
                 "human-rights:trafficking||reports,Trafficking|| ||Security sector\n")
    [item] = read_csv(path)
    assert item.identifier == "b1" and item.location == "line 2" and not item.deleted
    assert item.sets == ("human-rights:trafficking", "reports")
    assert item.dc == (
        DCValue("title", "Strategies Against Human Trafficking"),
        DCValue("creator", "Friesendorf"), DCValue("creator", "Other, Author"),
        DCValue("subject", "Trafficking"), DCValue("subject", "Security sector"))


def test_bom_lang_columns_dc_identifier_and_repeated_element_columns(tmp_path):
    path = write(tmp_path, "Identifier,Title@en,title@pt-BR,DC:Identifier,dc:title,Language\n"
                 "x,Trafficking,Tráfico,https://example.org/x||urn:isbn:none,Plain,en\n",
                 bom=True)
    [item] = read_csv(path)
    assert item.identifier == "x"
    assert item.dc == (
        DCValue("title", "Trafficking", "en"), DCValue("title", "Tráfico", "pt-BR"),
        DCValue("identifier", "https://example.org/x"), DCValue("identifier", "urn:isbn:none"),
        DCValue("title", "Plain"), DCValue("language", "en"))


def test_quoted_multiline_cells_keep_line_numbers(tmp_path):
    path = write(tmp_path, 'identifier,description\na,"one\n\ntwo"\n\nb,ok\nc,\n')
    rows = read_csv(path)
    a, b = next(rows), next(rows)
    assert a.dc == (DCValue("description", "one\n\ntwo"),)
    assert b.location == "line 6"
    exc = error_of(path)
    assert (exc.location, exc.problem) == ("line 7", "record 'c' has no Dublin Core values "
                                           "(write at least one, or status 'deleted')")


def test_status_deleted_makes_a_tombstone(tmp_path):
    path = write(tmp_path, "identifier,title,sets,status\n"
                 "gone,Ignored title,reports,Deleted\nkept,Kept,,\n")
    gone, kept = read_csv(path)
    assert (gone.deleted, gone.dc, gone.sets) == (True, (), ("reports",))
    assert (kept.deleted, kept.dc) == (False, (DCValue("title", "Kept"),))


@pytest.mark.parametrize("text, location, problem", [
    ("identifier,titel\nx,y\n", "line 1", "unknown column 'titel' (expected a Dublin Core "
     "element, identifier, sets or status)"),
    ("title,creator\nx,y\n", "line 1", "no 'identifier' column (every record needs one)"),
    ("identifier,title,identifier\nx,y,z\n", "line 1", "column 'identifier' appears twice"),
    ("identifier,title@english!\nx,y\n", "line 1",
     "column 'title@english!': 'english!' is not a language tag (like en or pt-BR)"),
    ("identifier,title\nx,y\n,z\n", "line 3", "the identifier is empty"),
    ("identifier,title\nx,y,extra\n", "line 2", "3 values, but the header names 2 columns"),
    ("identifier,title,status\nx,y,gone\n", "line 2",
     "status 'gone' is not understood (leave it empty, or write 'deleted')"),
    ("", None, "the file is empty (expected a header row)"),
    ('identifier,title\nx,"unterminated\n', "line 2", "bad CSV: unexpected end of data"),
    ('identifier,title\nx,"a"b\n', "line 2", "bad CSV: ',' expected after '\"'"),
])
def test_refusals_name_line_and_problem(tmp_path, text, location, problem):
    path = write(tmp_path, text)
    exc = error_of(path)
    assert (exc.location, exc.problem[:len(problem)]) == (location, problem)
    where = f"{path}, {location}" if location else str(path)
    assert str(exc) == f"{where}: {exc.problem}"


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("identifier,title\na,ok\nb,Caf\xe9\n".encode("latin-1"))
    exc = error_of(path)
    assert exc.location == "line 3"
    assert exc.problem == "not UTF-8 text (byte 0xE9 is not valid UTF-8)"


def test_identifiers_local_ids_are_escaped_uris_kept():
    assert make_identifier("book 12", REPO) == "oai:granary.example.org:book%2012"
    assert make_identifier("ü/ä%", REPO) == "oai:granary.example.org:%C3%BC/%C3%A4%25"
    assert make_identifier("a:b;c@d", REPO) == "oai:granary.example.org:a:b;c@d"
    assert make_identifier("2009:report", REPO) == "oai:granary.example.org:2009:report"
    for uri in ("oai:other.org:1", "https://example.org/x?y=1", "hdl:1765/1160", "urn:x:y"):
        assert make_identifier(f" {uri} ", REPO) == uri
    assert escape_local("#[]\"<>") == "%23%5B%5D%22%3C%3E"
    with pytest.raises(ValueError, match="starts like a URI but is not one"):
        make_identifier("http://example.org/a b", REPO)
    with pytest.raises(ValueError, match="empty"):
        make_identifier("  ", REPO)


def test_bad_setspec_is_refused_with_its_line(tmp_path):
    catalog = Catalog(None, REGISTRY, REPO)   # drafts need no store
    path = write(tmp_path, "identifier,title,sets\nok,T,a:b\nbad,T,a::b\n")
    first, second = read_csv(path)
    assert catalog.draft(first, path).sets == ("a:b",)
    with pytest.raises(IngestError) as info:
        catalog.draft(second, path)
    assert str(info.value).startswith(f"{path}, line 3: 'a::b' is not a valid setSpec")


def test_drafts_carry_every_renderable_format(tmp_path):
    catalog = Catalog(None, REGISTRY, REPO)
    path = write(tmp_path, "identifier,title,status\nx,T,\ny,,deleted\n")
    live, gone = (catalog.draft(i, path) for i in read_csv(path))
    assert live.identifier == "oai:granary.example.org:x"
    assert set(live.disseminations) == {"oai_dc", "marc21", "mods"}
    assert live.disseminations == {f.prefix: f.serialize(live.dc) for f in REGISTRY.renderable()}
    assert (gone.deleted, gone.dc, gone.disseminations) == (
        True, (), {"oai_dc": b"", "marc21": b"", "mods": b""})


# -- through the store, on both engines -------------------------------------------------------
def numbered_csv(path: Path, n: int, bad_at: int | None = None) -> Path:
    lines = ["identifier,title,sets"]
    for i in range(1, n + 1):
        spec = "bad spec" if i == bad_at else "bulk"
        lines.append(f"rec-{i},Record {i},{spec}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_bad_record_500_leaves_the_store_unchanged(store, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    catalog.import_file(write(tmp_path, "identifier,title\nexisting,Before\n", "first.csv"))
    before = store.stats()
    path = numbered_csv(tmp_path / "books.csv", 1200, bad_at=500)
    with pytest.raises(IngestError) as info:
        catalog.import_file(path)
    assert str(info.value).startswith(f"{path}, line 501: 'bad spec' is not a valid setSpec")
    assert store.stats() == before
    assert store.get_stored("oai:granary.example.org:rec-1") is None
    assert not store.set_exists("bulk")
    assert store.get_stored("oai:granary.example.org:existing").dc == (
        DCValue("title", "Before"),)


def test_reimport_is_idempotent_and_keeps_datestamps(store, clock, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    path = write(tmp_path, "identifier,title,sets,status\na,A,s:t,\nb,B,,\nc,,s,deleted\n")
    first = catalog.import_file(path)
    assert (first.added, first.updated, first.unchanged, first.deleted) == (2, 0, 0, 1)
    stamped = {i: store.get_stored(f"oai:{REPO}:{i}").datestamp for i in "abc"}
    clock.advance(3600)
    again = catalog.import_file(path)
    assert (again.added, again.updated, again.unchanged, again.deleted) == (0, 0, 3, 0)
    assert {i: store.get_stored(f"oai:{REPO}:{i}").datestamp for i in "abc"} == stamped
    # A changed row gets the new datestamp; the others keep theirs.
    clock.advance(3600)
    write(tmp_path, "identifier,title,sets,status\na,A,s:t,\nb,B changed,,\nc,,s,deleted\n")
    third = catalog.import_file(path)
    assert (third.updated, third.unchanged) == (1, 2)
    assert store.get_stored(f"oai:{REPO}:b").datestamp == clock.now
    assert store.get_stored(f"oai:{REPO}:a").datestamp == stamped["a"]


def test_sets_named_in_records_are_created_and_named_sets_kept(store, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    catalog.add_set(SetInfo("law", "Law", "Legal texts."))
    catalog.import_file(write(tmp_path, "identifier,title,sets\nx,T,law:treaties||misc\n"))
    assert [(s.spec, s.name) for s in catalog.sets()] == [
        ("law", "Law"), ("law:treaties", "law:treaties"), ("misc", "misc")]
    rec = store.get_stored(f"oai:{REPO}:x")
    assert set(rec.set_specs) == {"law:treaties", "misc"}


def test_deleting_then_reimporting_revives(store, clock, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    path = write(tmp_path, "identifier,title\nx,T\n")
    catalog.import_file(path)
    clock.advance()
    assert catalog.delete(["x", f"oai:{REPO}:missing"]) == [
        (f"oai:{REPO}:x", "deleted"), (f"oai:{REPO}:missing", "missing")]
    assert store.get_stored(f"oai:{REPO}:x").deleted
    clock.advance()
    assert catalog.import_file(path).updated == 1
    assert not store.get_stored(f"oai:{REPO}:x").deleted
