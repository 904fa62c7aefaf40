"""The fake partner's catalogue and its OAI-PMH answers, built with lxml.

``Catalogue.answer(params, style)`` is the whole protocol side of the fake partner: Identify,
ListMetadataFormats, ListSets, ListIdentifiers/ListRecords with token paging, from/until/set
filtering at the declared granularity, and GetRecord. ``style`` switches the quirks that are
a matter of building (oai: prefixes, datestamps with milliseconds or offsets, where to put a
marker that a fault later turns into broken bytes). Tokens are kept server-side and contain
``+ / = | ! %`` and a space, so every request exercises the client's percent-encoding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
SIMPLE_NS = "urn:example:simple"
PROV_NS = "http://www.openarchives.org/OAI/2.0/provenance"
MARKER = "\ue000INJECT\ue000"   # replaced in the bytes by faults that must break the XML
FORMATS = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
           "simple": ("urn:example:simple.xsd", SIMPLE_NS)}


@dataclass
class FakeRecord:
    identifier: str
    datestamp: datetime                    # aware UTC
    sets: tuple[str, ...] = ()
    deleted: bool = False
    title: str = ""
    formats: tuple[str, ...] = ("oai_dc", "simple")
    provenance: bool = False               # carry an <about><provenance> of its own


def make_records(n: int, start: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc),
                 step: timedelta = timedelta(hours=10)) -> list[FakeRecord]:
    """*n* records, ``step`` apart, in sets ``a``/``a:b``/``c``; every 5th one deleted."""
    records = []
    for i in range(n):
        sets = ("a:b",) if i % 3 == 0 else ("a",) if i % 3 == 1 else ("c",)
        records.append(FakeRecord(f"oai:fake.example.org:{i:03d}", start + i * step, sets,
                                  deleted=(i % 5 == 4), title=f"Título número {i} – ü"))
    return records


@dataclass
class Style:
    prefixed: bool = False          # oai:OAI-PMH, oai:record, ...
    datestamps: str = "plain"       # "plain" | "ms" | "offset"
    inject_into: str | None = None  # identifier whose title gets MARKER ("*" = first record)
    end_token: str = ""             # text of the empty last token ("  \n " = whitespace)
    counts: bool = True             # cursor and completeListSize on tokens
    token_on_last: bool = False     # a (useless) token on the true last page


@dataclass
class Catalogue:
    records: list[FakeRecord]
    page_size: int = 3
    granularity: str = "YYYY-MM-DDThh:mm:ssZ"
    base_url: str = ""
    set_names: dict[str, str] = field(default_factory=lambda: {"a": "Set A", "a:b": "Set A:B",
                                                                 "c": "Set C"})
    tokens: dict[str, tuple[dict, int]] = field(default_factory=dict)
    # What ListMetadataFormats declares (prefix -> schema, namespace), and the prefixes whose
    # records are built as <oai_dc:dc>: a partner may misdescribe what it sends.
    declared: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(FORMATS))
    dc_prefixes: tuple[str, ...] = ("oai_dc",)

    # -- helpers ---------------------------------------------------------------------
    @property
    def day(self) -> bool:
        return "hh" not in self.granularity.lower()

    def stamp(self, moment: datetime, style: Style) -> str:
        if style.datestamps == "ms":
            return moment.strftime("%Y-%m-%dT%H:%M:%S.123Z")
        if style.datestamps == "offset":
            return moment.astimezone(timezone(timedelta(hours=2))).isoformat()
        return moment.strftime("%Y-%m-%d" if self.day else "%Y-%m-%dT%H:%M:%SZ")

    def new_token(self, args: dict, offset: int) -> str:
        token = f"{len(self.tokens) + 1}+/=|! %20:{offset}"
        self.tokens[token] = (args, offset)
        return token

    def _el(self, parent, name: str, text: str | None = None, **attrs):
        el = etree.SubElement(parent, f"{{{OAI_NS}}}{name}", **attrs)
        if text is not None:
            el.text = text
        return el

    def envelope(self, params: dict, style: Style, echo: bool = True):
        nsmap = {"oai" if style.prefixed else None: OAI_NS, "xsi": XSI_NS}
        root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap=nsmap)
        root.set(f"{{{XSI_NS}}}schemaLocation",
                 f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        self._el(root, "responseDate",
                 datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self._el(root, "request", self.base_url, **(params if echo else {}))
        return root

    def error(self, params: dict, code: str, message: str, style: Style):
        root = self.envelope(params, style, echo=code not in ("badVerb", "badArgument"))
        self._el(root, "error", message, code=code)
        return root

    # -- the protocol ----------------------------------------------------------------
    def answer(self, params: dict[str, str], style: Style):
        verb = params.get("verb")
        handler = {"Identify": self.identify, "ListMetadataFormats": self.formats,
                   "ListSets": self.list_sets, "ListRecords": self.list,
                   "ListIdentifiers": self.list, "GetRecord": self.get_record}.get(verb)
        if handler is None:
            return self.error(params, "badVerb", f"unknown verb {verb!r}", style)
        return handler(params, style)

    def identify(self, params, style):
        root = self.envelope(params, style)
        body = self._el(root, "Identify")
        for name, value in (("repositoryName", "Fake partner"), ("baseURL", self.base_url),
                            ("protocolVersion", "2.0"), ("adminEmail", "admin@fake.example"),
                            ("earliestDatestamp", "2024-01-01T00:00:00Z"),
                            ("deletedRecord", "persistent"), ("granularity", self.granularity),
                            ("compression", "gzip"), ("compression", "deflate")):
            self._el(body, name, value)
        return root

    def formats(self, params, style):
        root = self.envelope(params, style)
        body = self._el(root, "ListMetadataFormats")
        for prefix, (schema, ns) in self.declared.items():
            fmt = self._el(body, "metadataFormat")
            self._el(fmt, "metadataPrefix", prefix)
            self._el(fmt, "schema", schema)
            self._el(fmt, "metadataNamespace", ns)
        return root

    def list_sets(self, params, style):
        root = self.envelope(params, style)
        body = self._el(root, "ListSets")
        for spec, name in self.set_names.items():
            el = self._el(body, "set")
            self._el(el, "setSpec", spec)
            self._el(el, "setName", name)
        return root

    def _bound(self, text: str | None, until: bool) -> datetime | None:
        if text is None:
            return None
        if self.day and "T" in text:
            raise ValueError(f"{text!r} is finer than this repository's granularity")
        if "T" in text:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        return moment + timedelta(days=1, seconds=-1) if until else moment

    def selection(self, args: dict) -> list[FakeRecord]:
        prefix, spec = args.get("metadataPrefix"), args.get("set")
        low, high = self._bound(args.get("from"), False), self._bound(args.get("until"), True)
        chosen = [r for r in self.records
                  if (r.deleted or prefix in r.formats)
                  and (low is None or r.datestamp >= low) and (high is None or r.datestamp <= high)
                  and (spec is None or any(s == spec or s.startswith(spec + ":") for s in r.sets))]
        return sorted(chosen, key=lambda r: (r.datestamp, r.identifier))

    def list(self, params, style):
        verb = params["verb"]
        if "resumptionToken" in params:
            if params["resumptionToken"] not in self.tokens:
                return self.error(params, "badResumptionToken", "unknown token", style)
            args, offset = self.tokens[params["resumptionToken"]]
        else:
            args, offset = dict(params), 0
            if args.get("metadataPrefix") not in self.declared:
                return self.error(params, "cannotDisseminateFormat", "unknown prefix", style)
        try:
            chosen = self.selection(args)
        except ValueError as exc:
            return self.error(params, "badArgument", str(exc), style)
        if not chosen:
            return self.error(params, "noRecordsMatch", "no records match", style)
        return self.page(params, args, chosen, offset, style, verb)

    def page(self, params, args, chosen, offset, style, verb, records=None, token=None):
        """One list page starting at *offset* (or the given *records* and *token* text)."""
        root = self.envelope(params, style)
        body = self._el(root, verb)
        shown = chosen[offset:offset + self.page_size] if records is None else records
        for i, rec in enumerate(shown):
            marked = style.inject_into == rec.identifier or (style.inject_into == "*" and i == 0)
            if verb == "ListIdentifiers":
                self.header(body, rec, style)
            else:
                self.record(body, rec, args["metadataPrefix"], style, marked)
        more = offset + self.page_size < len(chosen)
        if token is not None:
            text = token
        elif more or style.token_on_last:
            text = self.new_token(args, offset + self.page_size)
        elif offset > 0:
            text = style.end_token   # §3.5: the list is complete
        else:
            return root              # a one-page list carries no token at all
        attrs = {"completeListSize": str(len(chosen)), "cursor": str(offset)} \
            if style.counts else {}
        self._el(body, "resumptionToken", text, **attrs)
        return root

    def header(self, parent, rec: FakeRecord, style: Style):
        head = self._el(parent, "header", **({"status": "deleted"} if rec.deleted else {}))
        self._el(head, "identifier", rec.identifier)
        self._el(head, "datestamp", self.stamp(rec.datestamp, style))
        for spec in rec.sets:
            self._el(head, "setSpec", spec)
        return head

    def record(self, parent, rec: FakeRecord, prefix: str, style: Style, marked: bool):
        el = self._el(parent, "record")
        self.header(el, rec, style)
        if rec.deleted:
            return
        meta = self._el(el, "metadata")
        title = rec.title + (MARKER if marked else "")
        if prefix in self.dc_prefixes:
            dc = etree.SubElement(meta, f"{{{OAI_DC_NS}}}dc",
                                  nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
            etree.SubElement(dc, f"{{{DC_NS}}}title").text = title
            etree.SubElement(dc, f"{{{DC_NS}}}identifier").text = rec.identifier
        else:
            simple = etree.SubElement(meta, f"{{{SIMPLE_NS}}}record", nsmap={"s": SIMPLE_NS})
            etree.SubElement(simple, f"{{{SIMPLE_NS}}}name").text = title
        if rec.provenance:
            about = self._el(el, "about")
            prov = etree.SubElement(about, f"{{{PROV_NS}}}provenance", nsmap={None: PROV_NS})
            etree.SubElement(prov, f"{{{PROV_NS}}}originDescription",
                             harvestDate="2023-01-01", altered="false")

    def get_record(self, params, style):
        rec = next((r for r in self.records if r.identifier == params.get("identifier")), None)
        if rec is None:
            return self.error(params, "idDoesNotExist", "no such record", style)
        prefix = params.get("metadataPrefix")
        if prefix not in rec.formats:
            return self.error(params, "cannotDisseminateFormat", "not in that format", style)
        root = self.envelope(params, style)
        body = self._el(root, "GetRecord")
        self.record(body, rec, prefix, style, style.inject_into in (rec.identifier, "*"))
        return root
