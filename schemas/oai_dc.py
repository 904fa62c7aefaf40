"""The oai_dc crosswalk: stored Dublin Core values <-> ``<oai_dc:dc>`` (OAI-PMH §3.4).

``render`` writes one ``dc:<element>`` per value in stored order, keeping xml:lang.
``read_dc`` reads a container back and also names what it could not use; ``ingest`` is the
plain form the format registry calls. Values are kept verbatim except that surrounding
whitespace is trimmed (it is layout, not content) and empty elements are dropped.
"""
from __future__ import annotations

import logging
from copy import copy
from typing import Sequence

from lxml import etree

from schemas.base import XSI_NS, MetadataFormat
from store.record_types import DC_ELEMENTS, DCValue

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
_KNOWN = frozenset(DC_ELEMENTS)
_XML_SPACE = " \t\r\n"   # XML 1.0 §2.3 S: only these are layout; other spaces are content

log = logging.getLogger(__name__)


def _container() -> etree._Element:
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=_NSMAP)
    # OAI-PMH §3.4: the metadata root declares its namespace and carries xsi:schemaLocation
    # naming the same schema ListMetadataFormats gives for oai_dc.
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    return root


_CONTAINER = _container()
_TAG_OF = {name: f"{{{DC_NS}}}{name}" for name in DC_ELEMENTS}


def render(values: Sequence[DCValue]) -> etree._Element:
    """The ``<oai_dc:dc>`` element for *values*, with its namespaces and schema location."""
    # A copy of a ready-made container, and tags looked up, not formatted: this runs once
    # per record of every import and harvest (same element, same bytes, a little faster).
    root = copy(_CONTAINER)
    sub = etree.SubElement
    for dc in values:
        tag = _TAG_OF.get(dc.element) or f"{{{DC_NS}}}{dc.element}"
        child = sub(root, tag, {XML_LANG: dc.lang}) if dc.lang else sub(root, tag)
        child.text = dc.value
    return root


_DC_TAGS = {f"{{{DC_NS}}}{name}": name for name in DC_ELEMENTS}


def _dc_name(child: etree._Element) -> str | None:
    """The DC element a child stands for, or None when it is not one of the fifteen."""
    tag = child.tag
    if not isinstance(tag, str):            # comments and processing instructions
        return None
    # The usual case first, by plain lookup of the Clark name: a harvest reads this for
    # every value of every record.
    name = _DC_TAGS.get(tag)
    if name is not None:
        return name
    qname = etree.QName(child)
    if qname.localname not in _KNOWN:
        return None
    # Tolerated quirk: some providers (PUC-Rio's Maxwell, for one) write the DC elements
    # without a prefix inside the oai_dc container. Whatever default namespace that puts
    # them in (none, DC's, or the enclosing OAI-PMH response's), an unprefixed <title>
    # there can only mean dc:title.
    if qname.namespace == DC_NS or qname.namespace is None or child.prefix is None:
        return qname.localname
    return None


def read_dc(container: etree._Element) -> tuple[tuple[DCValue, ...], tuple[str, ...]]:
    """(values, unknown): the DC values of *container* in document order, and the names of
    the children that were skipped because they are not Simple Dublin Core elements
    (``{namespace}name`` in Clark notation when namespaced)."""
    values: list[DCValue] = []
    unknown: list[str] = []
    default_lang = container.get(XML_LANG)
    for child in container:
        if not isinstance(child.tag, str):
            continue
        name = _dc_name(child)
        if name is None:
            unknown.append(child.tag)
            continue
        # itertext: a stray inline element (invalid, but seen) must not lose its words.
        # Without children, the text is all there is (itertext would give just that).
        text = ((child.text or "") if len(child) == 0
                else "".join(child.itertext())).strip(_XML_SPACE)
        if not text:
            continue
        # xml:lang is inherited in XML; the container's own is the nearest that matters here.
        lang = child.get(XML_LANG, default_lang)
        values.append(DCValue(name, text, lang or None))
    return tuple(values), tuple(unknown)


def ingest(container: etree._Element) -> tuple[DCValue, ...]:
    """The DC values of an ``<oai_dc:dc>`` element; skipped children are logged."""
    values, unknown = read_dc(container)
    if unknown:
        log.info("oai_dc: skipped elements that are not Simple Dublin Core: %s",
                 ", ".join(sorted(set(unknown))))
    return values


OAI_DC = MetadataFormat(
    prefix="oai_dc",
    namespace=OAI_DC_NS,
    schema=OAI_DC_SCHEMA,
    render=render,
    ingest=ingest,
)
