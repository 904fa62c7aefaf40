"""An OAI-PMH response (already safely parsed by ``xmlread``) read into ``models``.

Elements are found by namespace, not by prefix, so ``<oai:ListRecords>`` (invenio#2300) reads
like ``<ListRecords>``; elements with no namespace at all are accepted too, as some servers
forget it. A record's ``<metadata>`` child and ``<about>`` children are kept as the partner
sent them (serialized by lxml with their namespace declarations, without the tail), so a
crosswalk can be re-run later without harvesting again.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from oai.harvest.dates import partner_granularity
from oai.harvest.errors import NotOAIResponse, PartnerError
from oai.harvest.models import (
    FormatInfo,
    HarvestedRecord,
    Header,
    PartnerIdentity,
    PartnerSet,
    Repair,
    ResumptionInfo,
    SetAside,
)
from oai.harvest.xmlread import Repairs, read_xml

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
VERBS = ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords",
         "GetRecord")


def _is(el: etree._Element, name: str) -> bool:
    if not isinstance(el.tag, str):  # comments and processing instructions
        return False
    qname = etree.QName(el)
    return qname.localname == name and qname.namespace in (OAI_NS, None)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in el if _is(child, name)]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: etree._Element | None, name: str, repairs: Repairs | None = None,
          codes: list[int] | None = None) -> str:
    node = _child(el, name) if el is not None else None
    value = "".join(node.itertext()).strip() if node is not None else ""
    if repairs is not None:
        value, found = repairs.take(value)
        if codes is not None:
            codes.extend(found)
    return value or ""


@dataclass
class Response:
    """The envelope of one answer: its date, its errors, its verb element."""

    url: str
    response_date: str
    errors: list[tuple[str, str]]
    body: etree._Element | None      # the verb-named element, when there is one
    repairs: Repairs

    def raise_errors(self, http_status: int = 200) -> None:
        """OAI-PMH §3.6: <error> instead of the verb element -> PartnerError."""
        if self.errors:
            raise PartnerError.from_codes(self.errors, self.url, http_status=http_status,
                                          response_date=self.response_date)

    def expect(self, verb: str) -> etree._Element:
        if self.body is None or not _is(self.body, verb):
            raise NotOAIResponse(f"{self.url}: the answer has no {verb} element", self.url)
        return self.body


def read_response(body: bytes, url: str) -> Response:
    """Read one answer's envelope. Raises what ``read_xml`` raises, or NotOAIResponse."""
    doc = read_xml(body, url)
    root = doc.root
    if not _is(root, "OAI-PMH"):
        raise NotOAIResponse(f"{url}: the answer is XML but not OAI-PMH "
                             f"(root element {root.tag!r})", url)
    errors = [(str(err.get("code", "")).strip(),
               doc.repairs.take("".join(err.itertext()))[0].strip())
              for err in _children(root, "error")]
    verb_el = next((child for child in root if any(_is(child, v) for v in VERBS)), None)
    return Response(url=url, response_date=_text(root, "responseDate", doc.repairs),
                    errors=errors, body=verb_el, repairs=doc.repairs)


def _serialize(el: etree._Element, repairs: Repairs, codes: list[int]) -> bytes:
    data, found = repairs.take_bytes(etree.tostring(el, encoding="utf-8", with_tail=False))
    codes.extend(found)
    return data


def _first_element(el: etree._Element | None) -> etree._Element | None:
    if el is None:
        return None
    return next((child for child in el if isinstance(child.tag, str)), None)


def _header(el: etree._Element, repairs: Repairs, codes: list[int]) -> Header:
    specs: list[str] = []
    for spec_el in _children(el, "setSpec"):
        spec, found = repairs.take("".join(spec_el.itertext()).strip())
        codes.extend(found)
        if spec and spec not in specs:  # erasmus repeats a setSpec
            specs.append(spec)
    return Header(identifier=_text(el, "identifier", repairs, codes),
                  datestamp=_text(el, "datestamp", repairs, codes),
                  set_specs=tuple(specs),
                  deleted=(el.get("status") or "").strip() == "deleted")


@dataclass
class Items:
    """What a page carried: records taken, records set aside, repairs made, its token."""

    records: list[HarvestedRecord]
    set_aside: list[SetAside]
    repairs: list[Repair]
    resumption: ResumptionInfo | None = None


def read_items(resp: Response, verb: str) -> Items:
    """The records (ListRecords, GetRecord) or headers (ListIdentifiers) of *resp*, and its
    resumptionToken. Repairs outside every record are reported once, with no identifier."""
    body = resp.expect(verb)
    items = Items([], [], [], read_token(resp))
    element = "header" if verb == "ListIdentifiers" else "record"
    for el in _children(body, element):
        codes: list[int] = []
        record: HarvestedRecord | None
        if verb == "ListIdentifiers":
            record = HarvestedRecord(_header(el, resp.repairs, codes))
        else:
            record = _record(el, resp.repairs, codes, items)
        if record is None:
            continue
        if codes:
            items.repairs.append(Repair(record.identifier or None, tuple(codes)))
        if not record.identifier:
            items.set_aside.append(SetAside("", "the header has no identifier",
                                            record.header.datestamp or None))
            continue
        items.records.append(record)
    leftover = resp.repairs.unclaimed()
    if leftover:
        items.repairs.append(Repair(None, tuple(leftover)))
    return items


def _record(el: etree._Element, repairs: Repairs, codes: list[int],
            items: Items) -> HarvestedRecord | None:
    header_el = _child(el, "header")
    if header_el is None:
        items.set_aside.append(SetAside("", "a record without a header"))
        return None
    header = _header(header_el, repairs, codes)
    payload = _first_element(_child(el, "metadata"))
    abouts = tuple(_serialize(child, repairs, codes) for about in _children(el, "about")
                   if (child := _first_element(about)) is not None)
    if payload is None:
        if not header.deleted and header.identifier:
            items.set_aside.append(SetAside(header.identifier, "the record has no metadata",
                                            header.datestamp))
            return None
        return HarvestedRecord(header, None, abouts)
    return HarvestedRecord(header, _serialize(payload, repairs, codes), abouts,
                           etree.QName(payload).namespace)


def read_token(resp: Response) -> ResumptionInfo | None:
    """The list's <resumptionToken>; None when there is none. A token that is empty or only
    whitespace - with or without attributes - has ``token`` None (§3.5, sickle#8/#25)."""
    el = _child(resp.body, "resumptionToken") if resp.body is not None else None
    if el is None:
        return None
    text, _ = resp.repairs.take((el.text or "").strip())
    return ResumptionInfo(token=text or None, cursor=_int(el.get("cursor")),
                          complete_list_size=_int(el.get("completeListSize")),
                          expiration_date=el.get("expirationDate"))


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None


def _values(el: etree._Element, name: str, repairs: Repairs) -> tuple[str, ...]:
    return tuple(repairs.take("".join(e.itertext()).strip())[0] or ""
                 for e in _children(el, name))


def read_identify(resp: Response) -> PartnerIdentity:
    body = resp.expect("Identify")

    def text(name: str) -> str:
        return _text(body, name, resp.repairs)

    declared = text("granularity")
    return PartnerIdentity(
        repository_name=text("repositoryName"), base_url=text("baseURL"),
        protocol_version=text("protocolVersion"),
        earliest_datestamp=text("earliestDatestamp") or None,
        deleted_record=text("deletedRecord"),
        granularity=partner_granularity(declared), granularity_declared=declared,
        admin_emails=_values(body, "adminEmail", resp.repairs),
        compression=_values(body, "compression", resp.repairs),
        response_date=resp.response_date)


def read_formats(resp: Response) -> list[FormatInfo]:
    body, repairs = resp.expect("ListMetadataFormats"), resp.repairs
    return [FormatInfo(_text(el, "metadataPrefix", repairs), _text(el, "schema", repairs),
                       _text(el, "metadataNamespace", repairs))
            for el in _children(body, "metadataFormat")]


def read_sets(resp: Response) -> list[PartnerSet]:
    """The sets of one ListSets answer; names with their runs of spaces folded (erasmus)."""
    body, repairs = resp.expect("ListSets"), resp.repairs
    return [PartnerSet(_text(el, "setSpec", repairs),
                       " ".join(_text(el, "setName", repairs).split()))
            for el in _children(body, "set")]
