"""``import`` reads MARC 21: binary ISO 2709 (UTF-8 and MARC-8) and MARCXML records or
collections. The MARC record is kept as it came (served verbatim as marc21) and crosswalked to
Dublin Core (served as oai_dc and mods); the rules of every import hold (a file whole or not at
all, an error naming the record, idempotent, our datestamps)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from lxml import etree

from oai.ingest import Catalog, IngestError
from oai.ingest.catalog import detect_kind
from schemas import default_registry
from tests.formats.conftest import REALWORLD
from tests.formats.marcfiles import marc8_file, utf8_file

REPO = "granary.example.org"
OAI = "http://www.openarchives.org/OAI/2.0/"
MARC = "{http://www.loc.gov/MARC21/slim}"
DC = "{http://purl.org/dc/elements/1.1/}"


def ident(local: str) -> str:
    return f"oai:{REPO}:{local}"


def titles(store, identifier: str) -> list[str]:
    return [v.value for v in store.get_stored(identifier).dc if v.element == "title"]


def test_iso2709_utf8_and_marc8_are_imported_and_served_in_every_format(
        tmp_path, store, clock, serve_granary, validate):
    catalog = Catalog(store, default_registry(), REPO)
    utf = utf8_file(tmp_path / "books.mrc", "Zoë's café", "Rivers of Europe")
    m8 = marc8_file(tmp_path / "old.dat")
    assert detect_kind(utf) == detect_kind(m8) == "marc"
    assert catalog.import_file(utf).added == 2
    assert catalog.import_file(m8).added == 1
    assert titles(store, ident("rec-0")) == ["Zoë's café"]
    assert titles(store, ident("m8-1")) == ["José and the sea"]
    for local in ("rec-0", "rec-1", "m8-1"):
        assert store.record_formats(ident(local)) == ["marc21", "mods", "oai_dc"]
    # The MARC record as it came: its own 001 and Leader (09 = a: MARCXML is Unicode).
    marc = etree.fromstring(store.get_record(ident("m8-1"), "marc21").metadata)
    assert marc.findtext(f"{MARC}controlfield[@tag='001']") == "m8-1"
    assert marc.findtext(f"{MARC}leader")[9] == "a"
    assert marc.findtext(f"{MARC}datafield[@tag='245']/{MARC}subfield") == "José and the sea /"

    served = serve_granary(store.url, REPO, clock)
    for prefix in ("oai_dc", "marc21", "mods"):
        body = requests.get(served.base_url, timeout=10, params={
            "verb": "GetRecord", "identifier": ident("m8-1"), "metadataPrefix": prefix}).content
        validate(body)
        assert "José and the sea".encode() in body
    body = requests.get(served.base_url, timeout=10, params={
        "verb": "ListMetadataFormats", "identifier": ident("rec-1")}).content
    validate(body)
    listed = [e.text for e in etree.fromstring(body).iter(f"{{{OAI}}}metadataPrefix")]
    assert listed == ["oai_dc", "marc21", "mods"]


def test_reimport_is_unchanged_and_keeps_datestamps(tmp_path, store, clock):
    catalog = Catalog(store, default_registry(), REPO)
    path = utf8_file(tmp_path / "books.mrc", "One", "Two")
    catalog.import_file(path)
    before = store.get_stored(ident("rec-1")).datestamp
    clock.advance(60)
    counts = catalog.import_file(path)
    assert (counts.added, counts.updated, counts.unchanged) == (0, 0, 2)
    assert store.get_stored(ident("rec-1")).datestamp == before


def test_a_broken_file_is_refused_whole_naming_the_record(tmp_path, store):
    catalog = Catalog(store, default_registry(), REPO)
    good = utf8_file(tmp_path / "good.mrc", "One", "Two").read_bytes()
    path = tmp_path / "broken.mrc"
    path.write_bytes(good + good[:40])          # a third record cut short
    with pytest.raises(IngestError) as info:
        catalog.import_file(path)
    assert info.value.location.startswith("record 3 (byte ")
    assert "not a readable MARC record" in info.value.problem
    assert store.get_stored(ident("rec-0")) is None     # nothing of the file was imported


def test_an_empty_or_foreign_file_says_so(tmp_path, store):
    catalog = Catalog(store, default_registry(), REPO)
    path = tmp_path / "nothing.mrc"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match="no MARC records found"):
        catalog.import_file(path)
    path.write_bytes(b"hello, this is not MARC at all\n")
    with pytest.raises(IngestError, match="record 1 .*not a readable MARC record"):
        catalog.import_file(path, "marc")


def test_marcxml_collection_and_saved_response(tmp_path, store):
    catalog = Catalog(store, default_registry(), REPO)
    collection = tmp_path / "collection.xml"
    collection.write_text(
        '<collection xmlns="http://www.loc.gov/MARC21/slim">'
        '<record><leader>00000nam a2200000 i 4500</leader>'
        '<controlfield tag="001">x-1</controlfield>'
        '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">First</subfield></datafield>'
        '</record><record><leader>00000nam a2200000 i 4500</leader>'
        '<controlfield tag="001">x-2</controlfield>'
        '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">Second</subfield></datafield>'
        '</record></collection>', encoding="utf-8")
    assert catalog.import_file(collection).added == 2
    assert titles(store, ident("x-2")) == ["Second"]
    own = etree.fromstring(store.get_record(ident("x-2"), "marc21").metadata)
    assert own.tag == f"{MARC}record" and own.findtext(f"{MARC}controlfield") == "x-2"
    oai_dc = store.get_record(ident("x-1"), "oai_dc").metadata
    assert [t.text for t in etree.fromstring(oai_dc).iter(f"{DC}title")] == ["First"]


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="no realworld folder")
def test_saved_marc21_response_keeps_the_record_verbatim(store):
    catalog = Catalog(store, default_registry(), REPO)
    path = REALWORLD / "getrecord_loc_marc21_2002.xml"
    assert catalog.import_file(path).added == 1
    identifier = "oai:lcoa1.loc.gov:loc.gmd/g3914c.cw0369000"
    stored = store.get_stored(identifier)
    assert stored.formats == ("marc21", "mods", "oai_dc")
    served = etree.fromstring(store.get_record(identifier, "marc21").metadata)
    original = next(etree.parse(str(path)).getroot().iter(f"{MARC}record"))
    assert etree.tostring(served, method="c14n", exclusive=True) == \
        etree.tostring(original, method="c14n", exclusive=True)


def test_a_marc_record_marked_deleted_is_refused_by_name(tmp_path, store):
    catalog = Catalog(store, default_registry(), REPO)
    path = tmp_path / "deleted.xml"
    path.write_text('<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000dam a2200000 i '
                    '4500</leader><controlfield tag="001">d-1</controlfield></record>',
                    encoding="utf-8")
    with pytest.raises(IngestError) as info:
        catalog.import_file(Path(path))
    assert info.value.location == "record 1 (line 1)"
    assert "marked deleted" in info.value.problem
