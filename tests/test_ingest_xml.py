"""The XML reader (bare records, wrappers, saved OAI-PMH responses), its refusals, streaming,
and XML imports through the catalogue service on both engines."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import oai.ingest.xml_reader as xml_reader
from oai.ingest import Catalog, IngestError, read_xml
from schemas import default_registry
from store.record_types import DCValue

DATA = Path(__file__).parent / "data" / "ingest"
REPO = "granary.example.org"
REGISTRY = default_registry()


def items(name: str | Path):
    return list(read_xml(DATA / name if isinstance(name, str) else name, REGISTRY))


def error_of(path: Path) -> IngestError:
    with pytest.raises(IngestError) as info:
        list(read_xml(path, REGISTRY))
    return info.value


def test_single_bare_record_is_named_by_its_first_dc_identifier():
    [item] = items("single_dc.xml")
    assert item.identifier == "ssr-trafficking-2006"
    assert not item.deleted and item.sets == ()
    assert item.dc[0] == DCValue("title", "Security Sector Responses to Trafficking in Human "
                                 "Beings", "en")
    assert [v.element for v in item.dc] == ["title", "date", "identifier", "identifier",
                                            "subject"]
    # lxml reports the line where the (multi-line) start tag ends.
    assert item.location == "record 1 (line 5)"


def test_many_records_in_any_wrapper_in_document_order():
    got = items("many_dc.xml")
    assert [i.identifier for i in got] == [
        "urn:example:first", "second record", "https://library.example.org/items/3"]
    assert DCValue("title", "Deuxième notice", "fr") in got[1].dc
    assert DCValue("creator", "Ünal, Ayşe") in got[1].dc
    assert [i.location.split(" (")[0] for i in got] == ["record 1", "record 2", "record 3"]


def test_saved_getrecord_keeps_header_identifier_and_sets():
    [item] = items("getrecord.xml")
    assert item.identifier == "oai:partner.example.edu:1234"
    assert item.sets == ("law", "law:international")
    assert item.dc[0] == DCValue("title", "On the Ratification of International Protocols")
    assert len(item.dc) == 3


def test_saved_listrecords_with_tombstones_and_unqualified_elements():
    a1, a2, a3 = items("listrecords.xml")
    assert (a1.identifier, a1.sets, a1.deleted) == ("oai:partner.example.edu:a1", ("reports",),
                                                    False)
    assert a1.dc == (DCValue("title", "Annual report"), DCValue("date", "2020"))
    # The repeated setSpec of a deleted header is kept once; a tombstone has no metadata.
    assert (a2.identifier, a2.sets, a2.deleted, a2.dc) == (
        "oai:partner.example.edu:a2", ("reports:old",), True, ())
    assert a3.identifier == "hdl:10000/a3"
    assert a3.dc == (DCValue("title", "Unqualified title"), DCValue("creator", "Someone"))


def test_listidentifiers_deleted_headers_become_tombstones():
    got = items("listidentifiers_deleted.xml")
    assert [(i.identifier, i.sets, i.deleted) for i in got] == [
        ("oai:partner.example.edu:gone-1", ("reports",), True),
        ("oai:partner.example.edu:gone-2", (), True)]


def test_listidentifiers_live_header_is_refused():
    exc = error_of(DATA / "listidentifiers_live.xml")
    assert exc.location == "record 2 (line 10)"
    assert "'oai:partner.example.edu:alive' has no metadata" in str(exc)


def write(tmp_path: Path, text: str, name: str = "dump.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OAI_OPEN = '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
DC_OPEN = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/">')


@pytest.mark.parametrize("text, location, problem", [
    ("", None, "not well-formed XML"),
    ("<a><b></a>", "line 1", "not well-formed XML: Opening and ending tag mismatch"),
    ("<list>\n<x/>\n</list>", None, "no records found (expected oai_dc, marc21, mods records"),
    (f"<list>{DC_OPEN}<dc:title>No id</dc:title></oai_dc:dc></list>", "record 1 (line 1)",
     "no identifier: a record without an OAI-PMH header is named by its first dc:identifier"),
    (f'{OAI_OPEN}<responseDate>2020-01-01</responseDate>\n<error code="badVerb">'
     "Illegal verb</error></OAI-PMH>", "line 2",
     "the saved response is an OAI-PMH error: badVerb: Illegal verb"),
    (f"{OAI_OPEN}<Identify><repositoryName>x</repositoryName></Identify></OAI-PMH>", None,
     "the OAI-PMH response holds no records"),
    (f"{OAI_OPEN}<ListRecords>\n<record><header><identifier>oai:x.org:1</identifier>"
     "</header><metadata><ead xmlns='urn:isbn:1-931666-22-9'/></metadata></record>"
     "</ListRecords></OAI-PMH>", "record 1 (line 2)",
     "the metadata is <{urn:isbn:1-931666-22-9}ead>, which cannot be imported"),
    (f"{OAI_OPEN}<ListRecords><record><header><identifier>oai:x.org:1</identifier></header>"
     "</record></ListRecords></OAI-PMH>", "record 1 (line 1)",
     "record 'oai:x.org:1' is not deleted but has no metadata"),
    (f"{OAI_OPEN}<ListRecords><record><header><identifier> </identifier></header>"
     "</record></ListRecords></OAI-PMH>", "record 1 (line 1)", "the header has no identifier"),
])
def test_refusals_name_the_place_and_the_problem(tmp_path, text, location, problem):
    path = write(tmp_path, text)
    exc = error_of(path)
    assert exc.location == location
    assert problem in exc.problem
    assert str(exc).startswith(f"{path}, {location}: " if location else f"{path}: ")


def test_malformed_xml_reports_its_line(tmp_path):
    path = write(tmp_path, f"<list>\n{DC_OPEN}\n<dc:identifier>x</dc:identifier>\n"
                 "<dc:title>bad \x0b char</dc:title></oai_dc:dc></list>")
    exc = error_of(path)
    assert exc.location == "line 4"
    assert "not well-formed XML: PCDATA invalid Char value 11" in exc.problem


def test_missing_file(tmp_path):
    exc = error_of(tmp_path / "nope.xml")
    assert "cannot read the file" in str(exc)


def test_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = write(tmp_path, f'<?xml version="1.0"?>\n<!DOCTYPE dc [<!ENTITY xxe SYSTEM '
                 f'"file://{secret}">]>\n<list>{DC_OPEN}<dc:identifier>x</dc:identifier>'
                 "<dc:title>&xxe;</dc:title></oai_dc:dc></list>")
    exc = error_of(path)
    assert "document type declarations (DTDs) are not accepted" in str(exc)
    assert "TOP-SECRET" not in str(exc)


def test_external_dtd_is_refused(tmp_path):
    path = write(tmp_path, '<!DOCTYPE list SYSTEM "http://attacker.invalid/evil.dtd">'
                 f"<list>{DC_OPEN}<dc:identifier>x</dc:identifier></oai_dc:dc></list>")
    assert "DTDs) are not accepted" in str(error_of(path))


def billion_laughs(tmp_path: Path, prolog: str = "") -> Path:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return write(tmp_path, f"{prolog}<!DOCTYPE list [{entities}]>\n<list>{DC_OPEN}"
                 "<dc:identifier>x</dc:identifier><dc:title>&lol9;</dc:title>"
                 "</oai_dc:dc></list>")


@pytest.mark.parametrize("prolog", ["", '<?xml version="1.0"?>\n<!-- a comment -->\n',
                                    "\ufeff"], ids=["bare", "declaration", "bom"])
def test_billion_laughs_is_refused(tmp_path, prolog):
    exc = error_of(billion_laughs(tmp_path, prolog))
    assert "DTDs) are not accepted" in exc.problem and "lol" not in str(exc)


def test_billion_laughs_leaves_the_store_unchanged(store, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    catalog.import_file(DATA / "many_dc.xml")
    before = store.stats()
    with pytest.raises(IngestError, match="DTD"):
        catalog.import_file(billion_laughs(tmp_path))
    assert store.stats() == before


def write_listrecords(path: Path, n: int, deleted_every: int = 10) -> None:
    """A saved ListRecords response of *n* records, written incrementally."""
    oai = "http://www.openarchives.org/OAI/2.0/"
    dc_ns = "http://purl.org/dc/elements/1.1/"
    oai_dc = "http://www.openarchives.org/OAI/2.0/oai_dc/"
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        with xf.element(f"{{{oai}}}OAI-PMH", nsmap={None: oai}):
            with xf.element(f"{{{oai}}}ListRecords"):
                for i in range(n):
                    rec = etree.Element(f"{{{oai}}}record", nsmap={None: oai})
                    header = etree.SubElement(rec, f"{{{oai}}}header")
                    etree.SubElement(header, f"{{{oai}}}identifier").text = f"oai:bulk.org:{i}"
                    etree.SubElement(header, f"{{{oai}}}datestamp").text = "2020-01-01"
                    etree.SubElement(header, f"{{{oai}}}setSpec").text = f"bulk:s{i % 3}"
                    if i % deleted_every == deleted_every - 1:
                        header.set("status", "deleted")
                    else:
                        dc = etree.SubElement(etree.SubElement(rec, f"{{{oai}}}metadata"),
                                              f"{{{oai_dc}}}dc", nsmap={"oai_dc": oai_dc,
                                                                        "dc": dc_ns})
                        etree.SubElement(dc, f"{{{dc_ns}}}title").text = f"Bulk record {i}"
                        etree.SubElement(dc, f"{{{dc_ns}}}description").text = "x" * 200
                    xf.write(rec)


def test_streaming_keeps_the_tree_small(tmp_path, monkeypatch):
    """Records already read are cleared: the parsed tree holds what the parser has read ahead
    (a buffer's worth of records), never the whole file (5000 records, 30000 elements)."""
    path = tmp_path / "big.xml"
    write_listrecords(path, 5000)
    roots = []
    real_iterparse = etree.iterparse

    def spying_iterparse(*args, **kwargs):
        for event, elem in real_iterparse(*args, **kwargs):
            if not roots:
                roots.append(elem)
            yield event, elem

    monkeypatch.setattr(xml_reader.etree, "iterparse", spying_iterparse)
    widest = 0
    count = 0
    for _item in read_xml(path, REGISTRY):
        count += 1
        widest = max(widest, sum(1 for _ in roots[0].iter()))
    assert count == 5000
    assert widest < 1500


@pytest.mark.slow
def test_twenty_thousand_record_response_imports(store, tmp_path):
    path = tmp_path / "harvest.xml"
    write_listrecords(path, 20_000)
    catalog = Catalog(store, REGISTRY, REPO)
    counts = catalog.import_file(path)
    assert (counts.added, counts.deleted) == (18_000, 2_000)
    stats = store.stats()
    assert stats["records"] == 20_000 and stats["deleted"] == 2_000
    rec = store.get_stored("oai:bulk.org:4")
    assert rec.set_specs == ("bulk:s1",) and rec.dc[0] == DCValue("title", "Bulk record 4")


def test_import_saved_response_into_store(store, clock):
    catalog = Catalog(store, REGISTRY, REPO)
    counts = catalog.import_file(DATA / "listrecords.xml")
    assert (counts.added, counts.deleted) == (2, 1)
    gone = store.get_stored("oai:partner.example.edu:a2")
    assert gone.deleted and gone.set_specs == ("reports:old",)
    assert store.record_formats("oai:partner.example.edu:a2") == ["marc21", "mods", "oai_dc"]
    assert store.set_exists("reports:old") and store.set_exists("reports")
    live = store.get_record("hdl:10000/a3", "oai_dc")
    assert b"<dc:title>Unqualified title</dc:title>" in live.metadata
    assert live.datestamp == clock.now   # ours, not the partner's 2020 datestamp


def test_bad_xml_file_leaves_the_store_unchanged(store, tmp_path):
    catalog = Catalog(store, REGISTRY, REPO)
    catalog.import_file(DATA / "many_dc.xml")
    before = store.stats()
    path = tmp_path / "half.xml"
    write_listrecords(path, 600)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) - 3000], encoding="utf-8")   # cut off mid-record
    with pytest.raises(IngestError, match="not well-formed XML"):
        catalog.import_file(path)
    assert store.stats() == before
    assert store.get_stored("oai:bulk.org:0") is None
