"""Metadata quality of a sample of oai_dc records (checks H1 to H6): the recommendations of
the BASE validator (OVAL, after the DRIVER and DINI guidelines). None is a MUST of OAI-PMH,
so each only warns.

H3 checks the shape of an ISO 639 code (two or three lower-case letters, an optional region
subtag), not membership in the code lists, which Granary does not carry.
"""
from __future__ import annotations

import re

from oai.validate.lists import Item
from oai.validate.probe import Probe

DC_NS = "http://purl.org/dc/elements/1.1/"
SAMPLE = 50
MINIMAL = ("identifier", "title", "date", "type", "creator")
_ISO_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                       r"(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2})?\Z")
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")
_HANDLE_PLACEHOLDER = re.compile(r"(hdl\.handle\.net/|^hdl:|^)123456789/")


def _values(item: Item, name: str) -> list[str]:
    if item.metadata is None:
        return []
    return [" ".join(el.itertext()).strip() for el in item.metadata.iter(f"{{{DC_NS}}}{name}")]


def check_quality(probe: Probe, items: list[Item]) -> None:
    v = probe.verdicts
    sample = [i for i in items if not i.deleted and i.metadata is not None][:SAMPLE]
    if not sample:
        for check_id in ("H1", "H2", "H3", "H4", "H5", "H6"):
            v.skip(check_id, "no oai_dc record to look at")
        return
    urls: set[str] = set()
    for item in sample:
        req, who = item.request, item.identifier
        missing = [name for name in MINIMAL if not any(_values(item, name))]
        v.ok("H1", not missing, req, f"{who} lacks dc:{', dc:'.join(missing)}")
        for date in _values(item, "date"):
            v.ok("H2", _ISO_DATE.match(date) is not None, req, f"{who}: dc:date {date!r}")
        for lang in _values(item, "language"):
            v.ok("H3", _LANGUAGE.match(lang) is not None, req, f"{who}: dc:language {lang!r}")
        links = [i for i in _values(item, "identifier") if i.startswith(("http://", "https://"))]
        v.ok("H4", bool(links), req, f"{who} has no http(s) dc:identifier")
        urls.update(links[:1])
        for text in _values(item, "description"):
            v.ok("H5", _MOJIBAKE.search(text) is None, req,
                 f"{who}: dc:description looks double-encoded: {text[:60]!r}")
        for ident in _values(item, "identifier"):
            v.ok("H6", _HANDLE_PLACEHOLDER.search(ident) is None, req,
                 f"{who}: the placeholder handle prefix 123456789 in {ident!r}")
    if len(sample) > 1:
        v.ok("H4", len(urls) != 1, sample[0].request,
             f"every record has the same link {next(iter(urls), '')!r}")
    for check_id in ("H2", "H3", "H5", "H6"):
        v.skip(check_id, "no such element in the sample")
