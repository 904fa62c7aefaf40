"""The end of a list, by every signal partners give, and never an endless loop."""
from __future__ import annotations

import pytest

from oai.harvest import HarvestPolicy, RequestCapReached, ResumptionInfo, TokenRejected
from oai.harvest.paging import EndDetector
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner

LIVE = [r.identifier for r in make_records(10)]  # all ten; deleted ones come as headers


def harvest(client, verb="ListRecords", **kwargs):
    pages = list(client.pages(verb, "oai_dc", **kwargs))
    ids = [r.identifier for p in pages for r in p.records]
    return pages, ids


# -- the detector alone ------------------------------------------------------------------
def tok(token, cursor=None, size=None):
    return ResumptionInfo(token, cursor, size)


@pytest.mark.parametrize("steps, expected", [
    # (identifiers on the page, resumption) per page -> (next token, reason) of the last one
    ([(["a"], None)], (None, "no-token")),
    ([(["a"], tok("t1")), (["b"], tok(None, 1, 2))], (None, "empty-token")),
    ([(["a"], tok("t1")), (["b"], tok("t1"))], (None, "repeated-token")),
    ([(["a", "b"], tok("t1")), (["a", "b"], tok("t2"))], (None, "repeated-identifiers")),
    ([(["a", "b"], tok("t1")), (["b", "c"], tok("t2"))], ("t2", None)),
    ([([], tok("t1")), ([], tok("t2")), ([], tok("t3"))], (None, "empty-pages")),
    ([([], tok("t1")), ([], tok("t2")), (["a"], tok("t3"))], ("t3", None)),
])
def test_end_signals(steps, expected):
    detector = EndDetector(HarvestPolicy(max_empty_pages=3))
    for ids, resumption in steps:
        result = detector.decide(ids, resumption)
    assert result == expected


def test_complete_list_size_by_cursor_and_by_count():
    trusting = HarvestPolicy(trust_complete_list_size=True)
    assert EndDetector(trusting).decide(["a", "b"], tok("t", 8, 10)) == \
        (None, "complete-list-size")
    counted = EndDetector(trusting)  # no cursor: our own count from the list's start
    assert counted.decide(["a"], tok("t1", None, 2)) == ("t1", None)
    assert counted.decide(["b"], tok("t2", None, 2)) == (None, "complete-list-size")
    unknown = EndDetector(trusting, received=None)  # resumed without a count: no signal
    assert unknown.decide(["b"], tok("t2", None, 2)) == ("t2", None)
    probing = EndDetector(HarvestPolicy())  # default: go on, but expect the end
    assert probing.decide(["a", "b"], tok("t", 8, 10)) == ("t", None)
    assert probing.expect_end


def test_request_cap():
    detector = EndDetector(HarvestPolicy(max_requests=2))
    detector.count_request()
    detector.count_request()
    with pytest.raises(RequestCapReached):
        detector.count_request()


def test_bad_policy_is_refused():
    with pytest.raises(ValueError):
        HarvestPolicy(max_empty_pages=0)


# -- against the fake partner ---------------------------------------------------------------
def test_a_whole_list_page_by_page(client, partner):
    pages, ids = harvest(client)
    assert ids == LIVE
    assert [p.number for p in pages] == [1, 2, 3, 4]
    assert all(p.next_token for p in pages[:-1])
    assert pages[-1].done and pages[-1].end_reason == "empty-token"
    assert pages[-1].resumption.cursor == 9 and pages[-1].resumption.complete_list_size == 10
    assert pages[1].request_token == pages[0].next_token
    assert all(p.response_date.endswith("Z") for p in pages)
    deleted = [r for p in pages for r in p.records if r.deleted]
    assert [r.identifier for r in deleted] == [LIVE[4], LIVE[9]]
    assert all(r.metadata is None for r in deleted)


def test_one_page_list_without_token(make_client):
    partner = FakePartner(make_records(2)).start()
    try:
        pages, ids = harvest(make_client(partner))
    finally:
        partner.stop()
    assert len(ids) == 2 and pages[0].end_reason == "no-token"


def test_whitespace_end_token_with_attributes(client, partner):
    partner.fault("whitespace_end_token", on=4)
    pages, ids = harvest(client)
    assert ids == LIVE and pages[-1].end_reason == "empty-token"


def test_repeated_token_ends_the_list(client, partner):
    partner.fault("repeat_token", on=3)
    pages, ids = harvest(client)
    assert pages[-1].end_reason == "repeated-token"
    assert ids == LIVE[:9] and len(partner.requests) == 3


def test_same_records_for_every_token_ends_the_list(client, partner):
    partner.fault("same_page", on="token", times=0)
    pages, ids = harvest(client)
    assert pages[-1].end_reason == "repeated-identifiers"
    assert len(partner.requests) == 2


def test_empty_pages_before_the_records_are_followed(client, partner):
    # LIBRIS served 30+ empty pages before the first records (librisxl#1812).
    partner.fault("empty_page", on="ListRecords", times=6)
    pages, ids = harvest(client)
    assert ids == LIVE
    assert [len(p.records) for p in pages[:6]] == [0] * 6


def test_too_many_empty_pages_end_the_list(make_client, partner):
    partner.fault("empty_page", on="ListRecords", times=0)
    pages, ids = harvest(make_client(partner, policy=HarvestPolicy(max_empty_pages=4)))
    assert ids == [] and len(pages) == 4 and pages[-1].end_reason == "empty-pages"


def test_request_cap_stops_an_endless_list(make_client, partner):
    client = make_client(partner, policy=HarvestPolicy(max_requests=3))
    with pytest.raises(RequestCapReached):
        harvest(client)
    assert len(partner.requests) == 3


def test_no_records_match_on_a_first_request_is_success(client, partner):
    pages, ids = harvest(client, from_="2030-01-01T00:00:00Z")
    assert ids == [] and len(pages) == 1
    assert pages[0].end_reason == "no-records-match" and pages[0].done
    assert pages[0].response_date  # the watermark of an incremental run that found nothing


def test_no_records_match_on_the_partners_own_token_ends_the_list(client, partner):
    partner.fault("oai_error", on="token", code="noRecordsMatch")
    pages, ids = harvest(client)
    assert ids == LIVE[:3]
    assert pages[-1].end_reason == "no-records-match" and pages[-1].records == ()


def test_token_after_the_last_page_leading_nowhere(client, partner):
    # completeListSize reached, yet a token (invenio-app-rdm#2715); following it fails.
    partner.fault("token_on_last", on=4)
    partner.fault("oai_error", on=5, code="badResumptionToken")
    pages, ids = harvest(client)
    assert ids == LIVE and pages[-1].end_reason == "complete-list-size"
    assert len(partner.requests) == 5


def test_trusting_complete_list_size_saves_the_request(make_client, partner):
    partner.fault("token_on_last", on=4)
    pages, ids = harvest(make_client(partner, policy=HarvestPolicy(trust_complete_list_size=True)))
    assert ids == LIVE and pages[-1].end_reason == "complete-list-size"
    assert len(partner.requests) == 4


def test_rejected_token_is_typed_and_the_list_restarts_from_a_datestamp(client, partner):
    partner.fault("oai_error", on=3, code="badResumptionToken")
    taken, tokens = [], []
    with pytest.raises(TokenRejected) as caught:
        for page in client.pages("ListRecords", "oai_dc"):
            taken.extend(page.records)
            tokens.append(page.next_token)
    assert caught.value.token == tokens[-1]  # the token the partner refused
    assert caught.value.window.verb == "ListRecords" and caught.value.code == \
        "badResumptionToken"
    last = taken[-1].header.datestamp
    _, rest = harvest(client, from_=last)
    assert rest[0] == taken[-1].identifier  # inclusive from: an overlap, never a gap
    assert [r.identifier for r in taken] + rest[1:] == LIVE


def test_resume_a_list_from_a_checkpointed_token(make_client, partner):
    first = next(iter(make_client(partner).pages("ListIdentifiers", "oai_dc")))
    later = make_client(partner)  # a new process, after a crash
    pages = list(later.resume("ListIdentifiers", first.next_token, received=3))
    ids = [r.identifier for r in first.records] + [r.identifier for p in pages for r in p.records]
    assert ids == LIVE and pages[-1].end_reason == "empty-token"


def test_list_identifiers_carries_headers_only(client):
    pages, ids = harvest(client, verb="ListIdentifiers")
    assert ids == LIVE
    assert all(r.metadata is None for p in pages for r in p.records)
    assert pages[0].headers[0].set_specs == ("a:b",)


def test_set_and_window_selection(client, partner):
    _, ids = harvest(client, set_spec="a", until="2024-01-03T12:00:00Z")
    assert ids == [LIVE[0], LIVE[1], LIVE[3], LIVE[4], LIVE[6]]  # until is inclusive
    assert partner.requests[-1].params.get("set") is None  # a token request: token only
    first = next(r for r in partner.requests if "metadataPrefix" in r.params)
    assert first.params["set"] == "a" and first.params["until"] == "2024-01-03T12:00:00Z"


def test_unknown_list_verb_is_refused(client):
    with pytest.raises(ValueError):
        client.pages("GetRecord", "oai_dc")
