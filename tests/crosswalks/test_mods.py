"""DC <-> MODS 3.6 (crosswalks.md §3.1-§3.4): DC -> MODS by XPath, MODS -> DC field by field,
schema validity of every rendered record, bad input."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from lxml import etree

from schemas.mods import MODS, MODS_SCHEMA, render
from schemas.mods_to_dc import MODS_NS, ingest
from schemas.xwalk_values import CrosswalkError
from store.record_types import DCValue as D
from tests.crosswalks.helpers import pairs, wrap

NS = {"m": MODS_NS}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
URL = "https://repo.example.org/records/42"

# (DC input, XPath from <mods>, expected string results in document order)
RENDER_ROWS = [
    pytest.param([D("title", "T")], "m:titleInfo[not(@type)]/m:title/text()", ["T"], id="title"),
    pytest.param([D("title", "T", "en")], "m:titleInfo/m:title/@xml:lang", ["en"],
                 id="title-xml-lang"),
    pytest.param([D("title", "A"), D("title", "B")],
                 "m:titleInfo[@type='alternative']/m:title/text()", ["B"], id="title-alternative"),
    pytest.param([D("title", "Main", "en"), D("title", "Haupttitel", "de")],
                 "m:titleInfo[@type='translated'][@xml:lang='de']/m:title/text()",
                 ["Haupttitel"], id="title-translated"),
    pytest.param([D("creator", "Doe, Jane")], "m:name[@type='personal']/m:namePart/text()",
                 ["Doe, Jane"], id="creator-inverted-person"),
    pytest.param([D("creator", "ACME Lab")], "m:name[not(@type)]/m:namePart/text()",
                 ["ACME Lab"], id="creator-unknown-kind"),
    pytest.param([D("creator", "Doe, Jane")],
                 "m:name/m:role/m:roleTerm[@type='code'][@authority='marcrelator']/text()"
                 " | m:name/m:role/m:roleTerm[@type='text']/text()", ["cre", "creator"],
                 id="creator-role"),
    pytest.param([D("creator", "A, B"), D("creator", "C, D")], "m:name/m:namePart/text()",
                 ["A, B", "C, D"], id="creator-repeated"),
    pytest.param([D("contributor", "Roe, R.")], "m:name/m:role/m:roleTerm/text()", ["ctb"],
                 id="contributor-role"),
    pytest.param([D("subject", "hydrology", "en"), D("subject", "Hydrologie", "de")],
                 "m:subject/m:topic/text()", ["hydrology", "Hydrologie"], id="subject-repeated"),
    pytest.param([D("subject", "Hydrologie", "de")], "m:subject/m:topic/@xml:lang", ["de"],
                 id="subject-xml-lang"),
    pytest.param([D("description", "We measured.")], "m:note/text()", ["We measured."],
                 id="description-note"),
    pytest.param([D("publisher", "Example University")], "m:originInfo/m:publisher/text()",
                 ["Example University"], id="publisher"),
    pytest.param([D("date", "2024-01-31"), D("date", "2025")],
                 "m:originInfo/m:dateIssued[@encoding='w3cdtf']/text()", ["2024-01-31", "2025"],
                 id="date-w3cdtf"),
    pytest.param([D("date", "2024-01-31"), D("date", "2025")],
                 "m:originInfo/m:dateIssued[@keyDate='yes']/text()", ["2024-01-31"],
                 id="date-one-key-date"),
    pytest.param([D("date", "ca. 1900")], "m:originInfo/m:dateOther[not(@encoding)]/text()",
                 ["ca. 1900"], id="date-junk-dateOther"),
    pytest.param([D("type", "Text")], "m:typeOfResource/text() | m:genre[@authority='dct']/text()",
                 ["text", "Text"], id="type-text"),
    pytest.param([D("type", "Dataset")], "m:typeOfResource/text() | m:genre/text()",
                 ["software, multimedia", "Dataset", "database"], id="type-dataset"),
    pytest.param([D("type", "Collection")], "m:typeOfResource[@collection='yes']", [""],
                 id="type-collection-alone"),
    pytest.param([D("type", "Collection"), D("type", "Image")],
                 "m:typeOfResource[@collection='yes']/text()", ["still image"],
                 id="type-collection-of-images"),
    pytest.param([D("type", "Event")], "m:typeOfResource | m:genre[@authority='dct']/text()",
                 ["Event"], id="type-event-genre-only"),
    pytest.param([D("type", "poster")], "m:genre[not(@authority)]/text()", ["poster"],
                 id="type-other-genre"),
    pytest.param([D("format", "application/pdf"), D("format", "12 p."), D("format", "paper")],
                 "m:physicalDescription/m:internetMediaType/text()", ["application/pdf"],
                 id="format-mime"),
    pytest.param([D("format", "application/pdf"), D("format", "12 p."), D("format", "paper")],
                 "m:physicalDescription/m:extent/text()", ["12 p."], id="format-extent"),
    pytest.param([D("format", "application/pdf"), D("format", "12 p."), D("format", "paper")],
                 "m:physicalDescription/m:form/text()", ["paper"], id="format-form"),
    pytest.param([D("identifier", URL)], "m:location/m:url/text()", [URL], id="identifier-url"),
    pytest.param([D("identifier", "https://doi.org/10.1234/abcd")],
                 "m:identifier[@type='doi']/text()", ["10.1234/abcd"], id="identifier-doi"),
    pytest.param([D("identifier", "978-3-16-148410-0"), D("identifier", "0-306-40615-2")],
                 "m:identifier[@type='isbn']/text()", ["9783161484100", "0306406152"],
                 id="identifier-isbn-13-and-10"),
    pytest.param([D("identifier", "0378-5955")], "m:identifier[@type='issn']/text()",
                 ["0378-5955"], id="identifier-issn"),
    pytest.param([D("identifier", "hdl:1234/5678")], "m:identifier[@type='hdl']/text()",
                 ["1234/5678"], id="identifier-handle"),
    pytest.param([D("identifier", "local-42")], "m:identifier[not(@type)]/text()", ["local-42"],
                 id="identifier-untyped"),
    pytest.param([D("source", "https://example.org/orig")],
                 "m:relatedItem[@type='original']/m:location/m:url/text()",
                 ["https://example.org/orig"], id="source-url"),
    pytest.param([D("relation", "Series X")],
                 "m:relatedItem[not(@type)]/m:titleInfo/m:title/text()", ["Series X"],
                 id="relation-title"),
    pytest.param([D("language", "en")],
                 "m:language/m:languageTerm[@type='code'][@authority='rfc5646']/text()", ["en"],
                 id="language-bcp47"),
    pytest.param([D("language", "en_US")], "m:language/m:languageTerm/text()", ["en-US"],
                 id="language-underscore"),
    pytest.param([D("language", "ger")],
                 "m:language/m:languageTerm[@authority='iso639-2b']/text()", ["ger"],
                 id="language-marc-code"),
    pytest.param([D("language", "English")], "m:language/m:languageTerm[@type='text']/text()",
                 ["English"], id="language-text"),
    pytest.param([D("coverage", "Alps"), D("coverage", "1990/1995"), D("coverage", "2001")],
                 "m:subject/m:geographic/text()", ["Alps"], id="coverage-geographic"),
    pytest.param([D("coverage", "Alps"), D("coverage", "1990/1995"), D("coverage", "2001")],
                 "m:subject/m:temporal/text()", ["1990/1995", "2001"], id="coverage-temporal"),
    pytest.param([D("coverage", "1914-1918"), D("coverage", "Route 66, 1950s")],
                 "m:subject/m:temporal/text()", ["1914-1918"], id="coverage-year-range"),
    pytest.param([D("rights", "CC BY 4.0")],
                 "m:accessCondition[@type='use and reproduction']/text()", ["CC BY 4.0"],
                 id="rights-licence"),
    pytest.param([D("rights", "info:eu-repo/semantics/closedAccess")],
                 "m:accessCondition[@type='restriction on access']/text()",
                 ["info:eu-repo/semantics/closedAccess"], id="rights-access"),
    pytest.param([D("title", "T", "en_GB")], "m:titleInfo/m:title/@xml:lang", ["en-GB"],
                 id="xml-lang-underscore"),
    pytest.param([D("title", "T", "not a tag!")], "m:titleInfo/m:title/@xml:lang", [],
                 id="xml-lang-invalid-dropped"),
    pytest.param([D("title", "Bad\x0bchar\ufffe here")], "m:titleInfo/m:title/text()",
                 ["Badchar here"], id="xml-forbidden-chars"),
    pytest.param([D("subject", "  "), D("title", "")], "m:subject | m:titleInfo/m:title", [],
                 id="empty-values-skipped"),
]


@pytest.mark.parametrize("dc, xpath, expected", RENDER_ROWS)
def test_dc_value_becomes_mods(dc, xpath, expected):
    root = render(dc)
    got = root.xpath(xpath, namespaces=NS)
    assert [g if isinstance(g, str) else (g.text or "") for g in got] == expected


@pytest.mark.parametrize("dc, xpath, expected", RENDER_ROWS)
def test_every_rendered_record_is_schema_valid(validate, dc, xpath, expected):
    validate(MODS.serialize(dc))


def test_an_empty_record_still_has_the_one_child_the_schema_requires():
    assert [etree.QName(c).localname for c in render([D("subject", " ")])] == ["titleInfo"]


def test_root_version_and_schema_location():
    root = render([D("title", "T")], record_id="42")
    assert root.tag == f"{{{MODS_NS}}}mods" and root.get("version") == "3.6"
    assert root.get(f"{{{XSI}}}schemaLocation") == f"{MODS_NS} {MODS_SCHEMA}"
    assert root.xpath("m:recordInfo/m:recordIdentifier/text()", namespaces=NS) == ["42"]
    assert (MODS.prefix, MODS.namespace, MODS.schema) == (
        "mods", "http://www.loc.gov/mods/v3", "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd")


def test_forbidden_characters_are_removed_from_raw_values():
    raw = SimpleNamespace(element="creator", value="Doe,\x01 Jane", lang=None)
    assert render([raw]).xpath("m:name/m:namePart/text()", namespaces=NS) == ["Doe, Jane"]


# (inner XML of <mods>, DC element, expected (value, lang) pairs in order)
INGEST_ROWS = [
    pytest.param("<titleInfo><nonSort>The </nonSort><title>annals</title><subTitle>a history"
                 "</subTitle><partNumber>Part 2</partNumber><partName>Maps</partName></titleInfo>",
                 "title", [("The annals: a history. Part 2. Maps", None)], id="title-parts"),
    pytest.param("<titleInfo><title xml:lang='de'>Titel</title></titleInfo>"
                 "<titleInfo type='translated' xml:lang='en'><title>Title</title></titleInfo>",
                 "title", [("Titel", "de"), ("Title", "en")], id="title-xml-lang"),
    pytest.param("<name type='personal'><namePart type='family'>Doe</namePart>"
                 "<namePart type='given'>Jane</namePart><namePart type='date'>1950-</namePart>"
                 "<role><roleTerm type='code' authority='marcrelator'>cre</roleTerm></role></name>",
                 "creator", [("Doe, Jane, 1950-", None)], id="name-parts-creator"),
    pytest.param("<name><namePart>Roe, R.</namePart><role><roleTerm type='text'>author"
                 "</roleTerm></role></name>", "creator", [("Roe, R.", None)],
                 id="name-author-is-creator"),
    pytest.param("<name><namePart>Roe, R.</namePart><role><roleTerm type='text'>editor"
                 "</roleTerm></role></name><name><namePart>Lab</namePart></name>",
                 "contributor", [("Roe, R. (editor)", None), ("Lab", None)],
                 id="name-other-roles-contributors"),
    pytest.param("<subject><topic>Rivers</topic><topic>Pollution</topic>"
                 "<geographic>Alps</geographic></subject><classification>551.48</classification>",
                 "subject", [("Rivers--Pollution", None), ("551.48", None)], id="subjects"),
    pytest.param("<subject><geographic>Alps</geographic><temporal>1990/1995</temporal>"
                 "<hierarchicalGeographic><country>France</country><city>Paris</city>"
                 "</hierarchicalGeographic><cartographics><coordinates>E 6--E 7</coordinates>"
                 "</cartographics></subject>", "coverage",
                 [("Alps", None), ("1990/1995", None), ("France--Paris", None),
                  ("E 6--E 7", None)], id="coverage"),
    pytest.param("<abstract xml:lang='en'>Line one\n\n\n\nline   two</abstract>"
                 "<note>A note</note><tableOfContents>1. Intro</tableOfContents>",
                 "description", [("Line one\n\nline two", "en"), ("A note", None),
                                 ("1. Intro", None)], id="descriptions-keep-lines"),
    pytest.param("<originInfo><place><placeTerm>Paris</placeTerm></place><publisher>Press"
                 "</publisher></originInfo>", "publisher", [("Press", None)], id="publisher"),
    pytest.param("<originInfo><dateIssued encoding='w3cdtf'>2024-01-31</dateIssued>"
                 "<dateCreated point='start'>1990</dateCreated><dateCreated point='end'>1995"
                 "</dateCreated><dateOther>ca. 1900</dateOther></originInfo>", "date",
                 [("2024-01-31", None), ("1990-1995", None), ("ca. 1900", None)], id="dates"),
    pytest.param("<typeOfResource>cartographic</typeOfResource><genre>map</genre>", "type",
                 [("Image", None), ("map", None)], id="type-cartographic"),
    pytest.param("<typeOfResource collection='yes'>still image</typeOfResource>", "type",
                 [("StillImage", None), ("Collection", None)], id="type-collection"),
    pytest.param("<typeOfResource>software, multimedia</typeOfResource>"
                 "<genre authority='dct'>Dataset</genre><genre authority='marcgt'>database"
                 "</genre>", "type", [("Dataset", None)], id="type-dct-genre-is-exact"),
    pytest.param("<physicalDescription><form>print</form><extent>12 p.</extent>"
                 "<internetMediaType>application/pdf</internetMediaType></physicalDescription>",
                 "format", [("print", None), ("12 p.", None), ("application/pdf", None)],
                 id="formats"),
    pytest.param("<identifier type='doi'>10.1234/abcd</identifier>"
                 "<identifier type='isbn'>0-306-40615-2 (pbk.)</identifier>"
                 "<identifier type='issn'>0378-5955</identifier>"
                 "<identifier type='isbn' invalid='yes'>123</identifier>"
                 "<identifier type='uri'>https://x.org/a</identifier>"
                 "<location><url>https://x.org/item</url></location>", "identifier",
                 [("https://doi.org/10.1234/abcd", None), ("urn:isbn:0306406152", None),
                  ("urn:issn:0378-5955", None), ("https://x.org/a", None),
                  ("https://x.org/item", None)], id="identifiers"),
    pytest.param("<language><languageTerm type='text'>English</languageTerm>"
                 "<languageTerm type='code' authority='iso639-2b'>eng</languageTerm></language>"
                 "<language><languageTerm type='text'>German</languageTerm></language>",
                 "language", [("eng", None), ("German", None)], id="languages"),
    pytest.param("<relatedItem type='original'><titleInfo><title>Print</title></titleInfo>"
                 "</relatedItem>", "source", [("Print", None)], id="source"),
    pytest.param("<relatedItem type='host'><titleInfo><title>Journal</title></titleInfo>"
                 "</relatedItem><relatedItem type='series'><titleInfo><title>Series</title>"
                 "</titleInfo></relatedItem><relatedItem><location><url>https://x.org/r</url>"
                 "</location></relatedItem><relatedItem><identifier type='doi'>10.1/x"
                 "</identifier></relatedItem>", "relation",
                 [("Journal", None), ("https://x.org/r", None), ("https://doi.org/10.1/x", None)],
                 id="relations-without-series"),
    pytest.param("<accessCondition type='use and reproduction'>CC0</accessCondition>",
                 "rights", [("CC0", None)], id="rights"),
    pytest.param("<recordInfo><recordIdentifier>42</recordIdentifier></recordInfo>"
                 "<titleInfo><title/></titleInfo><note>  </note>", "title", [],
                 id="empty-and-unmapped"),
]


@pytest.mark.parametrize("inner, element, expected", INGEST_ROWS)
def test_mods_element_becomes_dc(inner, element, expected):
    assert pairs(ingest(wrap(inner, "mods", MODS_NS)), element) == expected


def test_record_language_is_inherited():
    root = etree.fromstring(f'<mods xmlns="{MODS_NS}" xml:lang="fr"><titleInfo><title>Titre'
                            "</title></titleInfo><note>Une note</note></mods>")
    values = ingest(root)
    assert pairs(values, "title") == [("Titre", "fr")]
    assert pairs(values, "description") == [("Une note", "fr")]


def test_trailing_slash_namespace_and_collection_of_one():
    root = wrap("<mods><titleInfo><title>T</title></titleInfo></mods>", "modsCollection",
                MODS_NS + "/")
    assert pairs(ingest(root), "title") == [("T", None)]


@pytest.mark.parametrize("xml, message", [
    ("<dc xmlns='http://purl.org/dc/elements/1.1/'/>", "not a MODS record"),
    (f"<modsCollection xmlns='{MODS_NS}'><mods/><mods/></modsCollection>", "2 records"),
    (f"<titleInfo xmlns='{MODS_NS}'/>", "not a MODS record"),
])
def test_bad_input_is_a_clear_error(xml, message):
    with pytest.raises(CrosswalkError, match=message):
        ingest(etree.fromstring(xml))


def test_round_trip_keeps_every_element_of_a_full_record():
    dc = (D("title", "Soil moisture", "en"), D("title", "Bodenfeuchte", "de"),
          D("creator", "Muster, Erika"), D("subject", "hydrology", "en"),
          D("description", "Line one\nline two"), D("publisher", "Example University"),
          D("contributor", "ACME Lab"), D("date", "2024-01-31"), D("type", "Dataset"),
          D("format", "application/pdf"), D("identifier", URL), D("source", "Print edition"),
          D("language", "en"), D("relation", "Series X"), D("coverage", "Alps"),
          D("rights", "CC BY 4.0"))
    assert ingest(etree.fromstring(MODS.serialize(dc))) == dc
