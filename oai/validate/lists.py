"""Walking a list through its resumptionTokens, bounded by ``max_pages`` (checks G1 to G8),
and reading what the walk brought back into ``Item``s for the record checks.

A token on the last page must be empty (§3.5); a first page must not carry an empty one; the
cursor counts the items already served, from 0; re-sending a token returns the same page when
nothing changed (§3.5.1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from oai.datestamps import parse_request_date
from oai.validate.probe import Exchange, Probe, oai

ITEM = {"ListRecords": "record", "ListIdentifiers": "header", "ListSets": "set",
        "GetRecord": "record"}
BATCH = (100, 500)        # G6: the batch size DRIVER recommends


@dataclass
class Item:
    """One header (ListIdentifiers), record (ListRecords) or set (ListSets)."""

    identifier: str
    datestamp: str = ""
    sets: tuple[str, ...] = ()
    deleted: bool = False
    metadata: etree._Element | None = None   # the payload element of a record
    request: str = ""


@dataclass
class Walk:
    verb: str
    first: Exchange
    items: list[Item] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)    # every non-empty token met, in order
    pages: list[list[Item]] = field(default_factory=list)   # tokens[i] asked for pages[i + 1]
    complete: bool = False                              # the last page was reached

    @property
    def errors(self) -> list[str]:
        return self.first.errors


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def read_items(ex: Exchange, verb: str) -> list[Item]:
    body = ex.verb(verb)
    if body is None:
        return []
    found = []
    for el in body.findall(oai(ITEM[verb])):
        if verb == "ListSets":
            found.append(Item((el.findtext(oai("setSpec")) or "").strip(), request=ex.request))
            continue
        header = el if verb == "ListIdentifiers" else el.find(oai("header"))
        if header is None:
            found.append(Item("", request=ex.request))
            continue
        meta = el.find(oai("metadata")) if verb != "ListIdentifiers" else None
        payload = next((c for c in meta if isinstance(c.tag, str)), None) \
            if meta is not None else None
        found.append(Item((header.findtext(oai("identifier")) or "").strip(),
                          (header.findtext(oai("datestamp")) or "").strip(),
                          tuple((s.text or "").strip() for s in header.findall(oai("setSpec"))),
                          header.get("status") == "deleted", payload, ex.request))
    return found


def walk(probe: Probe, verb: str, args: list[tuple[str, str]], max_pages: int,
         next_check: str) -> Walk:
    """Ask *verb* with *args* and follow its tokens for at most *max_pages* pages; each
    following page is a run of *next_check* (C2, D3 or G3)."""
    v = probe.verdicts
    ex = probe.get([("verb", verb), *args])
    result = Walk(verb, ex)
    served = 0
    for page in range(max_pages):
        body = ex.verb(verb)
        if body is None:
            if page:
                v.fail(next_check, ex.request, ex.describe())
            return result
        items = read_items(ex, verb)
        if page:
            v.ok(next_check, bool(items), ex.request, "a page with no items")
        result.items.extend(items)
        result.pages.append(items)
        tokens = body.findall(oai("resumptionToken"))
        v.ok("G1", len(tokens) <= 1, ex.request, f"{len(tokens)} resumptionTokens")
        token_el = tokens[0] if tokens else None
        token = (token_el.text or "").strip() if token_el is not None else ""
        if token_el is not None:
            _counts(probe, ex, token_el, page, served, items, verb, bool(token))
        served += len(items)
        if token_el is None:
            # §3.5: a list that ends on a later page ends with an empty token.
            if page:
                v.fail("G4", ex.request, "the last page has no resumptionToken element")
            result.complete = True
            return result
        if not token:
            # OAI-VAL: an empty token on a first page says the list is done, which is odd.
            v.ok("G1", page > 0, ex.request, "an empty resumptionToken on a first page")
            v.ok("G4", True)
            result.complete = True
            return result
        if token in result.tokens:
            v.fail(next_check, ex.request, f"the token {token!r} came back again (a loop)")
            return result
        result.tokens.append(token)
        if page + 1 == max_pages:
            break
        ex = probe.get([("verb", verb), ("resumptionToken", token)])
    return result


def _counts(probe: Probe, ex: Exchange, el: etree._Element, page: int, served: int,
            items: list[Item], verb: str, more: bool) -> None:
    v, req = probe.verdicts, ex.request
    cursor, size = _int(el.get("cursor")), _int(el.get("completeListSize"))
    if page == 0 and el.get("cursor") is not None:
        v.ok("G2", cursor == 0, req, f"cursor={el.get('cursor')!r} on a first page")
    if el.get("cursor") is not None:
        # §3.5: cursor is the count of items already served, starting at 0.
        v.ok("G7", cursor == served, req, f"cursor={cursor} after {served} items served")
    if size is not None and not more:
        v.ok("G7", size >= served + len(items) or size == 0, req,
             f"completeListSize={size}, but {served + len(items)} items were served")
    if page == 0 and more:
        v.ok("G5", size is not None and size > len(items), req,
             f"completeListSize={el.get('completeListSize')} on a first page of "
             f"{len(items)} items")
        _expiry(probe, ex, el)
        if verb != "ListSets":
            v.ok("G6", BATCH[0] <= len(items) <= BATCH[1], req,
                 f"a page of {len(items)} items (100 to 500 recommended)")


def _expiry(probe: Probe, ex: Exchange, el: etree._Element) -> None:
    text = el.get("expirationDate")
    answered = (ex.root.findtext(oai("responseDate")) or "").strip() if ex.root is not None \
        else ""
    try:
        expires = parse_request_date(text or "").moment
        now = parse_request_date(answered).moment
    except ValueError:
        probe.verdicts.fail("G5", ex.request, f"expirationDate={text!r}")
        return
    probe.verdicts.ok("G5", expires - now >= timedelta(hours=23), ex.request,
                      f"expirationDate={text} for a response of {answered}")


def resend(probe: Probe, verb: str, token: str, expected: list[Item]) -> None:
    """G8: the same token again gives the same items (§3.5.1, nothing changed meanwhile)."""
    ex = probe.get([("verb", verb), ("resumptionToken", token)])
    again = [i.identifier for i in read_items(ex, verb)]
    want = [i.identifier for i in expected]
    probe.verdicts.ok("G8", again == want, ex.request,
                      f"{len(again)} items, first {again[:2]}; first time {want[:2]}")

