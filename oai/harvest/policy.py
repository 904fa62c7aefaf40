"""The harvest failure policy: what to do when something goes wrong. Pure: no I/O.

Every place that meets a failure - the HTTP client, the reading of an answer, a list, the
fetch of one record in the fallback, the run loop, the preparation of a run - describes it as
an error and a ``Situation`` and asks ``classify`` for a ``Decision``; nobody else decides.
The limits behind the decisions (and those of ``paging``) are in one frozen
``HarvestPolicy``. Actions:

- ``RETRY``: ask the same request again after a backoff (a body that broke off);
- ``REFETCH``: fetch a page that was not well-formed once more (truncation is often
  transient); never a document with a DTD - fetching an attack again would not help;
- ``END_LIST``: the list is complete, with the reason the last ``Page`` carries
  (noRecordsMatch; an error right after completeListSize was reached, invenio-app-rdm#2715;
  no sets at all);
- ``RESTART_LIST``: a rejected token (badResumptionToken; tokens are volatile, sickle#19):
  ask the list again from its last committed datestamp, at most ``max_restarts`` times;
- ``FALL_BACK``: a ListRecords page that stays broken is taken as ListIdentifiers +
  GetRecord from there on;
- ``SET_ASIDE``: one record cannot be taken (GetRecord fails, the store refuses it):
  report it, take the rest;
- ``DO_WITHOUT``: an answer that only describes the partner cannot be read (Identify,
  ListMetadataFormats, ListSets): go on with what is always safe (day granularity, the
  declared prefix's namespace, sets named after their setSpec);
- ``FAIL``: stop the source; the error's message says why. Transport failures after every
  retry and 401/403 (guidelines: terminate on 403) always end here.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oai.harvest.errors import (
    ANSWER_ERRORS,
    AccessDenied,
    BrokenPage,
    NotOAIResponse,
    PartnerError,
    TokenRejected,
    TransportError,
    UnsafeDocument,
)

# Statuses urllib3 retries: 429 Too Many Requests and every 5xx (OAI-PMH §3.1.2.2 flow
# control uses 503). 401/403 stop at once: retrying would not help.
RETRY_STATUSES = frozenset({429} | set(range(500, 600)))
DENIED_STATUSES = frozenset({401, 403})
# Partner codes that end ListSets quietly: the partner has no sets (§3.6 noSetHierarchy).
NO_SETS = frozenset({"noSetHierarchy", "noRecordsMatch"})


@dataclass(frozen=True)
class HarvestPolicy:
    """Every limit of the failure policy and of list paging (tests use small values)."""

    retries: int = 6                   # per request, of any kind (HTTP, body broke off)
    refetch_broken: int = 1            # extra fetches of a page that is not well-formed
    max_restarts: int = 3              # restarts of one list after rejected tokens
    max_empty_pages: int = 10          # empty pages with tokens in a row before we stop
    max_requests: int = 100_000        # requests per list, whatever happens
    remember_pages: int = 20           # pages of identifiers kept for the repeat check
    # completeListSize MAY be an estimate (§3.5) and some are wrong (OpenSKOS#8), so by
    # default reaching it does not stop the list: the next token is still asked for, and only
    # a failure of that request (error, broken page) ends the list quietly.
    trust_complete_list_size: bool = False

    def __post_init__(self) -> None:
        if min(self.max_empty_pages, self.max_requests, self.remember_pages) < 1:
            raise ValueError("list limits must be positive")
        if min(self.retries, self.refetch_broken, self.max_restarts) < 0:
            raise ValueError("retries, refetch_broken and max_restarts must not be negative")

    def decide(self, error: BaseException, situation: Situation) -> Decision:
        return classify(error, situation, self)


class Step(StrEnum):
    """Where the failure was met."""

    FETCH = "fetch"          # an HTTP answer whose body broke off after the headers
    READ = "read"            # an answer that is not a readable OAI-PMH document
    LIST = "list"            # a request of a list, inside the client
    SETS = "sets"            # a ListSets request, inside the client
    RECORD = "record"        # one GetRecord of the ListIdentifiers + GetRecord fallback
    WALK = "walk"            # a list's error, as the run loop receives it
    IDENTIFY = "identify"    # the run's Identify
    DESCRIBE = "describe"    # ListMetadataFormats or ListSets, before the lists
    WRITE = "write"          # the store refused a page's write


class Action(StrEnum):
    RETRY = "retry"
    REFETCH = "refetch"
    END_LIST = "end-list"
    RESTART_LIST = "restart-list"
    FALL_BACK = "fall-back"
    SET_ASIDE = "set-aside"
    DO_WITHOUT = "do-without"
    FAIL = "fail"


@dataclass(frozen=True)
class Situation:
    """What the caller knows when the error came."""

    step: Step
    attempt: int = 0            # earlier tries of this request (FETCH, READ); list restarts (WALK)
    status: int | None = None   # the HTTP status of the answer (READ)
    verb: str | None = None     # the list's verb (WALK)
    resumed: bool = False       # the failed request carried a resumption token (WALK)
    expect_end: bool = False    # completeListSize was reached, yet a token came (LIST)


@dataclass(frozen=True)
class Decision:
    action: Action
    # END_LIST: the end reason of the list's last Page; FAIL: "http-status" when the failure
    # is the answer's HTTP status rather than its body.
    reason: str | None = None


FAIL = Decision(Action.FAIL)


def classify(error: BaseException, situation: Situation,
             policy: HarvestPolicy | None = None) -> Decision:
    """The one decision: what to do about *error* met in *situation*."""
    policy = policy or HarvestPolicy()
    step = situation.step
    if isinstance(error, (AccessDenied, TransportError)):
        return FAIL                      # never about one page or one record
    if step is Step.FETCH:
        return Decision(Action.RETRY) if situation.attempt < policy.retries else FAIL
    if step is Step.READ:
        if isinstance(error, UnsafeDocument):
            return FAIL                  # fetching an attack again would not help
        if situation.status not in (None, 200):
            # An HTML error page or garbage with a 4xx/5xx: an HTTP failure, said as such.
            return Decision(Action.FAIL, "http-status")
        if isinstance(error, BrokenPage) and situation.attempt < policy.refetch_broken:
            return Decision(Action.REFETCH)  # truncation and garbling are often transient
        return FAIL
    if step is Step.LIST:
        if isinstance(error, PartnerError) and error.code == "noRecordsMatch":
            # On a first request: nothing new (an incremental run); on the partner's own
            # token it ends the list (seen at MLA).
            return Decision(Action.END_LIST, "no-records-match")
        if situation.expect_end and isinstance(error, ANSWER_ERRORS):
            return Decision(Action.END_LIST, "complete-list-size")
        return FAIL
    if step is Step.SETS:
        if isinstance(error, PartnerError) and error.code in NO_SETS:
            return Decision(Action.END_LIST, "no-sets")
        return FAIL
    if step is Step.RECORD:
        return Decision(Action.SET_ASIDE) if isinstance(error, ANSWER_ERRORS) else FAIL
    if step is Step.WALK:
        if isinstance(error, TokenRejected):
            if situation.resumed and situation.attempt < policy.max_restarts:
                return Decision(Action.RESTART_LIST)
            return FAIL                  # a first request refused, or restarts used up
        if isinstance(error, BrokenPage) and situation.verb == "ListRecords":
            return Decision(Action.FALL_BACK)
        return FAIL                      # the fallback's own listing broken: nothing left
    if step is Step.IDENTIFY:
        # Identify only tells us the granularity; an OAI error there is no answer at all.
        if isinstance(error, (BrokenPage, NotOAIResponse)):
            return Decision(Action.DO_WITHOUT)
        return FAIL
    if step is Step.DESCRIBE:
        return Decision(Action.DO_WITHOUT) if isinstance(error, ANSWER_ERRORS) else FAIL
    if step is Step.WRITE:
        # One draft the store refuses must not stop the harvest: find it, set it aside.
        return Decision(Action.SET_ASIDE)
    return FAIL
