"""DataCite kernel-4 -> DC (crosswalks.md §4, §4.1) and qualified DC -> DC (§4's refinement
rule, DCMI Metadata Terms): field by field, the real Zenodo record, bad input."""
from __future__ import annotations

import logging

import pytest
from lxml import etree

from schemas.datacite import DATACITE, DATACITE_NS, OAI_DATACITE_NS
from schemas.datacite import ingest as datacite_ingest
from schemas.qdc import DCTERMS_NS, QDC
from schemas.qdc import ingest as qdc_ingest
from schemas.xwalk_values import CrosswalkError
from tests.crosswalks.helpers import pairs, realworld, wrap

# (inner XML of <resource>, DC element, expected (value, lang) pairs in order)
DATACITE_ROWS = [
    pytest.param("<identifier identifierType='DOI'>10.5281/zenodo.1</identifier>", "identifier",
                 [("https://doi.org/10.5281/zenodo.1", None)], id="doi"),
    pytest.param("<alternateIdentifiers><alternateIdentifier alternateIdentifierType='oai'>"
                 "oai:zenodo.org:1</alternateIdentifier><alternateIdentifier "
                 "alternateIdentifierType='ISBN'>978-3-16-148410-0</alternateIdentifier>"
                 "<alternateIdentifier alternateIdentifierType='URL'>https://x.org/1"
                 "</alternateIdentifier></alternateIdentifiers>", "identifier",
                 [("urn:isbn:9783161484100", None), ("https://x.org/1", None)],
                 id="alternate-identifiers"),
    pytest.param("<creators><creator><creatorName nameType='Personal'>Doe, Jane</creatorName>"
                 "<givenName>Jane</givenName><familyName>Doe</familyName><nameIdentifier "
                 "nameIdentifierScheme='ORCID'>0000-0002-1825-0097</nameIdentifier>"
                 "<affiliation>Uni</affiliation></creator><creator><creatorName>ACME"
                 "</creatorName></creator></creators>", "creator",
                 [("Doe, Jane", None), ("ACME", None)], id="creators-as-given"),
    pytest.param("<titles><title xml:lang='en'>Main</title><title titleType='Subtitle'>Sub"
                 "</title><title titleType='TranslatedTitle' xml:lang='de'>Haupt</title>"
                 "</titles>", "title", [("Main: Sub", "en"), ("Haupt", "de")], id="titles"),
    pytest.param("<publisher>Zenodo</publisher>", "publisher", [("Zenodo", None)],
                 id="publisher"),
    pytest.param("<publicationYear>2023</publicationYear>", "date", [("2023", None)],
                 id="publication-year"),
    pytest.param("<publicationYear>2023</publicationYear><dates><date dateType='Issued'>"
                 "2023-12-11</date><date dateType='Updated'>2024-01-01</date><date "
                 "dateType='Collected'>2020-01-01/2020-12-31</date><date dateType='Coverage'>"
                 "1990/1995</date></dates>", "date",
                 [("2023-12-11", None), ("2020-01-01/2020-12-31", None)],
                 id="dates-issued-precise-updated-skipped"),
    pytest.param("<dates><date dateType='Coverage'>1990/1995</date></dates>", "coverage",
                 [("1990/1995", None)], id="date-coverage"),
    pytest.param("<resourceType resourceTypeGeneral='JournalArticle'>Article</resourceType>",
                 "type", [("Text", None), ("JournalArticle", None), ("Article", None)],
                 id="type-text-family"),
    pytest.param("<resourceType resourceTypeGeneral='Audiovisual'/>", "type",
                 [("MovingImage", None), ("Audiovisual", None)], id="type-audiovisual"),
    pytest.param("<resourceType resourceTypeGeneral='Model'>Climate model</resourceType>", "type",
                 [("Model", None), ("Climate model", None)], id="type-without-dcmi-term"),
    pytest.param("<subjects><subject xml:lang='en'>hydrology</subject><subject "
                 "subjectScheme='DDC'>551</subject></subjects>", "subject",
                 [("hydrology", "en"), ("551", None)], id="subjects"),
    pytest.param("<contributors><contributor contributorType='Editor'><contributorName>Roe, R."
                 "</contributorName></contributor></contributors><fundingReferences>"
                 "<fundingReference><funderName>DFG</funderName><awardNumber>123</awardNumber>"
                 "</fundingReference></fundingReferences>", "contributor",
                 [("Roe, R.", None), ("DFG", None)], id="contributors-and-funders"),
    pytest.param("<language>en</language>", "language", [("en", None)], id="language"),
    pytest.param("<relatedIdentifiers><relatedIdentifier relationType='IsPartOf' "
                 "relatedIdentifierType='DOI'>10.1/x</relatedIdentifier><relatedIdentifier "
                 "relationType='References' relatedIdentifierType='URL'>https://x.org/r"
                 "</relatedIdentifier></relatedIdentifiers>", "relation",
                 [("https://doi.org/10.1/x", None), ("https://x.org/r", None)], id="relations"),
    pytest.param("<relatedIdentifiers><relatedIdentifier relationType='IsDerivedFrom' "
                 "relatedIdentifierType='DOI'>10.1/orig</relatedIdentifier></relatedIdentifiers>",
                 "source", [("https://doi.org/10.1/orig", None)], id="derived-from-is-source"),
    pytest.param("<sizes><size>3 MB</size></sizes><formats><format>application/zip</format>"
                 "</formats>", "format", [("application/zip", None), ("3 MB", None)],
                 id="formats-and-sizes"),
    pytest.param("<version>2.1.0</version>", "title", [], id="version-omitted"),
    pytest.param("<rightsList><rights rightsURI='https://cc.org/by/4.0/'>CC BY 4.0</rights>"
                 "<rights rightsURI='info:eu-repo/semantics/openAccess'/></rightsList>", "rights",
                 [("CC BY 4.0", None), ("https://cc.org/by/4.0/", None),
                  ("info:eu-repo/semantics/openAccess", None)], id="rights-text-and-uri"),
    pytest.param("<descriptions><description descriptionType='Abstract' xml:lang='en'>One\n\n"
                 "\n\nTwo</description><description descriptionType='Other'>Cite it."
                 "</description></descriptions>", "description",
                 [("One\n\nTwo", "en"), ("Cite it.", None)], id="descriptions"),
    pytest.param("<geoLocations><geoLocation><geoLocationPlace>Alps</geoLocationPlace>"
                 "<geoLocationPoint><pointLongitude>10.5</pointLongitude><pointLatitude>46.1"
                 "</pointLatitude></geoLocationPoint><geoLocationBox><westBoundLongitude>5"
                 "</westBoundLongitude><eastBoundLongitude>16</eastBoundLongitude>"
                 "<southBoundLatitude>43</southBoundLatitude><northBoundLatitude>48"
                 "</northBoundLatitude></geoLocationBox></geoLocation></geoLocations>", "coverage",
                 [("Alps", None), ("east=10.5; north=46.1", None),
                  ("westlimit=5; eastlimit=16; southlimit=43; northlimit=48", None)],
                 id="geolocations"),
    pytest.param("<relatedItems><relatedItem relationType='IsPublishedIn' relatedItemType="
                 "'Journal'><relatedItemIdentifier relatedItemIdentifierType='ISSN'>0378-5955"
                 "</relatedItemIdentifier></relatedItem><relatedItem relationType='Cites' "
                 "relatedItemType='Book'><titles><title>A book</title></titles></relatedItem>"
                 "</relatedItems>", "relation", [("0378-5955", None), ("A book", None)],
                 id="related-items"),
]


@pytest.mark.parametrize("inner, element, expected", DATACITE_ROWS)
def test_datacite_property_becomes_dc(inner, element, expected):
    assert pairs(datacite_ingest(wrap(inner, "resource", DATACITE_NS)), element) == expected


def test_kernel_3_and_the_oai_datacite_wrapper_are_read():
    kernel3 = wrap("<titles><title>Old</title></titles>", "resource",
                   "http://datacite.org/schema/kernel-3")
    assert pairs(datacite_ingest(kernel3), "title") == [("Old", None)]
    wrapped = etree.fromstring(
        f'<oai_datacite xmlns="{OAI_DATACITE_NS}"><schemaVersion>4</schemaVersion><payload>'
        f'<resource xmlns="{DATACITE_NS}"><titles><title>Wrapped</title></titles></resource>'
        "</payload></oai_datacite>")
    assert pairs(datacite_ingest(wrapped), "title") == [("Wrapped", None)]


@pytest.mark.parametrize("xml, message", [
    ("<dc xmlns='http://purl.org/dc/elements/1.1/'/>", "not a DataCite resource"),
    (f"<oai_datacite xmlns='{OAI_DATACITE_NS}'><payload/></oai_datacite>", "without a DataCite"),
])
def test_datacite_bad_input_is_a_clear_error(xml, message):
    with pytest.raises(CrosswalkError, match=message):
        datacite_ingest(etree.fromstring(xml))


def test_zenodo_record():
    root = realworld("getrecord_zenodo_datacite.xml")
    values = datacite_ingest(root.find(f".//{{{DATACITE_NS}}}resource"))
    # crosswalks.md §4.1 worked example.
    assert pairs(values, "title") == [("Research Data Management Organiser (RDMO)", None)]
    creators = [v for v, _ in pairs(values, "creator")]
    assert len(creators) == 9 and creators[0] == "Klar, Jochen"
    assert "Martínez Muñoz, David" in creators
    assert pairs(values, "identifier") == [("https://doi.org/10.5281/zenodo.10357859", None)]
    assert pairs(values, "type") == [("Software", None)]
    assert pairs(values, "date") == [("2023-12-11", None)]
    assert [v for v, _ in pairs(values, "rights")] == [
        "Apache License 2.0", "http://www.apache.org/licenses/LICENSE-2.0",
        "info:eu-repo/semantics/openAccess"]
    relations = [v for v, _ in pairs(values, "relation")]
    assert len(relations) == 3 and "https://doi.org/10.5281/zenodo.596581" in relations
    assert pairs(values, "publisher") == [("Zenodo", None)]
    assert len(pairs(values, "description")) == 2
    assert pairs(values, "description")[0][0].startswith("RDMO 2.1.0 (Dec 11, 2023)\n\n")


def test_datacite_format_is_ingest_only():
    assert DATACITE.render is None and DATACITE.ingest is datacite_ingest
    assert (DATACITE.prefix, DATACITE.namespace, DATACITE.schema) == (
        "datacite", "http://datacite.org/schema/kernel-4",
        "http://schema.datacite.org/meta/kernel-4/metadata.xsd")


DC = "http://purl.org/dc/elements/1.1/"

# (child element XML in a qualified DC container, expected (element, value))
QDC_ROWS = [
    ("<dcterms:title>T</dcterms:title>", ("title", "T")),
    ("<dcterms:alternative>Alt</dcterms:alternative>", ("title", "Alt")),
    ("<dc:creator>Doe, Jane</dc:creator>", ("creator", "Doe, Jane")),
    ("<dcterms:abstract>Abs</dcterms:abstract>", ("description", "Abs")),
    ("<dcterms:tableOfContents>1. Intro</dcterms:tableOfContents>", ("description", "1. Intro")),
    ("<dcterms:issued xsi:type='dcterms:W3CDTF'>2024-01-31</dcterms:issued>",
     ("date", "2024-01-31")),
    ("<dcterms:created>2020</dcterms:created>", ("date", "2020")),
    ("<dcterms:dateAccepted>2021-05</dcterms:dateAccepted>", ("date", "2021-05")),
    ("<dcterms:modified>2022</dcterms:modified>", ("date", "2022")),
    ("<dcterms:extent>12 p.</dcterms:extent>", ("format", "12 p.")),
    ("<dcterms:medium>paper</dcterms:medium>", ("format", "paper")),
    ("<dcterms:bibliographicCitation>Doe 2024</dcterms:bibliographicCitation>",
     ("identifier", "Doe 2024")),
    ("<dcterms:isPartOf>Series X</dcterms:isPartOf>", ("relation", "Series X")),
    ("<dcterms:hasVersion>v2</dcterms:hasVersion>", ("relation", "v2")),
    ("<dcterms:references>https://x.org/r</dcterms:references>", ("relation", "https://x.org/r")),
    ("<dcterms:conformsTo>ISO 19115</dcterms:conformsTo>", ("relation", "ISO 19115")),
    ("<dcterms:spatial>Alps</dcterms:spatial>", ("coverage", "Alps")),
    ("<dcterms:temporal>1990/1995</dcterms:temporal>", ("coverage", "1990/1995")),
    ("<dcterms:license>https://cc.org/by/4.0/</dcterms:license>",
     ("rights", "https://cc.org/by/4.0/")),
    ("<dcterms:accessRights>open</dcterms:accessRights>", ("rights", "open")),
    ("<dcterms:source>Print</dcterms:source>", ("source", "Print")),
    ("<dc:language>en</dc:language>", ("language", "en")),
]


def _qdc(inner: str) -> etree._Element:
    return etree.fromstring(
        f'<qdc:qualifieddc xmlns:qdc="http://dspace.org/qualifieddc/" xmlns:dc="{DC}" '
        f'xmlns:dcterms="{DCTERMS_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{inner}</qdc:qualifieddc>")


@pytest.mark.parametrize("child, expected", QDC_ROWS)
def test_qualified_term_becomes_its_element(child, expected):
    values = qdc_ingest(_qdc(child))
    assert [(v.element, v.value) for v in values] == [expected]


def test_qdc_keeps_order_repeats_and_xml_lang():
    root = _qdc('<dcterms:title xml:lang="en">One</dcterms:title><dc:title>Two</dc:title>'
                '<dcterms:abstract xml:lang="de">Eins\n\n\n\nZwei</dcterms:abstract>')
    assert [(v.element, v.value, v.lang) for v in qdc_ingest(root)] == [
        ("title", "One", "en"), ("title", "Two", None), ("description", "Eins\n\nZwei", "de")]


def test_qdc_skips_and_logs_terms_without_an_element(caplog):
    root = _qdc("<dcterms:audience>Students</dcterms:audience><dcterms:rightsHolder>Me"
                "</dcterms:rightsHolder><dc:titel>typo</dc:titel><!-- c --><dc:subject>  "
                "</dc:subject><dc:subject>s</dc:subject>")
    with caplog.at_level(logging.INFO, logger="schemas.qdc"):
        values = qdc_ingest(root)
    assert [(v.element, v.value) for v in values] == [("subject", "s")]
    assert "audience" in caplog.text and "rightsHolder" in caplog.text


def test_qdc_format_is_ingest_only():
    assert QDC.render is None and QDC.ingest is qdc_ingest
    assert (QDC.prefix, QDC.namespace, QDC.schema) == (
        "qdc", "http://purl.org/dc/terms/",
        "http://dublincore.org/schemas/xmls/qdc/2006/01/06/dcterms.xsd")
