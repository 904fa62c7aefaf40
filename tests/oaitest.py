"""Helpers for tests that talk OAI-PMH to our app: requests, XPath with namespaces, error checks,
a harvest that follows resumption tokens, and a small catalogue builder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {
    "o": OAI,
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "id": "http://www.openarchives.org/OAI/2.0/oai-identifier",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "prov": "http://www.openarchives.org/OAI/2.0/provenance",
}
SECONDS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes
    tree: etree._Element = field(repr=False)

    def xpath(self, path: str) -> list:
        return self.tree.xpath(path, namespaces=NS)

    def text(self, path: str) -> str | None:
        found = self.xpath(path)
        if not found:
            return None
        node = found[0]
        return node if isinstance(node, str) else node.text

    @property
    def error_codes(self) -> list[str]:
        return [e.get("code") for e in self.xpath("/o:OAI-PMH/o:error")]

    @property
    def request_attrs(self) -> dict:
        return dict(self.xpath("/o:OAI-PMH/o:request")[0].attrib)

    @property
    def token(self) -> etree._Element | None:
        found = self.xpath("//o:resumptionToken")
        return found[0] if found else None


def oai(client, query: str | dict | list = "", *, method: str = "GET", validate=None,
        headers: dict | None = None) -> Reply:
    """One request to /oai through a Flask test client; parses (and validates) the body."""
    qs = query if isinstance(query, str) else urlencode(query)
    if method == "GET":
        resp = client.get("/oai" + ("?" + qs if qs else ""), headers=headers or {})
    else:
        resp = client.post("/oai", data=qs, headers={
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    body = resp.get_data()
    tree = etree.fromstring(body, SAFE_PARSER)
    if validate is not None:
        validate(body)
    return Reply(resp.status_code, dict(resp.headers), body, tree)


def assert_error(reply: Reply, *accepted: str, echo: bool | None = None) -> None:
    """The reply is an OAI error (HTTP 200) whose codes are all among *accepted*.
    ``echo=False`` also checks that <request> carries no attributes (§3.2)."""
    assert reply.status == 200, reply.status
    codes = reply.error_codes
    assert codes, f"expected an error {accepted}, got {reply.body[:400]!r}"
    assert set(codes) <= set(accepted), f"codes {codes}, expected among {accepted}"
    if echo is False:
        assert reply.request_attrs == {}, reply.request_attrs


def harvest(client, verb: str, validate=None, **args) -> tuple[list[etree._Element], list[Reply]]:
    """Follow resumption tokens to the end; returns the items and every page's reply."""
    item = {"ListRecords": "o:record", "ListIdentifiers": "o:header", "ListSets": "o:set"}[verb]
    query = {"verb": verb, **args}
    items, pages = [], []
    for _ in range(10_000):
        reply = oai(client, query, validate=validate)
        pages.append(reply)
        if reply.error_codes:
            return items, pages
        items.extend(reply.xpath(f"/o:OAI-PMH/o:{verb}/{item}"))
        tok = reply.token
        if tok is None or not (tok.text or "").strip():
            return items, pages
        query = {"verb": verb, "resumptionToken": tok.text}
    raise AssertionError("harvest did not end")


def header_ids(items: list[etree._Element]) -> list[str]:
    out = []
    for it in items:
        hdr = it if it.tag == f"{{{OAI}}}header" else it.find(f"{{{OAI}}}header")
        out.append(hdr.findtext(f"{{{OAI}}}identifier"))
    return out
