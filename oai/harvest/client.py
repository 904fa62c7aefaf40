"""OAIClient: the six verbs against one partner, a list as a stream of committable pages.

The run loop (store, checkpoints) builds on four calls:

- ``identify()``: the partner's identity; its granularity decides how from/until are sent;
- ``pages(verb, prefix, from_, until, set_spec)``: a list, one ``Page`` per response, the
  last one with ``next_token`` None and ``end_reason`` saying why; ``resume(verb, token)``
  continues a list from a checkpointed token. A page and its checkpoint go into one
  transaction, so a harvest killed at any moment resumes from the last committed page;
- ``TokenRejected`` (badResumptionToken) ends a list: restart it with ``pages`` from the
  last committed datestamp;
- ``BrokenPage`` (fetched twice, still not well-formed) carries the page's ``window``: take
  that window through ``fallback_pages`` (ListIdentifiers, then GetRecord one by one), which
  sets aside only the records that still fail.

Whether to fetch again, end a list quietly or set a record aside is asked of the client's
``HarvestPolicy`` (``policy.classify``); the client only carries the decision out. This module
and everything it imports know nothing of the store.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Iterator
from urllib.parse import quote, urlsplit

from oai.datestamps import Granularity
from oai.harvest.dates import format_bound
from oai.harvest.errors import (
    BrokenPage,
    HarvestError,
    NotOAIResponse,
    TransportError,
    UnexpectedStatus,
)
from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.models import (
    FormatInfo,
    HarvestedRecord,
    Header,
    ListWindow,
    Page,
    PartnerIdentity,
    PartnerSet,
    Repair,
    SetAside,
)
from oai.harvest.paging import EndDetector
from oai.harvest.parse import (
    Response,
    read_formats,
    read_identify,
    read_items,
    read_response,
    read_sets,
    read_token,
)
from oai.harvest.policy import Action, HarvestPolicy, Situation, Step

LIST_VERBS = ("ListRecords", "ListIdentifiers")
Bound = datetime | date | str | None


class OAIClient:
    """One partner's OAI-PMH interface. Use as a context manager, or call ``close()``.

    Its policy is the HTTP client's: give *policy* with an ``HttpConfig``, or build the
    ``HttpClient`` with it."""

    def __init__(self, base_url: str, http: HttpClient | HttpConfig, *,
                 policy: HarvestPolicy | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{base_url!r} is not an http(s) base URL")
        if isinstance(http, HttpClient) and policy is not None and policy != http.policy:
            raise ValueError("the policy is the HttpClient's: build the HttpClient with it")
        self.base_url = base_url
        self.http = http if isinstance(http, HttpClient) else HttpClient(http, policy=policy)
        self.policy = self.http.policy
        self._identity: PartnerIdentity | None = None

    def __enter__(self) -> OAIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # -- requests ----------------------------------------------------------------------
    def url(self, params: dict[str, str | None]) -> str:
        """The request URL. Every value is percent-encoded with nothing left safe (§3.1.1.3):
        tokens hold ``+ / = | !`` and spaces (metha#23), and ``+`` sent raw means a space."""
        query = "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items()
                         if value is not None)
        return f"{self.base_url}{'&' if '?' in self.base_url else '?'}{query}"

    def _call(self, params: dict[str, str | None]) -> Response:
        """One request, fetched again when the answer is not well-formed XML."""
        url = self.url(params)
        refetched = 0
        while True:
            fetched = self.http.get(url)
            try:
                resp = read_response(fetched.body, url)
            except (BrokenPage, NotOAIResponse) as exc:
                decision = self.policy.decide(exc, Situation(Step.READ, attempt=refetched,
                                                             status=fetched.status))
                if decision.action is Action.REFETCH:
                    refetched += 1
                    continue
                if decision.reason == "http-status":
                    if fetched.exhausted:
                        raise TransportError(f"{url}: still HTTP {fetched.status} after "
                                             f"{self.policy.retries + 1} attempts", url,
                                             fetched.status) from exc
                    raise UnexpectedStatus(url, fetched.status) from exc
                raise
            # OAI errors come with 200, but also 400, 422 or 500 (zenodo); the body decides.
            resp.raise_errors(fetched.status)
            if fetched.status != 200 and fetched.exhausted:
                raise TransportError(f"{url}: still HTTP {fetched.status} after retries", url,
                                     fetched.status)
            return resp

    # -- single answers ----------------------------------------------------------------
    def identify(self) -> PartnerIdentity:
        """The partner's Identify answer (asked once, then kept)."""
        if self._identity is None:
            self._identity = read_identify(self._call({"verb": "Identify"}))
        return self._identity

    def assume_identity(self, identity: PartnerIdentity) -> None:
        """Use *identity* instead of asking Identify (the run loop's stand-in when the
        partner's Identify is unusable: day granularity, the coarsest, is always safe)."""
        self._identity = identity

    @property
    def granularity(self) -> Granularity:
        return self.identify().granularity

    def list_metadata_formats(self, identifier: str | None = None) -> list[FormatInfo]:
        return read_formats(self._call({"verb": "ListMetadataFormats",
                                        "identifier": identifier}))

    def list_sets(self) -> Iterator[PartnerSet]:
        """Every set, following tokens; nothing for a partner without sets."""
        params: dict[str, str | None] = {"verb": "ListSets"}
        detector = EndDetector(self.policy)
        while True:
            detector.count_request()
            try:
                resp = self._call(params)
            except HarvestError as exc:
                if self.policy.decide(exc, Situation(Step.SETS)).action is Action.END_LIST:
                    return
                raise
            sets = read_sets(resp)
            yield from sets
            token, _ = detector.decide([s.spec for s in sets], read_token(resp))
            if token is None:
                return
            params = {"verb": "ListSets", "resumptionToken": token}

    def fetch_record(self, identifier: str, prefix: str) -> Page:
        """GetRecord as a one-record Page (with its repairs and response date)."""
        params: dict[str, str | None] = {"verb": "GetRecord", "identifier": identifier,
                                         "metadataPrefix": prefix}
        resp = self._call(params)
        items = read_items(resp, "GetRecord")
        return Page(verb="GetRecord", url=resp.url, number=1,
                    response_date=resp.response_date, records=tuple(items.records),
                    repairs=tuple(items.repairs), set_aside=tuple(items.set_aside))

    def get_record(self, identifier: str, prefix: str) -> HarvestedRecord:
        """One record; PartnerError (idDoesNotExist, ...) or NotOAIResponse when absent."""
        page = self.fetch_record(identifier, prefix)
        if not page.records:
            reason = page.set_aside[0].reason if page.set_aside else "no record in the answer"
            raise NotOAIResponse(f"{page.url}: {reason}", page.url)
        return page.records[0]

    # -- lists -------------------------------------------------------------------------
    def window(self, verb: str, prefix: str | None, from_: Bound = None, until: Bound = None,
               set_spec: str | None = None) -> ListWindow:
        """A list selection with its bounds formatted at the partner's granularity (asking
        Identify first when a bound is given, never sending a finer form)."""
        if verb not in LIST_VERBS:
            raise ValueError(f"{verb!r} is not one of {LIST_VERBS}")
        if from_ is None and until is None:
            return ListWindow(verb, prefix, None, None, set_spec)
        gran = self.granularity
        return ListWindow(verb, prefix,
                          format_bound(from_, gran) if from_ is not None else None,
                          format_bound(until, gran) if until is not None else None,
                          set_spec)

    def pages(self, verb: str, prefix: str, from_: Bound = None, until: Bound = None,
              set_spec: str | None = None) -> Iterator[Page]:
        """A list from its first request. noRecordsMatch yields one empty, final page."""
        return self._walk(self.window(verb, prefix, from_, until, set_spec), None, 0)

    def resume(self, verb: str, token: str, *, window: ListWindow | None = None,
               received: int | None = None) -> Iterator[Page]:
        """Continue a list from *token*. *received* (records already taken in this list)
        lets completeListSize be checked when the partner sends no cursor."""
        if verb not in LIST_VERBS:
            raise ValueError(f"{verb!r} is not one of {LIST_VERBS}")
        return self._walk(window or ListWindow(verb, None), token, received)

    def _walk(self, window: ListWindow, token: str | None,
              received: int | None) -> Iterator[Page]:
        detector = EndDetector(self.policy, received)
        detector.used(token)
        number = 0
        while True:
            number += 1
            detector.count_request()
            params: dict[str, str | None] = (
                {"verb": window.verb, "resumptionToken": token} if token else
                      {"verb": window.verb, "metadataPrefix": window.prefix,
                       "from": window.from_, "until": window.until, "set": window.set_spec})
            try:
                resp = self._call(params)
            except HarvestError as exc:
                decision = self.policy.decide(exc, Situation(Step.LIST,
                                                             expect_end=detector.expect_end))
                if decision.action is not Action.END_LIST:
                    exc.token, exc.window = token, window  # where the run loop stands
                    raise
                yield Page(verb=window.verb, url=self.url(params), number=number,
                           response_date=getattr(exc, "response_date", ""),
                           request_token=token, end_reason=decision.reason, window=window)
                return
            items = read_items(resp, window.verb)
            next_token, reason = detector.decide(
                [r.identifier for r in items.records], items.resumption)
            yield Page(verb=window.verb, url=resp.url, number=number,
                       response_date=resp.response_date, records=tuple(items.records),
                       resumption=items.resumption, request_token=token,
                       next_token=next_token, end_reason=reason,
                       repairs=tuple(items.repairs), set_aside=tuple(items.set_aside),
                       window=window)
            if next_token is None:
                return
            token = next_token

    # -- the fallback for broken pages -------------------------------------------------
    def one_by_one(self, headers: Iterable[Header], prefix: str) -> Page:
        """GetRecord for each header: records that still fail are set aside with the
        reason, the rest taken in. Deleted headers need no request (a tombstone has no
        metadata). Transport failures and 401/403 are not about a record: they propagate."""
        records: list[HarvestedRecord] = []
        aside: list[SetAside] = []
        repairs: list[Repair] = []
        for header in headers:
            if header.deleted:
                records.append(HarvestedRecord(header))
                continue
            try:
                page = self.fetch_record(header.identifier, prefix)
            except HarvestError as exc:
                if self.policy.decide(exc, Situation(Step.RECORD)).action is not \
                        Action.SET_ASIDE:
                    raise
                aside.append(SetAside(header.identifier, str(exc), header.datestamp))
                continue
            records.extend(page.records)
            aside.extend(page.set_aside)
            repairs.extend(page.repairs)
        return Page(verb="GetRecord", url=self.base_url, number=1, response_date="",
                    records=tuple(records), repairs=tuple(repairs), set_aside=tuple(aside))

    def fallback_pages(self, prefix: str, from_: Bound = None, until: Bound = None,
                       set_spec: str | None = None, *, token: str | None = None
                       ) -> Iterator[Page]:
        """A window of ListRecords taken as ListIdentifiers + GetRecord, page by page.

        Each page's ``verb`` is ListIdentifiers and its ``next_token`` a ListIdentifiers
        token: checkpoint it and pass it back as *token* to continue after a restart.
        """
        window = self.window("ListIdentifiers", prefix, from_, until, set_spec)
        listing = self._walk(window, token, None if token else 0)
        for id_page in listing:
            fetched = self.one_by_one(id_page.headers, prefix)
            yield Page(verb="ListIdentifiers", url=id_page.url, number=id_page.number,
                       response_date=id_page.response_date, records=fetched.records,
                       resumption=id_page.resumption, request_token=id_page.request_token,
                       next_token=id_page.next_token, end_reason=id_page.end_reason,
                       repairs=id_page.repairs + fetched.repairs,
                       set_aside=id_page.set_aside + fetched.set_aside, window=window)

