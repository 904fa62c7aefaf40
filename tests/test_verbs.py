"""The verb handlers against a real store (SQLite and PostgreSQL), without Flask."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest

from oai import tokens, verbs
from oai.arguments import Verb, parse
from oai.datestamps import EPOCH, format_datestamp
from oai.errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIErrorGroup,
)
from oai.identity import RepositoryIdentity
from schemas import default_registry
from store.record_types import DCValue, RecordDraft, SetInfo
from tests import catalogue
from tests.catalogue import ident

SECRET = "verbs-test-secret"


@pytest.fixture
def make_ctx(store, clock):
    """make_ctx(page_size) -> a Context whose 'now' is the store clock's current time."""
    def make(page_size: int = 4) -> verbs.Context:
        identity = RepositoryIdentity("Test", ("librarian@example.org",), catalogue.REPO_ID,
                                      base_url="http://localhost/oai", page_size=page_size)
        service = verbs.Service(identity, store, default_registry(), SECRET)
        return service.at(clock.now, "http://localhost/oai")
    return make


@pytest.fixture
def facts(store, clock):
    return catalogue.build(store, clock, n=10, deleted=(4,))


def run(ctx: verbs.Context, query: str):
    return verbs.dispatch(parse(parse_qsl(query, keep_blank_values=True)), ctx)


def harvest(ctx: verbs.Context, query: str):
    """Every page of a list, following tokens: returns (rows, replies)."""
    replies = [run(ctx, query)]
    verb = dict(parse_qsl(query))["verb"]
    while replies[-1].token is not None and replies[-1].token.value:
        replies.append(run(ctx, f"verb={verb}&resumptionToken={replies[-1].token.value}"))
    rows = [r for reply in replies for r in (reply.sets if verb == "ListSets" else reply.records)]
    return rows, replies


def test_dispatch_table_covers_every_verb():
    assert set(verbs.HANDLERS) == set(Verb)


def test_a_request_context_is_the_service_at_a_moment_and_a_url(store):
    identity = RepositoryIdentity("Test", ("librarian@example.org",), catalogue.REPO_ID)
    service = verbs.Service(identity, store, default_registry(), SECRET)
    now = datetime(2024, 5, 9, 2, 0, tzinfo=timezone.utc)
    ctx = service.at(now, "http://example.org/oai")
    assert isinstance(ctx, verbs.Service) and ctx.now == now
    assert (ctx.store, ctx.formats, ctx.secret, ctx.clock) == (store, service.formats, SECRET,
                                                               service.clock)
    assert ctx.identity == identity.at("http://example.org/oai")
    assert service.identity.base_url is None          # the service itself is untouched
    # A configured base URL is what Identify announces, whatever URL the request came to.
    configured = verbs.Service(identity.at("https://library.example.org/oai"), store,
                               default_registry(), SECRET)
    later = configured.at(now, "http://10.0.0.7:8000/oai").at(now, "http://other/oai")
    assert later.identity.base_url == "https://library.example.org/oai"


def test_identify(facts, make_ctx, store):
    reply = run(make_ctx(), "verb=Identify")
    # catalogue.build writes its first records 6 hours after the clock's start
    assert reply.earliest == store.earliest_datestamp() == datetime(2024, 1, 1, 6,
                                                                    tzinfo=timezone.utc)
    assert reply.identity.base_url == "http://localhost/oai"


def test_identify_empty_repository(make_ctx):
    assert run(make_ctx(), "verb=Identify").earliest == EPOCH


def test_get_record(facts, make_ctx):
    row = run(make_ctx(), f"verb=GetRecord&identifier={ident(3)}&metadataPrefix=oai_dc").record
    assert row.identifier == ident(3) and not row.deleted
    assert b"Record number 3" in row.metadata
    assert row.set_specs == ("human-rights:trafficking",)  # minimal: no ancestor (§2.6)


def test_get_record_deleted_is_header_only(facts, make_ctx):
    row = run(make_ctx(), f"verb=GetRecord&identifier={ident(4)}&metadataPrefix=oai_dc").record
    assert row.deleted and row.metadata is None and row.about is None


def test_get_record_errors(facts, make_ctx, store):
    ctx = make_ctx()
    with pytest.raises(IdDoesNotExist):
        run(ctx, "verb=GetRecord&identifier=oai:nonexistent:1&metadataPrefix=oai_dc")
    with pytest.raises(CannotDisseminateFormat):
        run(ctx, f"verb=GetRecord&identifier={ident(1)}&metadataPrefix=ead")
    with pytest.raises(OAIErrorGroup) as both:  # §3.6: all errors found
        run(ctx, "verb=GetRecord&identifier=oai:nonexistent:1&metadataPrefix=ead")
    assert sorted(both.value.codes) == ["cannotDisseminateFormat", "idDoesNotExist"]
    with store.writer() as w:
        w.put(RecordDraft("oai:granary.example.org:bare", dc=(DCValue("title", "no formats"),)))
    with pytest.raises(CannotDisseminateFormat):  # known format, but not for this item
        run(ctx, "verb=GetRecord&identifier=oai:granary.example.org:bare&metadataPrefix=oai_dc")


def test_list_metadata_formats(facts, make_ctx, store):
    ctx = make_ctx()
    every = run(ctx, "verb=ListMetadataFormats").formats
    assert [f.prefix for f in every] == [f.prefix for f in default_registry()]
    assert "oai_dc" in [f.prefix for f in every]
    mine = run(ctx, f"verb=ListMetadataFormats&identifier={ident(1)}").formats
    assert "oai_dc" in [f.prefix for f in mine]
    with pytest.raises(IdDoesNotExist):
        run(ctx, "verb=ListMetadataFormats&identifier=oai:nonexistent:1")
    with store.writer() as w:
        w.put(RecordDraft("oai:granary.example.org:bare", dc=(DCValue("title", "no formats"),)))
    with pytest.raises(NoMetadataFormats):
        run(ctx, "verb=ListMetadataFormats&identifier=oai:granary.example.org:bare")


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_pages_cursor_and_tokens(facts, make_ctx, verb):
    rows, replies = harvest(make_ctx(4), f"verb={verb}&metadataPrefix=oai_dc")
    ids = [r.identifier for r in rows]
    assert sorted(ids) == sorted(ident(i) for i in range(10)) and len(set(ids)) == 10
    keys = [(r.datestamp, r.identifier) for r in rows]
    assert keys == sorted(keys)                        # keyset order
    assert [len(r.records) for r in replies] == [4, 4, 2]
    assert [r.token.cursor for r in replies] == [0, 4, 8]            # §3.5: from 0
    assert {r.token.complete_list_size for r in replies} == {10}
    assert replies[0].token.value and replies[1].token.value
    assert replies[-1].token.value == ""   # §3.5: the last page has an empty token
    for row in rows:
        if verb == "ListIdentifiers" or row.deleted:
            assert row.metadata is None
        else:
            assert row.metadata.startswith(b"<oai_dc:dc")


def test_exact_multiple_of_page_size(facts, make_ctx):
    _, replies = harvest(make_ctx(5), "verb=ListIdentifiers&metadataPrefix=oai_dc")
    assert [len(r.records) for r in replies] == [5, 5]
    assert replies[-1].token.value == "" and replies[-1].token.cursor == 5


def test_one_page_list_has_no_token(facts, make_ctx):
    reply = run(make_ctx(100), "verb=ListRecords&metadataPrefix=oai_dc")
    assert len(reply.records) == 10 and reply.token is None


def test_resent_token_gives_the_same_page(facts, make_ctx):
    ctx = make_ctx(3)
    tok = run(ctx, "verb=ListRecords&metadataPrefix=oai_dc").token.value
    a = run(ctx, f"verb=ListRecords&resumptionToken={tok}")
    b = run(ctx, f"verb=ListRecords&resumptionToken={tok}")
    assert a == b


def test_until_is_fixed_at_the_first_page(facts, make_ctx, store, clock):
    ctx = make_ctx(3)
    first = run(ctx, "verb=ListIdentifiers&metadataPrefix=oai_dc")
    served = [r.identifier for r in first.records]
    clock.advance(60)
    with store.writer() as w:
        w.put(catalogue.draft(50))                         # new
        w.put(catalogue.draft(9, title="edited"))          # not served yet: moves out
    later = ctx.at(clock.now, "http://localhost/oai")   # the next request
    rows, _ = harvest(later, f"verb=ListIdentifiers&resumptionToken={first.token.value}")
    served += [r.identifier for r in rows]
    assert ident(50) not in served and ident(9) not in served   # G§5.1
    assert sorted(served) == sorted(ident(i) for i in range(9))  # the rest exactly once


def test_continuation_with_every_remaining_record_changed(facts, make_ctx, store, clock):
    ctx = make_ctx(4)
    first = run(ctx, "verb=ListRecords&metadataPrefix=oai_dc")
    served = {r.identifier for r in first.records}
    clock.advance(60)
    with store.writer() as w:
        for i in range(10):
            if ident(i) not in served and i != 4:
                w.put(catalogue.draft(i, title="changed"))
        w.put(catalogue.draft(4))  # the tombstone comes back to life: changed too
    with pytest.raises(NoRecordsMatch) as got:
        run(ctx, f"verb=ListRecords&resumptionToken={first.token.value}")
    assert "changed" in got.value.message


def test_from_until_are_inclusive(facts, make_ctx, store):
    ctx = make_ctx(100)
    row = run(ctx, f"verb=GetRecord&identifier={ident(6)}&metadataPrefix=oai_dc").record
    ds = format_datestamp(row.datestamp)
    got = run(ctx, f"verb=ListIdentifiers&metadataPrefix=oai_dc&from={ds}&until={ds}").records
    assert {r.identifier for r in got} == {ident(6), ident(7)}   # written together
    day = ds[:10]
    got = run(ctx, f"verb=ListIdentifiers&metadataPrefix=oai_dc&from={day}&until={day}").records
    assert ident(6) in {r.identifier for r in got}
    assert all(format_datestamp(r.datestamp).startswith(day) for r in got)


def test_until_before_earliest(facts, make_ctx, store):
    before = format_datestamp(store.earliest_datestamp() - timedelta(days=365))
    with pytest.raises(NoRecordsMatch):
        run(make_ctx(), f"verb=ListRecords&metadataPrefix=oai_dc&until={before}")


def test_sets(facts, make_ctx):
    ctx = make_ctx(100)
    got = run(ctx, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=human-rights").records
    expected = {ident(i) for i in range(10)
                if any(s.startswith("human-rights") for s in catalogue.sets_for(i))}
    assert {r.identifier for r in got} == expected          # descendants included (§2.6)
    with pytest.raises(NoRecordsMatch) as missing:
        run(ctx, "verb=ListRecords&metadataPrefix=oai_dc&set=no-such-set")
    assert "does not exist" in missing.value.message
    with pytest.raises(NoRecordsMatch):  # an existing set with no records
        run(ctx, "verb=ListRecords&metadataPrefix=oai_dc&set=empty-set")


def test_repository_without_sets(store, make_ctx):
    with store.writer() as w:
        w.put(catalogue.draft(1, sets=()))
    ctx = make_ctx()
    with pytest.raises(NoSetHierarchy):
        run(ctx, "verb=ListSets")
    with pytest.raises(NoSetHierarchy):
        run(ctx, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=x")
    with pytest.raises(OAIErrorGroup) as both:
        run(ctx, "verb=ListRecords&metadataPrefix=ead&set=x")
    assert sorted(both.value.codes) == ["cannotDisseminateFormat", "noSetHierarchy"]


def test_unknown_format_for_lists(facts, make_ctx):
    for verb in ("ListRecords", "ListIdentifiers"):
        with pytest.raises(CannotDisseminateFormat):
            run(make_ctx(), f"verb={verb}&metadataPrefix=ead")


def test_list_sets_pages(facts, make_ctx, store):
    with store.writer() as w:
        w.put_set(SetInfo("zz-last", "Last", "Described <set> & more"))
    sets, replies = harvest(make_ctx(2), "verb=ListSets")
    specs = [s.spec for s in sets]
    assert specs == sorted(specs) and len(specs) == 5
    assert [r.token.cursor for r in replies] == [0, 2, 4]
    assert {r.token.complete_list_size for r in replies} == {5}
    assert replies[-1].token.value == ""
    described = {s.spec: s.description for s in sets}
    assert described["human-rights"] == "Publications on human rights."
    assert described["zz-last"] == "Described <set> & more"


def test_bad_tokens(facts, make_ctx):
    ctx = make_ctx(3)
    ids_token = run(ctx, "verb=ListIdentifiers&metadataPrefix=oai_dc").token.value
    for query in ("verb=ListRecords&resumptionToken=junk", "verb=ListSets&resumptionToken=junk",
                  "verb=ListIdentifiers&resumptionToken=",
                  f"verb=ListRecords&resumptionToken={ids_token}",
                  f"verb=ListSets&resumptionToken={ids_token}"):
        with pytest.raises(BadResumptionToken):
            run(ctx, query)
    past_the_end = tokens.encode(tokens.SetsState("zzzz", 4, 4), SECRET)
    with pytest.raises(BadResumptionToken):
        run(ctx, f"verb=ListSets&resumptionToken={past_the_end}")


def test_token_for_a_withdrawn_format(facts, make_ctx, clock):
    state = tokens.ListState(Verb.LIST_RECORDS, "ead", None, clock.now, None,
                             (clock.now, ident(0)), 1, 5)
    with pytest.raises(CannotDisseminateFormat):
        run(make_ctx(), f"verb=ListRecords&resumptionToken={tokens.encode(state, SECRET)}")
