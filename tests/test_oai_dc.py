"""The oai_dc crosswalk: rendering, schema validity, reading back, and the quirks tolerated."""
from __future__ import annotations

import logging

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from schemas import default_registry
from schemas.oai_dc import DC_NS, OAI_DC, OAI_DC_NS, OAI_DC_SCHEMA, ingest, read_dc, render
from store.record_types import DC_ELEMENTS, DCValue
from store.syntax import clean_text

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

SAMPLE = (
    DCValue("title", "Strategies Against Human Trafficking", "en"),
    DCValue("creator", "Friesendorf, Cornelius"),
    DCValue("subject", "Human trafficking"),
    DCValue("subject", "Menschenhandel", "de"),
    DCValue("description", "Line one\nline two & <three> \"quoted\" – ünïcödé"),
    DCValue("date", "2009-09"),
    DCValue("title", "A second title after other elements"),
)


def test_registered_with_the_spec_namespace_and_schema():
    fmt = default_registry().get("oai_dc")
    assert fmt is OAI_DC
    assert fmt.namespace == "http://www.openarchives.org/OAI/2.0/oai_dc/"
    assert fmt.schema == "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    assert OAI_DC in default_registry().renderable()


def test_render_root_carries_namespaces_and_schema_location():
    root = render(SAMPLE)
    assert root.tag == f"{{{OAI_DC_NS}}}dc"
    assert root.nsmap == {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI}
    assert root.get(f"{{{XSI}}}schemaLocation") == f"{OAI_DC_NS} {OAI_DC_SCHEMA}"
    text = etree.tostring(root).decode()
    assert text.startswith("<oai_dc:dc ")
    assert "<dc:title xml:lang=\"en\">" in text


def test_render_keeps_stored_order_and_languages():
    root = render(SAMPLE)
    got = [(etree.QName(c).localname, c.text, c.get(XML_LANG)) for c in root]
    assert got == [(v.element, v.value, v.lang) for v in SAMPLE]
    assert all(etree.QName(c).namespace == DC_NS for c in root)


def test_rendered_record_is_schema_valid(validate):
    validate(OAI_DC.serialize(SAMPLE))
    validate(OAI_DC.serialize(()))  # an empty container is allowed by oai_dc.xsd
    validate(OAI_DC.serialize([DCValue(e, f"value of {e}") for e in DC_ELEMENTS]))


def test_rendered_record_inside_a_getrecord_envelope_is_valid(validate):
    oai = "http://www.openarchives.org/OAI/2.0/"
    env = etree.Element(f"{{{oai}}}OAI-PMH", nsmap={None: oai, "xsi": XSI})
    env.set(f"{{{XSI}}}schemaLocation", f"{oai} {oai}OAI-PMH.xsd")
    etree.SubElement(env, f"{{{oai}}}responseDate").text = "2024-01-01T00:00:00Z"
    request = etree.SubElement(env, f"{{{oai}}}request", verb="GetRecord",
                               identifier="oai:granary.example.org:x", metadataPrefix="oai_dc")
    request.text = "http://localhost/oai"
    record = etree.SubElement(etree.SubElement(env, f"{{{oai}}}GetRecord"), f"{{{oai}}}record")
    header = etree.SubElement(record, f"{{{oai}}}header")
    etree.SubElement(header, f"{{{oai}}}identifier").text = "oai:granary.example.org:x"
    etree.SubElement(header, f"{{{oai}}}datestamp").text = "2024-01-01T00:00:00Z"
    # The stored bytes are what the server embeds: parse them as the endpoint would.
    etree.SubElement(record, f"{{{oai}}}metadata").append(
        etree.fromstring(OAI_DC.serialize(SAMPLE)))
    validate(etree.tostring(env, xml_declaration=True, encoding="UTF-8"))


def test_round_trip_of_sample():
    assert ingest(render(SAMPLE)) == SAMPLE
    assert ingest(etree.fromstring(OAI_DC.serialize(SAMPLE))) == SAMPLE


# Values as the store keeps them: no characters XML forbids, no surrounding XML whitespace,
# not empty. (Carriage returns inside a value survive: lxml writes them as &#13;.)
_values = st.text(min_size=1, max_size=40).map(clean_text).map(
    lambda s: s.strip(" \t\r\n")).filter(bool)
_langs = st.none() | st.sampled_from(["en", "de", "pt-BR", "fr"])
_dc = st.builds(DCValue, st.sampled_from(DC_ELEMENTS), _values, _langs)


@settings(max_examples=200, deadline=None)
@given(st.lists(_dc, max_size=12).map(tuple))
def test_round_trip_property(values):
    assert ingest(etree.fromstring(OAI_DC.serialize(values))) == values


def test_ingest_trims_outer_whitespace_and_drops_empty_elements():
    xml = (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}">'
           "<dc:title>\n   Padded  title \t</dc:title><dc:subject>  </dc:subject>"
           "<dc:creator/><dc:date>2006-12-31</dc:date></oai_dc:dc>")
    assert ingest(etree.fromstring(xml)) == (
        DCValue("title", "Padded  title"), DCValue("date", "2006-12-31"))


def test_ingest_tolerates_unqualified_elements_and_default_dc_namespace():
    # PUC-Rio style: container with its own prefix, DC elements in the default namespace...
    default_ns = (f'<oaidc:dc xmlns="{DC_NS}" xmlns:oaidc="{OAI_DC_NS}">'
                  "<title>Título</title><creator>Reinoso</creator></oaidc:dc>")
    # ...and the broken variant with no namespace at all on the elements.
    no_ns = (f'<oaidc:dc xmlns:oaidc="{OAI_DC_NS}">'
             "<title>Título</title><creator>Reinoso</creator></oaidc:dc>")
    # ...and inside a saved response, where unprefixed means the OAI-PMH default namespace.
    in_response = ('<metadata xmlns="http://www.openarchives.org/OAI/2.0/">'
                   f'<oaidc:dc xmlns:oaidc="{OAI_DC_NS}"><title>Título</title>'
                   "<creator>Reinoso</creator></oaidc:dc></metadata>")
    expected = (DCValue("title", "Título"), DCValue("creator", "Reinoso"))
    assert ingest(etree.fromstring(default_ns)) == expected
    assert ingest(etree.fromstring(no_ns)) == expected
    assert ingest(etree.fromstring(in_response)[0]) == expected


def test_unknown_elements_are_skipped_and_reported(caplog):
    xml = (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
           'xmlns:dcterms="http://purl.org/dc/terms/">'
           "<dc:title>T</dc:title><dc:titel>typo</dc:titel>"
           "<dcterms:abstract>A</dcterms:abstract><!-- a comment --><extent>3</extent>"
           "<dcterms:title>a refinement, prefixed: not dc:title</dcterms:title>"
           "</oai_dc:dc>")
    values, unknown = read_dc(etree.fromstring(xml))
    assert values == (DCValue("title", "T"),)
    assert unknown == (f"{{{DC_NS}}}titel", "{http://purl.org/dc/terms/}abstract", "extent",
                       "{http://purl.org/dc/terms/}title")
    with caplog.at_level(logging.INFO, logger="schemas.oai_dc"):
        assert ingest(etree.fromstring(xml)) == values
    assert "{http://purl.org/dc/terms/}abstract" in caplog.text and "extent" in caplog.text


def test_ingest_keeps_words_of_stray_inline_markup_and_inherits_container_lang():
    xml = (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" xml:lang="en">'
           "<dc:description>An <i>important</i> point</dc:description>"
           '<dc:title xml:lang="de">Titel</dc:title></oai_dc:dc>')
    assert ingest(etree.fromstring(xml)) == (
        DCValue("description", "An important point", "en"), DCValue("title", "Titel", "de"))
