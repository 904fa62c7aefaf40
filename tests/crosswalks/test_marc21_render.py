"""DC -> MARC 21 (crosswalks.md §1): field by field, leader and 008, the §1.5 assertions and
schema validity of every rendered record."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from lxml import etree

from schemas.marc21 import MARC21, MARC_SCHEMA, render
from schemas.marc_to_dc import MARC_NS
from store.record_types import DCValue as D
from tests.crosswalks.helpers import M, controls, fields

XSI = "http://www.w3.org/2001/XMLSchema-instance"
URL = "https://repo.example.org/records/42"

# (DC input, a datafield the record must hold: (tag, ind1, ind2, [(code, value), ...]))
FIELD_ROWS = [
    pytest.param([D("title", "Soil moisture")], ("245", "0", "0", [("a", "Soil moisture")]),
                 id="title-no-1XX"),
    pytest.param([D("title", "The Hobbit")], ("245", "0", "4", [("a", "The Hobbit")]),
                 id="title-nonfiling-the"),
    pytest.param([D("title", "An essay")], ("245", "0", "3", [("a", "An essay")]),
                 id="title-nonfiling-an"),
    pytest.param([D("title", "Der Process", "de")], ("245", "0", "4", [("a", "Der Process")]),
                 id="title-nonfiling-german"),
    pytest.param([D("title", "Die Hard", "en")], ("245", "0", "0", [("a", "Die Hard")]),
                 id="title-die-is-not-an-english-article"),
    pytest.param([D("title", "Theory")], ("245", "0", "0", [("a", "Theory")]),
                 id="title-the-prefix-is-not-an-article"),
    pytest.param([D("title", "First"), D("title", "Second")], ("246", "3", "3", [("a", "Second")]),
                 id="title-repeated-246-33"),
    pytest.param([D("language", "en"), D("title", "Haupttitel", "de"), D("title", "Main", "en")],
                 ("245", "0", "0", [("a", "Main")]), id="title-245-by-record-language"),
    pytest.param([D("language", "en"), D("title", "Haupttitel", "de"), D("title", "Main", "en")],
                 ("246", "3", "1", [("a", "Haupttitel")]), id="title-parallel-246-31"),
    pytest.param([D("creator", "Doe, Jane"), D("title", "T")],
                 ("100", "1", " ", [("a", "Doe, Jane"), ("e", "author")]), id="creator-100"),
    pytest.param([D("creator", "Doe, Jane"), D("title", "T")],
                 ("245", "1", "0", [("a", "T")]), id="title-ind1-1-with-1XX"),
    pytest.param([D("creator", "Doe, Jane"), D("creator", "Roe, Richard")],
                 ("700", "1", " ", [("a", "Roe, Richard"), ("e", "author")]),
                 id="creator-repeated-700"),
    pytest.param([D("creator", "World Health Organization")],
                 ("720", " ", " ", [("a", "World Health Organization"), ("e", "author")]),
                 id="creator-unknown-kind-720"),
    pytest.param([D("contributor", "Smith, A.")], ("700", "1", " ", [("a", "Smith, A.")]),
                 id="contributor-person-700"),
    pytest.param([D("contributor", "ACME Lab")], ("720", " ", " ", [("a", "ACME Lab")]),
                 id="contributor-720"),
    pytest.param([D("publisher", "Example University"), D("date", "2024-01-31")],
                 ("260", " ", " ", [("b", "Example University"), ("c", "2024-01-31")]),
                 id="publisher-date-260"),
    pytest.param([D("date", "1998")], ("260", " ", " ", [("c", "1998")]), id="date-only-260"),
    pytest.param([D("description", "We measured.")], ("520", " ", " ", [("a", "We measured.")]),
                 id="description-520"),
    pytest.param([D("subject", "hydrology")], ("653", " ", " ", [("a", "hydrology")]),
                 id="subject-653"),
    pytest.param([D("identifier", URL)], ("856", "4", "0", [("u", URL)]), id="identifier-url-856"),
    pytest.param([D("identifier", "10.1234/abcd")],
                 ("024", "7", " ", [("a", "10.1234/abcd"), ("2", "doi")]), id="doi-bare"),
    pytest.param([D("identifier", "doi:10.1234/abcd")],
                 ("024", "7", " ", [("a", "10.1234/abcd"), ("2", "doi")]), id="doi-prefixed"),
    pytest.param([D("identifier", "https://doi.org/10.1234/abcd")],
                 ("024", "7", " ", [("a", "10.1234/abcd"), ("2", "doi")]), id="doi-url"),
    pytest.param([D("identifier", "978-3-16-148410-0")],
                 ("020", " ", " ", [("a", "9783161484100")]), id="isbn13-hyphens"),
    pytest.param([D("identifier", "0-306-40615-2")], ("020", " ", " ", [("a", "0306406152")]),
                 id="isbn10-hyphens"),
    pytest.param([D("identifier", "ISBN 0-8044-2957-X")], ("020", " ", " ", [("a", "080442957X")]),
                 id="isbn10-check-x-labelled"),
    pytest.param([D("identifier", "urn:isbn:9780306406157")],
                 ("020", " ", " ", [("a", "9780306406157")]), id="isbn13-urn"),
    pytest.param([D("identifier", "978-3-16-148410-1")],
                 ("024", "8", " ", [("a", "978-3-16-148410-1")]), id="isbn-bad-checksum-024"),
    pytest.param([D("identifier", "0378-5955")], ("022", " ", " ", [("a", "0378-5955")]),
                 id="issn-022"),
    pytest.param([D("identifier", "hdl:1234/5678")],
                 ("024", "7", " ", [("a", "1234/5678"), ("2", "hdl")]), id="handle"),
    pytest.param([D("identifier", "urn:nbn:de:101-2024")],
                 ("024", "7", " ", [("a", "urn:nbn:de:101-2024"), ("2", "urn")]), id="urn"),
    pytest.param([D("identifier", "local-42")], ("024", "8", " ", [("a", "local-42")]),
                 id="identifier-other-024-8"),
    pytest.param([D("language", "en")], ("041", "0", " ", [("a", "eng")]), id="language-iso1"),
    pytest.param([D("language", "deu")], ("041", "0", " ", [("a", "ger")]), id="language-T-code"),
    pytest.param([D("language", "en"), D("language", "fr-CA")],
                 ("041", "0", " ", [("a", "eng"), ("a", "fre")]), id="language-repeated"),
    pytest.param([D("language", "English")], ("546", " ", " ", [("a", "English")]),
                 id="language-text-546"),
    pytest.param([D("rights", "CC BY 4.0"),
                  D("rights", "https://creativecommons.org/licenses/by/4.0/")],
                 ("540", " ", " ", [("a", "CC BY 4.0"),
                                    ("u", "https://creativecommons.org/licenses/by/4.0/")]),
                 id="rights-540-text-and-uri"),
    pytest.param([D("rights", "info:eu-repo/semantics/openAccess")],
                 ("506", " ", " ", [("a", "info:eu-repo/semantics/openAccess")]),
                 id="rights-access-506"),
    pytest.param([D("type", "Text")], ("655", " ", "7", [("a", "Text"), ("2", "dct")]),
                 id="type-dcmi"),
    pytest.param([D("type", "still image")], ("655", " ", "7", [("a", "StillImage"), ("2", "dct")]),
                 id="type-dcmi-spelled-loosely"),
    pytest.param([D("type", "poster")], ("655", " ", "7", [("a", "poster"), ("2", "local")]),
                 id="type-local"),
    pytest.param([D("identifier", f"{URL}/paper.pdf"), D("format", "application/pdf")],
                 ("856", "4", "0", [("u", f"{URL}/paper.pdf"), ("q", "application/pdf")]),
                 id="format-mime-on-its-file"),
    pytest.param([D("format", "application/pdf")], ("856", " ", " ", [("q", "application/pdf")]),
                 id="format-mime-alone"),
    pytest.param([D("format", "12 p.")], ("300", " ", " ", [("a", "12 p.")]), id="format-extent"),
    pytest.param([D("format", "paper")], ("340", " ", " ", [("a", "paper")]), id="format-medium"),
    pytest.param([D("relation", "https://example.org/series")],
                 ("856", "4", "2", [("u", "https://example.org/series")]), id="relation-url"),
    pytest.param([D("relation", "Part of Series X")],
                 ("787", "0", " ", [("n", "Part of Series X")]), id="relation-text"),
    pytest.param([D("source", "https://example.org/orig")],
                 ("786", "0", " ", [("o", "https://example.org/orig")]), id="source-uri"),
    pytest.param([D("source", "Printed edition")], ("786", "0", " ", [("n", "Printed edition")]),
                 id="source-text"),
    pytest.param([D("coverage", "Alps")], ("500", " ", " ", [("a", "Alps")]), id="coverage-500"),
    pytest.param([D("title", "Bad\x0bchar\ufffe here")],
                 ("245", "0", "0", [("a", "Badchar here")]), id="xml-forbidden-chars"),
    pytest.param([], ("042", " ", " ", [("a", "dc")]), id="042-dc-always"),
]


@pytest.mark.parametrize("dc, expected", FIELD_ROWS)
def test_dc_value_becomes_marc_field(dc, expected):
    record = render(dc)
    assert expected in fields(record)
    _assert_marc_invariants(record)


@pytest.mark.parametrize("dc, expected", FIELD_ROWS)
def test_every_rendered_record_is_schema_valid(validate, dc, expected):
    validate(MARC21.serialize(dc))


def _assert_marc_invariants(record: etree._Element) -> None:
    # §1.5: what the schema does not check, the crosswalk must.
    assert len(record.findtext(f"{M}leader")) == 24
    assert len(controls(record)["008"]) == 40
    tags = [f[0] for f in fields(record)]
    assert tags.count("245") <= 1
    assert sum(t.startswith("1") for t in tags) <= 1
    assert all(subs for *_, subs in fields(record))            # no empty datafield
    assert all(text for *_, subs in fields(record) for _, text in subs)


def test_repeated_values_each_get_a_field():
    record = render([D("subject", "a"), D("subject", "b"), D("description", "x"),
                     D("description", "y"), D("title", "1"), D("title", "2"), D("title", "3")])
    got = fields(record)
    assert [s for t, _, _, s in got if t == "653"] == [[("a", "a")], [("a", "b")]]
    assert [s for t, _, _, s in got if t == "520"] == [[("a", "x")], [("a", "y")]]
    assert [s for t, _, _, s in got if t == "246"] == [[("a", "2")], [("a", "3")]]


def test_empty_and_blank_values_are_skipped():
    record = render([D("subject", "   "), D("title", "\t\n"), D("creator", "\x0b")])
    assert [f[0] for f in fields(record)] == ["042"]


def test_forbidden_characters_are_removed_even_from_values_not_made_as_DCValue():
    # DCValue cleans on construction; the crosswalk does not rely on it (§6).
    raw = SimpleNamespace(element="creator", value="Doe,\x01 Jane\x1f", lang=None)
    record = render([raw])
    assert ("100", "1", " ", [("a", "Doe, Jane"), ("e", "author")]) in fields(record)
    etree.fromstring(etree.tostring(record))                    # still well-formed


def test_creators_keep_their_order_among_added_entries():
    dc = [D("creator", "ACME Lab"), D("creator", "Doe, Jane"), D("contributor", "Roe, R."),
          D("creator", "Beta Group")]
    got = [(t, s[0][1]) for t, _, _, s in fields(render(dc)) if t[0] in "17"]
    assert got == [("720", "ACME Lab"), ("700", "Doe, Jane"), ("720", "Beta Group"),
                   ("700", "Roe, R.")]


def test_the_doc_minimal_record():
    dc = [D("title", "Soil moisture in alpine meadows"), D("creator", "Muster, Erika"),
          D("subject", "hydrology"), D("description", "We measured soil moisture."),
          D("publisher", "Example University"), D("date", "2024-01-31"), D("type", "Text"),
          D("format", "application/pdf"), D("identifier", f"{URL}/files/paper.pdf"),
          D("identifier", URL), D("identifier", "10.1234/abcd"), D("language", "en"),
          D("rights", "CC BY 4.0"), D("rights", "https://creativecommons.org/licenses/by/4.0/")]
    record = render(dc, record_id="42", modified=datetime(2024, 1, 31, 12, tzinfo=timezone.utc),
                    entered=date(2024, 1, 31))
    assert record.tag == f"{M}record" and record.get("type") == "Bibliographic"
    assert record.get(f"{{{XSI}}}schemaLocation") == f"{MARC_NS} {MARC_SCHEMA}"
    assert record.findtext(f"{M}leader") == "00000nam a22000003u 4500"
    assert controls(record) == {"001": "42", "005": "20240131120000.0",
                                "008": "240131s2024    xx      o     000 0 eng d"}
    assert [f[0] for f in fields(record)] == [
        "024", "041", "042", "100", "245", "260", "520", "540", "653", "655", "856", "856"]
    assert fields(record)[-2] == ("856", "4", "0", [("u", f"{URL}/files/paper.pdf"),
                                                    ("q", "application/pdf")])
    # §1.5 content order: leader, controlfields, datafields.
    names = [etree.QName(c).localname for c in record]
    assert names == ["leader"] + ["controlfield"] * 3 + ["datafield"] * 12


@pytest.mark.parametrize("dc_type, leader_06_07", [
    (None, "am"), ("Text", "am"), ("text", "am"), ("Collection", "pc"), ("Dataset", "mm"),
    ("Software", "mm"), ("interactive resource", "mm"), ("Service", "mm"), ("Image", "km"),
    ("StillImage", "km"), ("MovingImage", "gm"), ("Sound", "im"), ("Event", "rm"),
    ("PhysicalObject", "rm"), ("poster", "am"),
])
def test_leader_from_type(dc_type, leader_06_07):
    dc = [D("type", dc_type)] if dc_type else []
    leader = render(dc).findtext(f"{M}leader")
    assert leader[6:8] == leader_06_07
    assert leader[:6] == "00000n" and leader[8:] == " a22000003u 4500"   # §1.1


@pytest.mark.parametrize("dc_date, expected", [
    ("2024", "s2024    "), ("2024-01", "s2024    "), ("2024-01-31", "s2024    "),
    ("2024-01-31T10:20:30Z", "s2024    "), ("2001/2005", "m20012005"),
    ("1990-1995", "m19901995"), ("2001-03-01/2002-12-31", "m20012002"),
    ("c1998.", "q19981998"), ("[2004?]", "q20042004"), ("between 1850 and 1860", "q18501860"),
    ("unknown", "nuuuuuuuu"), ("12345", "nuuuuuuuu"), (None, "nuuuuuuuu"),
])
def test_008_dates(dc_date, expected):
    dc = [D("date", dc_date)] if dc_date else []
    f008 = controls(render(dc, entered=date(2026, 1, 2)))["008"]
    assert f008[:6] == "260102"
    assert f008[6:15] == expected


@pytest.mark.parametrize("languages, code", [
    ([], "und"), (["en"], "eng"), (["en-GB"], "eng"), (["en_US"], "eng"), (["ger"], "ger"),
    (["deu"], "ger"), (["nl"], "dut"), (["English"], "und"), (["English", "fr"], "fre"),
    (["de", "en"], "ger"),
])
def test_008_language(languages, code):
    f008 = controls(render([D("language", v) for v in languages]))["008"]
    assert f008[35:38] == code
    assert f008[15:18] == "xx " and f008[38:] == " d"


def test_008_material_positions_by_type():
    text = controls(render([D("type", "Text")]))["008"]
    assert text[18:35] == "     o     000 0 "          # §1.2 books, online text
    image = controls(render([D("type", "Image")]))["008"]
    assert image[18:35] == "|" * 17                    # other material: no attempt to code


def test_rendering_does_not_depend_on_the_clock():
    # The store hashes the bytes: the same record must give the same bytes on any day.
    dc = [D("title", "T"), D("date", "2024")]
    assert MARC21.serialize(dc) == MARC21.serialize(dc)
    assert controls(render(dc))["008"][:6] == "000000"
    modified = datetime(2024, 2, 3, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert controls(render(dc, modified=modified))["008"][:6] == "240204"   # in UTC
    assert controls(render(dc, modified=modified, entered=date(2020, 5, 6)))["008"][:6] == "200506"


def test_001_and_005_only_when_given():
    assert set(controls(render([D("title", "T")]))) == {"008"}
    naive = render([], record_id="rec-7", modified=datetime(2024, 2, 3, 4, 5, 6))
    assert controls(naive)["001"] == "rec-7"
    assert controls(naive)["005"] == "20240203040506.0"


def test_format_is_registered_and_described():
    assert (MARC21.prefix, MARC21.namespace, MARC21.schema) == (
        "marc21", "http://www.loc.gov/MARC21/slim",
        "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd")
    from schemas import default_registry
    assert default_registry().get("marc21") is MARC21


def test_008_takes_the_first_w3cdtf_date():
    f008 = controls(render([D("date", "ca. 1900"), D("date", "1905-02")]))["008"]
    assert f008[6:15] == "s1905    "


def test_no_title_no_245():
    # None is invented: a "[Untitled]" 245 would come back as a dc:title the record lacks.
    assert "245" not in [f[0] for f in fields(render([D("creator", "Doe, Jane")]))]
