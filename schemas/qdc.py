"""The qdc format, ingest only: qualified Dublin Core (``dcterms:`` refinements, as DSpace's
``qdc`` publishes them) -> the fifteen Simple Dublin Core elements.

Sources: shared/docs/crosswalks.md §5 (DSpace xoai.xml: ``qdc`` -> ``http://purl.org/dc/terms/``,
``http://dublincore.org/schemas/xmls/qdc/2006/01/06/dcterms.xsd``) and §4's rule for oai_dc
("each ``dcterms:`` refinement is written as its parent element: issued -> date, extent ->
format, spatial/temporal -> coverage, abstract/tableOfContents -> description, isPartOf etc.
-> relation, license -> rights"). The full refinement list is DCMI Metadata Terms
(https://www.dublincore.org/specifications/dublin-core/dcmi-terms/, rdfs:subPropertyOf of each
term). Any container is read; its ``dc:`` and ``dcterms:`` children are used, the rest skipped
and logged. Encoding schemes (``xsi:type="dcterms:W3CDTF"``) do not change the value.
"""
from __future__ import annotations

import logging

from lxml import etree

from schemas.base import MetadataFormat
from schemas.xwalk_values import in_text
from store.record_types import DC_ELEMENTS, DCValue

DCTERMS_NS = "http://purl.org/dc/terms/"
QDC_SCHEMA = "http://dublincore.org/schemas/xmls/qdc/2006/01/06/dcterms.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

log = logging.getLogger(__name__)

# DCMI Metadata Terms: refinement -> the element it refines (rdfs:subPropertyOf).
REFINES = {
    "alternative": "title",
    "abstract": "description", "tableOfContents": "description",
    "available": "date", "created": "date", "dateAccepted": "date", "dateCopyrighted": "date",
    "dateSubmitted": "date", "issued": "date", "modified": "date", "valid": "date",
    "extent": "format", "medium": "format",
    "bibliographicCitation": "identifier",
    "conformsTo": "relation", "hasFormat": "relation", "hasPart": "relation",
    "hasVersion": "relation", "isFormatOf": "relation", "isPartOf": "relation",
    "isReferencedBy": "relation", "isReplacedBy": "relation", "isRequiredBy": "relation",
    "isVersionOf": "relation", "references": "relation", "replaces": "relation",
    "requires": "relation",
    "spatial": "coverage", "temporal": "coverage",
    "accessRights": "rights", "license": "rights",
    # dcterms: versions of the fifteen elements themselves.
    **{name: name for name in DC_ELEMENTS},
}


def element_of(tag: object) -> str | None:
    """The Simple DC element a ``dc:`` or ``dcterms:`` child stands for, else None.
    Terms with no parent element (audience, provenance, rightsHolder, ...) give None."""
    if not isinstance(tag, str):
        return None
    qname = etree.QName(tag)
    if qname.namespace == DC_NS:
        return qname.localname if qname.localname in DC_ELEMENTS else None
    if qname.namespace == DCTERMS_NS:
        return REFINES.get(qname.localname)
    return None


def ingest(container: etree._Element) -> tuple[DCValue, ...]:
    """The DC values of the ``dc:``/``dcterms:`` children of *container*, in document order."""
    values: list[DCValue] = []
    skipped: list[str] = []
    default_lang = container.get(XML_LANG)
    for child in container:
        if not isinstance(child.tag, str):
            continue                       # comments, processing instructions
        element = element_of(child.tag)
        if element is None:
            skipped.append(child.tag)
            continue
        lines = element == "description"   # line breaks in an abstract are content
        text = in_text("".join(child.itertext()), lines=lines)
        if text:
            values.append(DCValue(element, text, child.get(XML_LANG, default_lang)))
    if skipped:
        log.info("qdc: skipped terms with no Simple Dublin Core element: %s",
                 ", ".join(sorted(set(skipped))))
    return tuple(values)


QDC = MetadataFormat(
    prefix="qdc",
    namespace=DCTERMS_NS,
    schema=QDC_SCHEMA,
    render=None,     # ingest only: our records are Simple DC
    ingest=ingest,
)
