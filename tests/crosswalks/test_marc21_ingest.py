"""MARC 21 -> DC (crosswalks.md §2, §2.1, §6): field by field, the real LoC and INSPIRE
records, bad input, and MARC -> DC -> MARC keeping titles, names and subjects."""
from __future__ import annotations

import pytest
from lxml import etree

from schemas.marc21 import render
from schemas.marc_to_dc import MARC_NS, ingest
from schemas.xwalk_values import CrosswalkError
from store.record_types import DCValue as D
from tests.crosswalks.helpers import M, marc, pairs, realworld

F008_S1999 = "990101s1999    xx      o     000 0 eng d"

# (datafields, leader, 008, DC element, expected values of that element in order)
ROWS = [
    pytest.param([("245", "1", "0", [("a", "Letters /"), ("c", "by A. Writer.")])], None, None,
                 "title", ["Letters"], id="245-isbd-slash-stripped-$c-dropped"),
    pytest.param([("245", "1", "0", [("a", "Main title :"), ("b", "a subtitle /")])], None, None,
                 "title", ["Main title : a subtitle"], id="245-$a$b"),
    pytest.param([("245", "0", "0", [("a", "Annals."), ("n", "Part 2,"), ("p", "Maps.")])],
                 None, None, "title", ["Annals. Part 2, Maps"], id="245-$n$p"),
    pytest.param([("245", "1", "0", [("a", "Main")]), ("246", "3", "3", [("a", "Other")])],
                 None, None, "title", ["Main", "Other"], id="246-repeated-title"),
    pytest.param([("100", "1", " ", [("a", "Smith, Jane,"), ("d", "1950-"), ("e", "author.")])],
                 None, None, "creator", ["Smith, Jane, 1950-"], id="100-inverted-with-dates"),
    pytest.param([("110", "2", " ", [("a", "E. & G.W. Blunt (Firm).")])], None, None,
                 "creator", ["E. & G.W. Blunt (Firm)"], id="110-corporate"),
    pytest.param([("100", "1", " ", [("a", "Doe, J.")])], None, None,
                 "creator", ["Doe, J."], id="initial-period-kept"),
    pytest.param([("700", "1", " ", [("a", "Roe, R."), ("4", "aut")]),
                  ("720", " ", " ", [("a", "Lab"), ("e", "creator")])], None, None,
                 "creator", ["Roe, R.", "Lab"], id="7XX-author-roles-are-creators"),
    pytest.param([("700", "1", " ", [("a", "Roe, R."), ("e", "editor")]),
                  ("710", "2", " ", [("a", "ACME"), ("4", "fnd")]),
                  ("720", " ", " ", [("a", "Someone")])], None, None,
                 "contributor", ["Roe, R.", "ACME", "Someone"], id="other-7XX-contributors"),
    pytest.param([("650", " ", "0", [("a", "Charleston (S.C.)"), ("x", "History"),
                                     ("y", "Civil War, 1861-1865"), ("v", "Maps.")])],
                 None, None, "subject", ["Charleston (S.C.)--History--Civil War, 1861-1865--Maps"],
                 id="650-subdivisions"),
    pytest.param([("653", " ", " ", [("a", "soil"), ("a", "water")]),
                  ("600", "1", "0", [("a", "Lincoln, Abraham,"), ("d", "1809-1865.")])],
                 None, None, "subject", ["soil", "water", "Lincoln, Abraham, 1809-1865"],
                 id="653-each-$a-and-600"),
    pytest.param([("651", " ", "0", [("a", "Alps"), ("x", "History")]),
                  ("752", " ", " ", [("a", "United States"), ("b", "South Carolina")])],
                 None, None, "coverage", ["Alps", "United States--South Carolina"],
                 id="651-752-coverage"),
    pytest.param([("500", " ", " ", [("a", "General note.")]),
                  ("520", " ", " ", [("a", "Abstract.")]),
                  ("506", " ", " ", [("a", "Open.")]), ("546", " ", " ", [("a", "In English.")]),
                  ("540", " ", " ", [("a", "CC0")]), ("530", " ", " ", [("a", "Also online.")])],
                 None, None, "description", ["Abstract.", "General note."],
                 id="5XX-520-first-and-four-excluded"),
    pytest.param([("260", " ", " ", [("a", "[New York] :"), ("b", "Blunt,"), ("c", "1862.")])],
                 None, None, "publisher", ["Blunt"], id="260-$b-no-place"),
    pytest.param([("264", " ", "1", [("b", "Press ;")]), ("264", " ", "4", [("b", "Not this")])],
                 None, None, "publisher", ["Press"], id="264-ind2-1"),
    pytest.param([], None, F008_S1999, "date", ["1999"], id="date-008-year"),
    pytest.param([("260", " ", " ", [("c", "c1998.")])], None,
                 "990101nuuuuuuuuxx      o     000 0 eng d", "date", ["1998"],
                 id="date-first-year-of-$c"),
    pytest.param([("260", " ", " ", [("c", "2024-01-31")])], None, F008_S1999,
                 "date", ["2024-01-31"], id="date-w3cdtf-$c-kept"),
    pytest.param([("260", " ", " ", [("c", "[19--?]")])], None,
                 "990101q19uu19uuxx      o     000 0 eng d", "date", [], id="date-junk"),
    pytest.param([], None, None, "type", ["Text"], id="leader-a-text"),
    pytest.param([], "00000cem a2200000 a 4500", None, "type", ["Image"], id="leader-e-image"),
    pytest.param([], "00000ckm a2200000 a 4500", None, "type", ["StillImage"], id="leader-k"),
    pytest.param([], "00000cgm a2200000 a 4500", None, "type", ["MovingImage"], id="leader-g"),
    pytest.param([], "00000cjm a2200000 a 4500", None, "type", ["Sound"], id="leader-j"),
    pytest.param([], "00000crm a2200000 a 4500", None, "type", ["PhysicalObject"], id="leader-r"),
    pytest.param([], "00000cmm a2200000 a 4500", None, "type", ["Software"], id="leader-m"),
    pytest.param([], "00000cmm a2200000 a 4500", F008_S1999[:26] + "a" + F008_S1999[27:],
                 "type", ["Dataset"], id="leader-m-008-26-a"),
    pytest.param([], "00000cpc a2200000 a 4500", None, "type", ["Collection"], id="leader-pc"),
    pytest.param([], "00000com a2200000 a 4500", None, "type", [], id="leader-o-kit-none"),
    pytest.param([("655", " ", "7", [("a", "Maps."), ("2", "lcgft")])], None, None,
                 "type", ["Text", "Maps"], id="655-genre"),
    pytest.param([("655", " ", "7", [("a", "Image"), ("2", "dct")])], None, None,
                 "type", ["Image"], id="655-dct-replaces-leader"),
    pytest.param([("300", " ", " ", [("a", "1 map,"), ("c", "46 x 52 cm.")]),
                  ("340", " ", " ", [("a", "paper")]),
                  ("856", "4", "0", [("u", "https://x.org/f.pdf"), ("q", "application/pdf")])],
                 None, None, "format", ["1 map, 46 x 52 cm.", "paper", "application/pdf"],
                 id="formats"),
    pytest.param([("020", " ", " ", [("a", "0306406152 (pbk.)"), ("z", "0000000000")]),
                  ("020", " ", " ", [("a", "978-3-16-148410-0")]),
                  ("022", " ", " ", [("a", "0378-5955")]),
                  ("024", "7", " ", [("a", "10.1234/abcd"), ("2", "doi")]),
                  ("024", "8", " ", [("a", "X-42")]),
                  ("856", "4", "0", [("u", "https://x.org/item")]),
                  ("856", "4", "2", [("u", "https://x.org/related")])], None, None,
                 "identifier", ["urn:isbn:0306406152", "urn:isbn:9783161484100",
                                "urn:issn:0378-5955", "https://doi.org/10.1234/abcd", "X-42",
                                "https://x.org/item"], id="identifiers"),
    pytest.param([("786", "0", " ", [("t", "Original work")]),
                  ("534", " ", " ", [("p", "Reprint of:"), ("t", "Old book")])], None, None,
                 "source", ["Original work", "Old book"], id="source-786-534"),
    pytest.param([("041", "0", " ", [("a", "eng"), ("a", "fre")]),
                  ("546", " ", " ", [("a", "Text in English and French.")])], None, F008_S1999,
                 "language", ["eng", "fre", "Text in English and French."],
                 id="language-008-041-546-deduplicated"),
    pytest.param([], None, "990101s1999    xx      o     000 0 ||| d", "language", [],
                 id="language-no-attempt-to-code"),
    pytest.param([("530", " ", " ", [("a", "Available online.")]),
                  ("773", "0", " ", [("t", "Journal of X")]),
                  ("856", "4", "2", [("u", "https://x.org/related")])], None, None,
                 "relation", ["Available online.", "Journal of X", "https://x.org/related"],
                 id="relations"),
    pytest.param([("506", " ", " ", [("a", "Open access")]),
                  ("540", " ", " ", [("a", "CC BY 4.0"), ("u", "https://cc.org/by/4.0/")])],
                 None, None, "rights", ["Open access", "CC BY 4.0", "https://cc.org/by/4.0/"],
                 id="rights"),
]


@pytest.mark.parametrize("datafields, leader, f008, element, expected", ROWS)
def test_marc_field_becomes_dc(datafields, leader, f008, element, expected):
    kwargs = {"leader": leader} if leader else {}
    record = marc(datafields, f008=f008 or "990101n        xx      o     000 0    d", **kwargs)
    assert [v for v, _ in pairs(ingest(record), element)] == expected


def test_subfield_layout_whitespace_is_not_content():
    record = marc([("245", "1", "0", [("a", "Wrapped\n   title :"), ("b", "sub")]),
                   ("100", "1", " ", [("a", "Smith, Jane,"), ("e", "author.")])], pretty=True)
    values = ingest(record)
    assert pairs(values, "title") == [("Wrapped title : sub", None)]
    assert pairs(values, "creator") == [("Smith, Jane", None)]


def test_unicode_is_normalised_and_double_encoded_utf8_repaired():
    record = marc([("245", "1", "0", [("a", "Cafe\u0301 society")]),
                   ("100", "1", " ", [("a", "M\u00c3\u00bcller, Hans")])])
    values = ingest(record)
    assert pairs(values, "title") == [("Caf\u00e9 society", None)]
    assert pairs(values, "creator") == [("M\u00fcller, Hans", None)]


def test_exact_duplicates_are_dropped():
    record = marc([("520", " ", " ", [("a", "Same.")]), ("500", " ", " ", [("a", "Same.")]),
                   ("650", " ", "0", [("a", "Topic")]), ("653", " ", " ", [("a", "Topic")])])
    values = ingest(record)
    assert pairs(values, "description") == [("Same.", None)]
    assert pairs(values, "subject") == [("Topic", None)]


def test_values_come_out_in_dc_element_order():
    record = marc([("653", " ", " ", [("a", "s")]), ("245", "0", "0", [("a", "t")]),
                   ("100", "1", " ", [("a", "c, d")])])
    assert [v.element for v in ingest(record)][:3] == ["title", "creator", "subject"]


@pytest.mark.parametrize("root, message", [
    (marc([("245", "0", "0", [("a", "Gone")])], leader="00000dam a2200000 a 4500"), "deleted"),
    (etree.Element("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"), "not a MARCXML record"),
    (etree.Element(f"{M}collection"), "collection of 0 records"),
])
def test_bad_input_is_a_clear_error(root, message):
    with pytest.raises(CrosswalkError, match=message):
        ingest(root)


def test_a_collection_of_one_record_is_read():
    collection = etree.Element(f"{M}collection", nsmap={None: MARC_NS})
    collection.append(marc([("245", "0", "0", [("a", "Only")])]))
    assert pairs(ingest(collection), "title") == [("Only", None)]


def test_loc_american_memory_record():
    root = realworld("getrecord_loc_marc21_2002.xml")
    record = root.find(f".//{M}record")
    values = ingest(record)
    # crosswalks.md §2.1 worked example, repository rule.
    assert pairs(values, "title") == [("E. & G. W. Blunt's map of Charleston and vicinity", None)]
    assert pairs(values, "creator") == [("E. & G.W. Blunt (Firm)", None)]
    assert pairs(values, "type") == [("Image", None)]
    assert pairs(values, "date") == [("1862", None)]
    assert pairs(values, "publisher") == []
    assert pairs(values, "format") == [("1 map, 46 x 52 cm.", None)]
    assert pairs(values, "language") == [("eng", None)]
    assert pairs(values, "identifier") == [("http://hdl.loc.gov/loc.gmd/g3914c.cw0369000", None)]
    assert len(pairs(values, "description")) == 4
    assert [v for v, _ in pairs(values, "coverage")] == [
        "Charleston Region (S.C.)", "United States--South Carolina--Charleston Region"]
    assert all(v.value == v.value.strip() for v in values)


def test_inspire_conference_records():
    root = realworld("listrecords_inspire_marcxml.xml")
    records = root.findall(f".//{M}record")
    assert len(records) == 2
    got = [ingest(r) for r in records]
    # No 245 in these records: no title; the meeting (111) is the creator.
    assert [pairs(v, "title") for v in got] == [[], []]
    assert [v for v, _ in pairs(got[0], "creator")] == [
        "2000 IEEE Nuclear and Space Radiation Effects Conference Reno, Nevada 24-28 Jul 2000"]
    assert [v for v, _ in pairs(got[1], "creator")] == [
        "2002 IEEE Nuclear and Space Radiation Effects Conference Phoenix, Arizona 15-19 Jul 2002"]


def _kept(values):
    return {e: [v for v, _ in pairs(values, e)] for e in ("title", "creator", "contributor",
                                                          "subject")}


@pytest.mark.parametrize("record", [
    pytest.param(lambda: marc([
        ("100", "1", " ", [("a", "Smith, Jane,"), ("d", "1950-"), ("e", "author.")]),
        ("245", "1", "4", [("a", "The annals :"), ("b", "a history /")]),
        ("246", "3", "3", [("a", "Annals of X")]),
        ("650", " ", "0", [("a", "Rivers"), ("z", "Alps"), ("v", "Maps.")]),
        ("653", " ", " ", [("a", "water"), ("a", "soil")]),
        ("700", "1", " ", [("a", "Roe, R."), ("e", "editor")]),
        ("700", "1", " ", [("a", "Poe, E."), ("4", "aut")]),
        ("710", "2", " ", [("a", "ACME Lab.")])]), id="crafted"),
    pytest.param(lambda: realworld("getrecord_loc_marc21_2002.xml").find(f".//{M}record"),
                 id="loc"),
])
def test_marc_to_dc_to_marc_keeps_title_names_and_subjects(record):
    first = ingest(record())
    again = ingest(etree.fromstring(etree.tostring(render(first))))
    assert _kept(again) == _kept(first)
    assert _kept(first)["title"]


def test_our_own_records_keep_their_final_punctuation():
    # 042 $a dc: derived from DC, no ISBD punctuation to strip (Leader/18 u).
    dc = [D("title", "Why?"), D("title", "Results, 2024."), D("creator", "Doe, Jane,")]
    values = ingest(render(dc))
    assert [v for v, _ in pairs(values, "title")] == ["Why?", "Results, 2024."]
    assert [v for v, _ in pairs(values, "creator")] == ["Doe, Jane,"]


def test_dc_to_marc_to_dc_keeps_every_element_but_the_documented_changes():
    dc = (D("title", "Soil moisture", "en"), D("title", "Bodenfeuchte", "de"),
          D("creator", "Muster, Erika"), D("creator", "ACME Lab"), D("subject", "hydrology"),
          D("description", "We measured."), D("publisher", "Example University"),
          D("contributor", "Roe, R."), D("date", "2024-01-31"), D("type", "Dataset"),
          D("format", "12 p."), D("format", "application/pdf"),
          D("identifier", "https://repo.example.org/42/paper.pdf"),
          D("identifier", "10.1234/abcd"), D("identifier", "978-3-16-148410-0"),
          D("source", "Print edition"), D("language", "en"), D("language", "English"),
          D("relation", "https://example.org/series"), D("coverage", "Alps"),
          D("rights", "CC BY 4.0"), D("rights", "https://cc.org/by/4.0/"))
    back = ingest(etree.fromstring(etree.tostring(render(dc))))
    assert [(v.element, v.value) for v in back] == [
        ("title", "Soil moisture"), ("title", "Bodenfeuchte"),       # MARC has no xml:lang
        ("creator", "Muster, Erika"), ("creator", "ACME Lab"),
        ("subject", "hydrology"),
        ("description", "We measured."), ("description", "Alps"),   # coverage -> 500 (LoC)
        ("publisher", "Example University"),
        ("contributor", "Roe, R."),
        ("date", "2024-01-31"),
        ("type", "Dataset"),
        ("format", "12 p."), ("format", "application/pdf"),
        # identifiers in their normal forms (§2 identifier row), fields in tag order
        ("identifier", "urn:isbn:9783161484100"), ("identifier", "https://doi.org/10.1234/abcd"),
        ("identifier", "https://repo.example.org/42/paper.pdf"),
        ("source", "Print edition"),
        ("language", "eng"), ("language", "English"),                # coded as MARC codes
        ("relation", "https://example.org/series"),
        ("rights", "CC BY 4.0"), ("rights", "https://cc.org/by/4.0/"),
    ]
