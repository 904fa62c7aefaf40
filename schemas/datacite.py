"""The datacite format, ingest only: a DataCite kernel-4 ``<resource>`` -> Dublin Core
(harvested or stored DataCite served as oai_dc). Granary does not write DataCite.

Source tables: shared/docs/crosswalks.md §4 (DataCite "DataCite to Dublin Core Mapping 4.4",
https://doi.org/10.14454/qn00-qx85, and the "Suggested Dublin Core Mapping" of the DataCite
Metadata Schema documentation; column "oai_dc (repository rule)") and §4.1 resourceTypeGeneral
-> DCMI Type. Also read: the payload of an ``oai_datacite`` wrapper (§5, DataCite's OAI
service) and kernel-3 resources, whose element names are the same for what is read here.
"""
from __future__ import annotations

from lxml import etree

from schemas.base import MetadataFormat
from schemas.xwalk_ids import classify, doi_url, isbn_urn
from schemas.xwalk_values import CrosswalkError, dedupe, in_text
from store.record_types import DC_ELEMENTS, DCValue

DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_SCHEMA = "http://schema.datacite.org/meta/kernel-4/metadata.xsd"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# §4.1: resourceTypeGeneral -> DCMI Type (types without a row have none).
_TEXT = ("Book", "BookChapter", "ConferencePaper", "ConferenceProceeding", "DataPaper",
         "Dissertation", "Journal", "JournalArticle", "OutputManagementPlan", "PeerReview",
         "Preprint", "Report", "Standard", "StudyRegistration", "Text")
DCMI_OF_GENERAL = {
    **{t: "Text" for t in _TEXT},
    "Audiovisual": "MovingImage", "ComputationalNotebook": "InteractiveResource",
    "InteractiveResource": "InteractiveResource",
    **{t: t for t in ("Collection", "Dataset", "Event", "Image", "PhysicalObject", "Service",
                      "Software", "Sound")},
}
# §4 dates row: these are dc:date; Coverage is dc:coverage; Updated is skipped.
_DATE_TYPES = {"Accepted", "Available", "Copyrighted", "Created", "Issued", "Submitted",
               "Valid", "Collected"}


def _resource(root: etree._Element) -> etree._Element:
    qname = etree.QName(root)
    if qname.namespace == OAI_DATACITE_NS:            # <oai_datacite><payload><resource>
        found = [r for r in root.iter() if isinstance(r.tag, str)
                 and etree.QName(r).localname == "resource"]
        if not found:
            raise CrosswalkError("oai_datacite record without a DataCite resource")
        root, qname = found[0], etree.QName(found[0])
    if not (qname.localname == "resource" and (qname.namespace or "").startswith(
            "http://datacite.org/schema/kernel-")):
        raise CrosswalkError(f"not a DataCite resource: {root.tag!r}")
    return root


def ingest(root: etree._Element) -> tuple[DCValue, ...]:
    """The DC values of a DataCite ``<resource>`` (§4, repository rule column)."""
    res = _resource(root)
    ns = f"{{{etree.QName(res).namespace}}}"

    def all_(path: str) -> list[etree._Element]:
        return res.findall("/".join(ns + step for step in path.split("/")))

    def text(el: etree._Element | None) -> str:
        return in_text("".join(el.itertext())) if el is not None else ""

    out: list[tuple[str, str, str | None]] = []
    add = out.append
    # Titles: one each, xml:lang kept; a Subtitle is appended to the main title.
    titles = all_("titles/title")
    subtitles = [text(t) for t in titles if t.get("titleType") == "Subtitle"]
    for t in titles:
        if t.get("titleType") != "Subtitle":
            value = text(t)
            if subtitles and not t.get("titleType"):
                value = f"{value}: {subtitles.pop(0)}"
            add(("title", value, t.get(XML_LANG)))
    out.extend(("title", s, None) for s in subtitles)       # a subtitle with no main title
    for c in all_("creators/creator"):   # creatorName as given; nameIdentifier is not the item's
        add(("creator", text(c.find(f"{ns}creatorName")), None))
    for s in all_("subjects/subject"):
        add(("subject", text(s), s.get(XML_LANG)))
    for d in all_("descriptions/description"):
        add(("description", in_text("".join(d.itertext()), lines=True), d.get(XML_LANG)))
    add(("publisher", text(res.find(f"{ns}publisher")), None))
    for c in all_("contributors/contributor"):
        add(("contributor", text(c.find(f"{ns}contributorName")), None))
    for f in all_("fundingReferences/fundingReference"):     # funderName -> contributor
        add(("contributor", text(f.find(f"{ns}funderName")), None))
    _dates(res, ns, text, add)
    rtype = res.find(f"{ns}resourceType")
    if rtype is not None:   # DCMI term, then resourceTypeGeneral, then the free text
        general = rtype.get("resourceTypeGeneral", "")
        add(("type", DCMI_OF_GENERAL.get(general, ""), None))
        add(("type", general, None))
        add(("type", text(rtype), None))
    for f in all_("formats/format") + all_("sizes/size"):
        add(("format", text(f), None))
    ident = res.find(f"{ns}identifier")
    if ident is not None:
        value = text(ident)
        add(("identifier", doi_url(value) if ident.get("identifierType", "").upper() == "DOI"
             else value, None))
    for a in all_("alternateIdentifiers/alternateIdentifier"):
        kind, value = a.get("alternateIdentifierType", "").lower(), text(a)
        if kind == "oai" or value.startswith("oai:"):       # the partner's own OAI identifier
            continue
        add(("identifier", (isbn_urn(value) or value) if kind == "isbn" else value, None))
    for r in all_("relatedIdentifiers/relatedIdentifier"):
        element = "source" if r.get("relationType") == "IsDerivedFrom" else "relation"
        add((element, _related_id(r.get("relatedIdentifierType", ""), text(r)), None))
    for item in all_("relatedItems/relatedItem"):
        rid = item.find(f"{ns}relatedItemIdentifier")
        title = item.find(f"{ns}titles/{ns}title")
        add(("relation", _related_id(rid.get("relatedItemIdentifierType", ""), text(rid))
             if rid is not None and text(rid) else text(title), None))
    add(("language", text(res.find(f"{ns}language")), None))
    for g in all_("geoLocations/geoLocation"):
        _geo(g, ns, text, add)
    for r in all_("rightsList/rights"):      # the text and the rightsURI, one value each
        add(("rights", text(r), r.get(XML_LANG)))
        add(("rights", in_text(r.get("rightsURI")), None))
    order = {e: i for i, e in enumerate(DC_ELEMENTS)}
    kept = dedupe((e, v, lg) for e, v, lg in out if v)
    return tuple(DCValue(e, v, lg) for e, v, lg in sorted(kept, key=lambda p: order[p[0]]))


def _dates(res, ns, text, add) -> None:  # noqa: ANN001
    """publicationYear as YYYY unless an Issued date gives more precision; the other dates
    bare (not "Issued: …"); Coverage -> coverage; Updated skipped."""
    year = text(res.find(f"{ns}publicationYear"))
    dates = res.findall(f"{ns}dates/{ns}date")
    issued = [text(d) for d in dates if d.get("dateType") == "Issued"]
    if year and not any(i.startswith(year) for i in issued):
        add(("date", year, None))
    for d in dates:
        kind = d.get("dateType", "")
        if kind in _DATE_TYPES:
            add(("date", text(d), None))
        elif kind == "Coverage":
            add(("coverage", text(d), None))


def _related_id(kind: str, value: str) -> str:
    if kind.upper() == "DOI" or classify(value).kind == "doi":
        return doi_url(value)
    if kind.upper() == "ISBN":
        return isbn_urn(value) or value
    return value


def _geo(g, ns, text, add) -> None:  # noqa: ANN001
    """geoLocationPlace text; point -> DCMI Point; box -> DCMI Box (§4 geoLocations row)."""
    add(("coverage", text(g.find(f"{ns}geoLocationPlace")), None))
    point = g.find(f"{ns}geoLocationPoint")
    if point is not None:
        lon, lat = text(point.find(f"{ns}pointLongitude")), text(point.find(f"{ns}pointLatitude"))
        if lon and lat:
            add(("coverage", f"east={lon}; north={lat}", None))
    box = g.find(f"{ns}geoLocationBox")
    if box is not None:
        parts = [(k, text(box.find(f"{ns}{k}BoundLongitude" if k in ("west", "east")
                                   else f"{ns}{k}BoundLatitude")))
                 for k in ("west", "east", "south", "north")]
        if all(v for _, v in parts):
            add(("coverage", "; ".join(f"{k}limit={v}" for k, v in parts), None))


DATACITE = MetadataFormat(
    prefix="datacite",
    namespace=DATACITE_NS,
    schema=DATACITE_SCHEMA,
    render=None,     # ingest only: Granary does not write DataCite
    ingest=ingest,
)
