"""Application servers hold no state: a resumption token issued by one server process is
honoured by another on the same database (two gunicorn processes, one worker each), even
after the first has stopped, because tokens carry the whole state of the list (§3.5) and are
signed with a key every process shares - the store's own secret, or OAI_SECRET_KEY.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import requests
from lxml import etree

from oai import tokens
from oai.arguments import Verb
from store import RecordStore
from tests.oaitest import SAFE_PARSER, Reply, assert_error
from tests.processes import fill_synthetic, running_server

RECORDS, SETS, PAGE = 2_500, 250, 100    # 25 pages of records, 3 of sets
# Unset (""): each process takes the store's secret, as a deployment does by default.
KEYS = {"store secret": "", "configured key": "a-key-shared-by-every-server"}
# What one page lists of each verb; a record or header is (identifier, deleted).
ITEMS = {"ListRecords": "/o:OAI-PMH/o:ListRecords/o:record/o:header",
         "ListIdentifiers": "/o:OAI-PMH/o:ListIdentifiers/o:header",
         "ListSets": "/o:OAI-PMH/o:ListSets/o:set/o:setSpec"}


@pytest.fixture(scope="module")
def catalogue(module_store_url):
    """(database URL, identifier -> deleted): read-only, shared by the module's tests."""
    return module_store_url, fill_synthetic(module_store_url, RECORDS, sets=SETS, delete_every=97)


def server(url: str, key: str = ""):
    return running_server(url, workers=1, OAI_PAGE_SIZE=str(PAGE), OAI_SECRET_KEY=key)


def ask(base: str, params: dict) -> Reply:
    resp = requests.get(base, params=params, timeout=30)
    return Reply(resp.status_code, dict(resp.headers), resp.content,
                 etree.fromstring(resp.content, SAFE_PARSER))


@dataclass
class Harvest:
    items: list = field(default_factory=list)
    counts: list = field(default_factory=list)    # (cursor, completeListSize) of each token
    tokens: list = field(default_factory=list)    # the token texts, in order


def first_params(verb: str) -> dict:
    return {"verb": verb} if verb == "ListSets" else {"verb": verb, "metadataPrefix": "oai_dc"}


def harvest(bases: list[str], verb: str, token: str | None = None) -> Harvest:
    """A whole list, page i asked of bases[i % len(bases)]; from *token* when given."""
    got = Harvest()
    for n in range(1000):
        params = {"verb": verb, "resumptionToken": token} if token else first_params(verb)
        reply = ask(bases[n % len(bases)], params)
        assert reply.status == 200 and not reply.error_codes, reply.body[:400]
        for item in reply.xpath(ITEMS[verb]):
            got.items.append(item.text if verb == "ListSets" else
                             (item.findtext("{*}identifier"), item.get("status") == "deleted"))
        element = reply.token
        if element is None:
            return got
        got.counts.append((element.get("cursor"), element.get("completeListSize")))
        token = element.text
        if not token:                   # the empty token of the last page (§3.5)
            return got
        got.tokens.append(token)
    raise AssertionError(f"{verb} did not end within 1000 pages")


def assert_complete(verb: str, got: Harvest, expected: dict[str, bool]) -> None:
    """Every record (deletions included) or set exactly once, in as many pages as expected."""
    if verb == "ListSets":
        assert sorted(got.items) == [f"bulk-{k:03d}" for k in range(SETS)]
        assert len(got.counts) == -(-SETS // PAGE)
    else:
        assert len(got.items) == len(set(got.items)) == RECORDS
        assert dict(got.items) == expected
        assert len(got.counts) == -(-RECORDS // PAGE)


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_a_harvest_alternating_between_two_servers_is_a_one_server_harvest(catalogue, key):
    url, expected = catalogue
    issued = {}
    with server(url, key) as a, server(url, key) as b:
        for verb in ITEMS:
            alone = harvest([a], verb)
            assert_complete(verb, alone, expected)
            # A's tokens are honoured by B and B's by A: the same pages, cursors and sizes.
            for bases in ([a, b], [b, a]):
                both = harvest(bases, verb)
                assert (both.items, both.counts) == (alone.items, alone.counts), bases
            issued[verb] = both.tokens[0]
    if not key:
        # Signed with the key the store keeps, which neither process was given.
        store = RecordStore(url)
        secret = store.secret_key()
        store.close()
        for verb, raw in issued.items():
            state = tokens.decode(raw, Verb(verb), secret)
            assert (state.cursor, state.complete_list_size) == (PAGE, SETS if verb == "ListSets"
                                                                 else RECORDS)


def test_a_token_outlives_the_server_that_issued_it(catalogue):
    url, expected = catalogue
    with server(url) as b:
        with server(url) as a:
            # Each list's first page from A, and for ListRecords two more.
            firsts = {verb: harvest([a], verb).tokens[0] for verb in ITEMS}
            later = harvest([a], "ListRecords").tokens[2]
            whole = {verb: harvest([a], verb).items for verb in ITEMS}
        for verb, token in firsts.items():
            rest = harvest([b], verb, token)
            assert rest.items == whole[verb][PAGE:]
            assert rest.counts[0] == (str(PAGE), str(len(whole[verb])))
        assert harvest([b], "ListRecords", later).items == whole["ListRecords"][3 * PAGE:]
        assert dict(whole["ListRecords"]) == expected


def _altered(raw: str, at: int) -> str:
    return raw[:at] + ("A" if raw[at] != "A" else "B") + raw[at + 1:]


def test_a_token_altered_by_one_character_is_refused_by_the_other_server(catalogue):
    url, _ = catalogue
    with server(url) as a, server(url) as b:
        for verb in ITEMS:
            raw = harvest([a], verb).tokens[0]
            # Not the last character: two of its bits are base64 padding, which decoding
            # ignores, so some changes there leave the token's bytes as they were.
            for at in (0, len(raw) // 2, raw.rindex(".") + 1, len(raw) - 2):
                reply = ask(b, {"verb": verb, "resumptionToken": _altered(raw, at)})
                assert_error(reply, "badResumptionToken")
                assert reply.xpath("//o:resumptionToken") == []
            assert not ask(b, {"verb": verb, "resumptionToken": raw}).error_codes


def test_servers_with_different_keys_refuse_each_others_tokens(catalogue):
    # What the shared key is for: a process with a key of its own cannot read A's tokens.
    url, _ = catalogue
    with server(url) as a, server(url, "a-key-of-its-own") as b:
        for verb in ITEMS:
            raw = harvest([a], verb).tokens[0]
            assert_error(ask(b, {"verb": verb, "resumptionToken": raw}), "badResumptionToken")
            assert not ask(a, {"verb": verb, "resumptionToken": raw}).error_codes
