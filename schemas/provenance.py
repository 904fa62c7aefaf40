"""The OAI provenance ``about`` container for records we re-publish after harvesting them.

Follows the OAI-PMH provenance guidelines (guidelines-provenance.htm, provenance.xsd): one
``<provenance>`` holding our ``<originDescription>`` - the partner's baseURL, the record's
identifier and datestamp there, its metadataNamespace, and the ``harvestDate`` and ``altered``
attributes - with the partner's own originDescription nested inside it when the partner had
harvested the record itself, so the chain of earlier harvests is kept ("each aggregator
appends its own link").

The guidelines ask for the original datestamp and responseDate to keep their granularity, so
both are written verbatim. Only a value the schema would refuse (the UTCdatetimeType union of
xs:date and xs:dateTime) is rewritten, as a UTC datestamp: an invalid ``<about>`` would make
our whole response invalid. A partner provenance that is not a well-formed chain is not
nested (it is still kept verbatim in the store's origin row). This is an ``about`` payload,
not a metadata format, so it is not registered in the format registry.
"""
from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from schemas.base import XSI_NS
from store.record_types import Origin
from store.syntax import seconds_text

PROVENANCE_NS = "http://www.openarchives.org/OAI/2.0/provenance"
PROVENANCE_SCHEMA = "http://www.openarchives.org/OAI/2.0/provenance.xsd"
_CHILDREN = ("baseURL", "identifier", "datestamp", "metadataNamespace")
# xs:date and xs:dateTime lexical forms (XML Schema Part 2 §3.2.7, §3.2.9).
_ZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_DATE_RE = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}" + _ZONE + r"\Z")
_DATETIME_RE = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                          r"(\.[0-9]+)?" + _ZONE + r"\Z")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                               huge_tree=False, remove_blank_text=True)


def _q(name: str) -> str:
    return f"{{{PROVENANCE_NS}}}{name}"


def is_utc_datetime(text: str) -> bool:
    """True when *text* is valid for provenance.xsd's UTCdatetimeType (a date or dateTime)."""
    return bool(_DATE_RE.match(text) or _DATETIME_RE.match(text))


def _datetime_value(text: str, fallback: str) -> str:
    """*text* verbatim when the schema accepts it, else *fallback* (already valid)."""
    text = (text or "").strip()
    if is_utc_datetime(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return fallback
    return seconds_text(moment)


def origin_description(origin: Origin, *, fallback_date: str) -> etree._Element:
    """Our ``<originDescription>`` for *origin*; dates the schema refuses become
    *fallback_date* (a valid UTC datestamp, e.g. our own harvest time)."""
    el = etree.Element(_q("originDescription"), nsmap={None: PROVENANCE_NS})
    el.set("harvestDate", _datetime_value(origin.harvest_date, fallback_date))
    # The guidelines: altered MUST be true when the record was changed before re-exposure.
    el.set("altered", "true" if origin.altered else "false")
    values = (origin.base_url, origin.identifier,
              _datetime_value(origin.datestamp, fallback_date), origin.metadata_namespace)
    for name, value in zip(_CHILDREN, values, strict=True):
        etree.SubElement(el, _q(name)).text = value
    return el


def partner_chain(about: bytes | None) -> etree._Element | None:
    """The originDescription inside a partner's ``<provenance>`` (its chain of harvests), or
    None when *about* is not a provenance element with a complete, schema-shaped chain."""
    if not about:
        return None
    try:
        root = etree.fromstring(about, _SAFE_PARSER)
    except etree.XMLSyntaxError:
        return None
    if root.tag != _q("provenance"):
        return None
    found = [child for child in root if isinstance(child.tag, str)]
    if len(found) != 1 or not _is_chain(found[0]):
        return None
    return found[0]


def _is_chain(el: etree._Element) -> bool:
    """Does *el* match provenance.xsd's originDescriptionType, all the way down?"""
    if el.tag != _q("originDescription") or el.get("altered") not in ("true", "false", "1", "0"):
        return False
    if not is_utc_datetime(el.get("harvestDate") or ""):
        return False
    children = [child for child in el if isinstance(child.tag, str)]
    names = [etree.QName(child).localname for child in children
             if etree.QName(child).namespace == PROVENANCE_NS]
    if len(names) != len(children) or names[:4] != list(_CHILDREN) or len(names) > 5:
        return False
    if not all((child.text or "").strip() for child in children[:4]):
        return False
    if not is_utc_datetime((children[2].text or "").strip()):
        return False
    return len(children) == 4 or _is_chain(children[4])


def render(origin: Origin, *, fallback_date: str) -> bytes:
    """The ``<provenance>`` element for a record harvested from *origin*, chained onto the
    partner's own provenance (``origin.about``) when it had one; UTF-8 bytes for the store."""
    root = etree.Element(_q("provenance"), nsmap={None: PROVENANCE_NS, "xsi": XSI_NS})
    # Like a metadata root (§3.4), the about payload names the schema it conforms to.
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{PROVENANCE_NS} {PROVENANCE_SCHEMA}")
    ours = origin_description(origin, fallback_date=fallback_date)
    chain = partner_chain(origin.about)
    if chain is not None:
        ours.append(chain)
    root.append(ours)
    return etree.tostring(root, encoding="utf-8")
