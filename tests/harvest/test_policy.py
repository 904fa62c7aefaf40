"""The harvest failure policy as a table: an error met in a situation -> the action taken.

Every row is one decision the harvester makes somewhere (HTTP client, reading an answer, a
list, the GetRecord fallback, the run loop, the run's preparation); the run-loop tests show
the same decisions carried out against the fake partner."""
from __future__ import annotations

import pytest

from oai.harvest.errors import (
    AccessDenied,
    BrokenPage,
    NotOAIResponse,
    PartnerError,
    RequestCapReached,
    ResponseTooLarge,
    TransportError,
    UnexpectedStatus,
    UnsafeDocument,
)
from oai.harvest.policy import Action, Decision, HarvestPolicy, Situation, Step, classify

URL = "http://partner.example.org/oai?verb=ListRecords"
RETRY, REFETCH, END, RESTART = Action.RETRY, Action.REFETCH, Action.END_LIST, Action.RESTART_LIST
FALL_BACK, ASIDE, WITHOUT, FAIL = (Action.FALL_BACK, Action.SET_ASIDE, Action.DO_WITHOUT,
                                   Action.FAIL)


def oai(code: str) -> PartnerError:
    return PartnerError.from_codes([(code, f"the partner says {code}")], URL)


def broken(kind: str = "truncated") -> BrokenPage:
    return BrokenPage(f"{URL}: not well-formed", URL, kind=kind)


class BodyBrokeOff(Exception):
    """Stands for the HTTP client's own signal that a body was cut off."""


NOT_OAI = NotOAIResponse(f"{URL}: an HTML page", URL)
UNSAFE = UnsafeDocument(f"{URL}: a DTD", URL)
DENIED = AccessDenied(URL, 403)
DOWN = TransportError(f"{URL}: no usable answer", URL)
TOO_LARGE = ResponseTooLarge(f"{URL}: too large", URL)
CAP = RequestCapReached("the list needed more than 3 requests")
STATUS = UnexpectedStatus(URL, 404)
STORE_REFUSED = ValueError("refused by the store")


def at(step: Step, **context) -> Situation:
    return Situation(step, **context)


ROWS = [
    # -- an HTTP body that broke off after its headers: retried under the retry budget
    (BodyBrokeOff(), at(Step.FETCH, attempt=0), RETRY),
    (BodyBrokeOff(), at(Step.FETCH, attempt=5), RETRY),
    (BodyBrokeOff(), at(Step.FETCH, attempt=6), FAIL),
    # -- an answer that cannot be read
    (broken(), at(Step.READ, attempt=0, status=200), REFETCH),
    (broken("undefined-entity"), at(Step.READ, attempt=0, status=200), REFETCH),
    (broken(), at(Step.READ, attempt=1, status=200), FAIL),
    (UNSAFE, at(Step.READ, attempt=0, status=200), FAIL),      # never fetch an attack again
    (NOT_OAI, at(Step.READ, attempt=0, status=200), FAIL),
    (broken(), at(Step.READ, attempt=0, status=503), FAIL),    # an HTTP failure, said as such
    (NOT_OAI, at(Step.READ, attempt=0, status=404), FAIL),
    # -- a list's request, inside the client
    (oai("noRecordsMatch"), at(Step.LIST), END),
    (oai("noRecordsMatch"), at(Step.LIST, expect_end=True), END),
    (broken(), at(Step.LIST, expect_end=True), END),             # invenio-app-rdm#2715
    (NOT_OAI, at(Step.LIST, expect_end=True), END),
    (oai("badArgument"), at(Step.LIST, expect_end=True), END),
    (oai("badArgument"), at(Step.LIST), FAIL),
    (broken(), at(Step.LIST), FAIL),
    (DOWN, at(Step.LIST, expect_end=True), FAIL),                # never an ending
    (DENIED, at(Step.LIST, expect_end=True), FAIL),
    (STATUS, at(Step.LIST, expect_end=True), FAIL),
    (CAP, at(Step.LIST), FAIL),
    # -- ListSets, inside the client
    (oai("noSetHierarchy"), at(Step.SETS), END),
    (oai("noRecordsMatch"), at(Step.SETS), END),
    (oai("badArgument"), at(Step.SETS), FAIL),
    # -- one GetRecord of the ListIdentifiers + GetRecord fallback
    (oai("idDoesNotExist"), at(Step.RECORD), ASIDE),
    (oai("cannotDisseminateFormat"), at(Step.RECORD), ASIDE),
    (broken("undefined-entity"), at(Step.RECORD), ASIDE),
    (UNSAFE, at(Step.RECORD), ASIDE),
    (NOT_OAI, at(Step.RECORD), ASIDE),
    (DOWN, at(Step.RECORD), FAIL),                               # not about one record
    (DENIED, at(Step.RECORD), FAIL),
    (TOO_LARGE, at(Step.RECORD), FAIL),
    # -- a list's error, in the run loop
    (oai("badResumptionToken"), at(Step.WALK, resumed=True, verb="ListRecords"), RESTART),
    (oai("badResumptionToken"), at(Step.WALK, resumed=True, attempt=2), RESTART),
    (oai("badResumptionToken"), at(Step.WALK, resumed=True, attempt=3), FAIL),  # used up
    (oai("badResumptionToken"), at(Step.WALK, resumed=False), FAIL),  # a first request
    (oai("badResumptionToken"), at(Step.WALK, resumed=True, verb="ListIdentifiers"), RESTART),
    (broken(), at(Step.WALK, verb="ListRecords"), FALL_BACK),
    (broken(), at(Step.WALK, verb="ListRecords", resumed=True), FALL_BACK),
    (broken(), at(Step.WALK, verb="ListIdentifiers"), FAIL),     # nothing left to fall back on
    (oai("badArgument"), at(Step.WALK, verb="ListRecords"), FAIL),
    (NOT_OAI, at(Step.WALK, verb="ListRecords"), FAIL),
    (DOWN, at(Step.WALK, verb="ListRecords"), FAIL),
    (DENIED, at(Step.WALK, verb="ListRecords", resumed=True), FAIL),
    (CAP, at(Step.WALK, verb="ListRecords"), FAIL),
    # -- Identify: it only gives the granularity
    (broken("undefined-entity"), at(Step.IDENTIFY), WITHOUT),
    (broken("not-well-formed"), at(Step.IDENTIFY), WITHOUT),
    (UNSAFE, at(Step.IDENTIFY), WITHOUT),
    (NOT_OAI, at(Step.IDENTIFY), WITHOUT),
    (oai("badVerb"), at(Step.IDENTIFY), FAIL),
    (DOWN, at(Step.IDENTIFY), FAIL),
    (DENIED, at(Step.IDENTIFY), FAIL),
    # -- ListMetadataFormats and ListSets before the lists
    (oai("badArgument"), at(Step.DESCRIBE), WITHOUT),
    (broken(), at(Step.DESCRIBE), WITHOUT),
    (NOT_OAI, at(Step.DESCRIBE), WITHOUT),
    (DOWN, at(Step.DESCRIBE), FAIL),
    (DENIED, at(Step.DESCRIBE), FAIL),
    # -- the store refused a page's write: find the draft, set it aside
    (STORE_REFUSED, at(Step.WRITE), ASIDE),
]


@pytest.mark.parametrize("error, situation, action", ROWS,
                         ids=[f"{s.step}-{type(e).__name__}-{i}"
                              for i, (e, s, _) in enumerate(ROWS)])
def test_the_policy_table(error, situation, action):
    assert classify(error, situation).action is action
    assert HarvestPolicy().decide(error, situation) == classify(error, situation)


def test_list_endings_carry_the_reason_of_the_last_page():
    assert classify(oai("noRecordsMatch"), at(Step.LIST)) == \
        Decision(END, "no-records-match")
    assert classify(broken(), at(Step.LIST, expect_end=True)) == \
        Decision(END, "complete-list-size")


def test_a_broken_answer_with_an_error_status_is_an_http_failure():
    assert classify(broken(), at(Step.READ, status=502)).reason == "http-status"
    assert classify(broken(), at(Step.READ, status=200, attempt=1)).reason is None


@pytest.mark.parametrize("limits, error, situation, action", [
    (dict(retries=0), BodyBrokeOff(), at(Step.FETCH, attempt=0), FAIL),
    (dict(retries=2), BodyBrokeOff(), at(Step.FETCH, attempt=1), RETRY),
    (dict(refetch_broken=0), broken(), at(Step.READ, status=200), FAIL),
    (dict(refetch_broken=3), broken(), at(Step.READ, status=200, attempt=2), REFETCH),
    (dict(max_restarts=0), oai("badResumptionToken"), at(Step.WALK, resumed=True), FAIL),
    (dict(max_restarts=5), oai("badResumptionToken"), at(Step.WALK, resumed=True,
                                                          attempt=4), RESTART),
])
def test_the_limits_come_from_the_one_policy_object(limits, error, situation, action):
    assert HarvestPolicy(**limits).decide(error, situation).action is action


@pytest.mark.parametrize("limits", [dict(retries=-1), dict(refetch_broken=-1),
                                    dict(max_restarts=-1), dict(max_empty_pages=0),
                                    dict(max_requests=0), dict(remember_pages=0)])
def test_bad_limits_are_refused(limits):
    with pytest.raises(ValueError):
        HarvestPolicy(**limits)


def test_the_policy_is_frozen():
    with pytest.raises(AttributeError):
        HarvestPolicy().retries = 1     # type: ignore[misc]

