"""Which crosswalk reads a record's own metadata into Dublin Core: decided by the record's
root element (what the record is), not by the prefix or namespace anybody declared for it.

The readers: oai_dc (``<oai_dc:dc>``), MARC 21 (a MARCXML ``<record>``, or a ``<collection>``
of one), MODS (``<mods>``, or a ``<modsCollection>`` of one; MODS 3 namespace with or without
its trailing slash), DataCite (a kernel ``<resource>``, or an ``oai_datacite`` wrapper) and
qualified DC (a container of ``dcterms:`` children, as DSpace's ``qdc`` sends it). A record in
any other format has no crosswalk: it is served verbatim only (OAI-PMH §3.4).
"""
from __future__ import annotations

from lxml import etree

from schemas.base import MetadataFormat
from schemas.datacite import DATACITE, OAI_DATACITE_NS
from schemas.marc21 import MARC21
from schemas.marc_to_dc import MARC_NS
from schemas.mods import MODS
from schemas.mods_to_dc import MODS_NS
from schemas.oai_dc import OAI_DC, OAI_DC_NS
from schemas.qdc import DCTERMS_NS, QDC
from schemas.xwalk_values import CrosswalkError
from store.record_types import DCValue

_ROOTS = {
    (OAI_DC_NS, "dc"): OAI_DC,
    (MARC_NS, "record"): MARC21, (MARC_NS, "collection"): MARC21,
    (MODS_NS, "mods"): MODS, (MODS_NS, "modsCollection"): MODS,
    (MODS_NS + "/", "mods"): MODS, (MODS_NS + "/", "modsCollection"): MODS,
}
# The formats that read in only (Granary does not write them): their namespaces.
READ_ONLY = (DATACITE, QDC)


def reader_for(root: etree._Element) -> MetadataFormat | None:
    """The format whose crosswalk reads *root* into Dublin Core, or None (no crosswalk)."""
    if not isinstance(root.tag, str):
        return None
    qname = etree.QName(root)
    ns = qname.namespace or ""
    found = _ROOTS.get((ns, qname.localname))
    if found is not None:
        return found
    if ns == OAI_DATACITE_NS or (qname.localname == "resource"
                                 and ns.startswith("http://datacite.org/schema/kernel-")):
        return DATACITE
    # Qualified DC has no root of its own (DSpace: <qdc:qualifieddc>); a dcterms: child says it.
    if any(isinstance(c.tag, str) and etree.QName(c).namespace == DCTERMS_NS for c in root):
        return QDC
    return None


def read_dc(fmt: MetadataFormat, root: etree._Element) -> tuple[DCValue, ...]:
    """*root* read into Dublin Core by *fmt*'s crosswalk; CrosswalkError saying why not."""
    if fmt.ingest is None:
        raise CrosswalkError(f"{fmt.prefix} has no crosswalk to Dublin Core")
    try:
        return fmt.ingest(root)
    except CrosswalkError:
        raise
    except ValueError as exc:   # a DCValue refused (e.g. nothing left after cleaning)
        raise CrosswalkError(f"{fmt.prefix} record cannot be read: {exc}") from None


def has_crosswalk(namespace: str) -> bool:
    """Whether records declared in *namespace* are read into Dublin Core (and so served in
    every rendered format, not only verbatim)."""
    return (namespace in {ns for ns, _ in _ROOTS} or namespace == OAI_DATACITE_NS
            or namespace.startswith("http://datacite.org/schema/kernel-")
            or namespace == DCTERMS_NS)
