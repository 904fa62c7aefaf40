"""Fuzzing the endpoint (issue 8): seeded random and hostile requests, GET and POST, against the
demo catalogue on both engines. Every answer must be HTTP 200, well-formed and valid against the
official schemas; a failure prints the requests that broke it. The generator (tests/fuzzing.py)
and the runner (tests/fuzz_run.py) are shared with bench/fuzz.py, which runs 100,000 and more."""
from __future__ import annotations

from itertools import islice

import pytest

from oai.ingest import Catalog, load_demo
from schemas import default_registry
from tests import fuzz_run, fuzzing

REPO = "granary.example.org"
REQUESTS = 3000   # per engine: a few seconds each, well under a minute in all
SEED = 20240501


@pytest.fixture(scope="module")
def demo_client(module_store_url):
    from oai import create_app
    from store import RecordStore

    store = RecordStore(module_store_url)
    store.upgrade()
    load_demo(Catalog(store, default_registry(), REPO))
    store.close()
    # A small page size, so lists have resumption tokens to take and alter.
    app = create_app({"OAI_DATABASE_URL": module_store_url, "OAI_PAGE_SIZE": 2,
                      "OAI_REPOSITORY_IDENTIFIER": REPO})
    yield app.test_client()
    app.extensions["granary"].store.close()


def _report(counts: fuzz_run.Counts) -> str:
    return (f"{counts.bad} bad answers of {counts.total} ({dict(counts.by_problem)}); "
            f"statuses {dict(counts.by_status)}. First failures:\n\n"
            + "\n\n".join(counts.failures))


def test_every_answer_is_200_well_formed_and_valid(demo_client, validate):
    counts = fuzz_run.run(fuzz_run.flask_sender(demo_client), validate, REQUESTS, SEED)
    assert counts.bad == 0, _report(counts)
    assert counts.total == REQUESTS and counts.by_status == {200: REQUESTS}
    # the run reached every kind of request and every verb, with and without tokens
    assert set(counts.by_kind) >= {"valid", "hostile", "repeated", "unknown", "token", "date",
                                   "long", "mixed", "body"}
    assert set(counts.by_verb) >= set(fuzzing.VERBS) | {"bad", "none"}


def test_the_fuzzer_learns_the_catalogue_and_its_tokens(demo_client):
    cat = fuzz_run.learn(fuzz_run.flask_sender(demo_client))
    assert cat.prefixes == ["oai_dc", "marc21", "mods"] and len(cat.identifiers) == 6
    assert "human-rights:trafficking" in cat.sets
    assert all(cat.tokens[verb] for verb in fuzzing.LISTS)  # page size 2: every list has more


def test_the_generator_is_seeded():
    cat = fuzzing.Catalogue(identifiers=["oai:x:1"], prefixes=["oai_dc"], sets=["a"])
    def first_200(seed: int) -> list[str]:
        return [r.describe() for r in islice(fuzzing.Fuzzer(seed, cat), 200)]
    first, again, other = first_200(7), first_200(7), first_200(8)
    assert first == again and first != other


def test_check_catches_what_it_must(validate):
    ok = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    assert fuzz_run.check(503, {}, b"", validate)[0] == "status 503"
    assert fuzz_run.check(200, {}, ok + b"<OAI-PMH", validate)[0] == "not well-formed"
    assert fuzz_run.check(200, {}, ok + b"<x/>", validate)[0] == "schema-invalid"


@pytest.mark.parametrize("query", [
    "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2030-01-01",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2100-01-01",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&until=9999-12-31T23:59:59Z",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2039-01-01",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01&until=9999-12-31",
])
def test_dates_past_2038_after_earlier_ones(demo_client, validate, query):
    # Found by the fuzzer: list SQL is compiled once per shape, and on PostgreSQL its bounds
    # took INTEGER from the first values seen, so a later until or from past 2038 was a 500.
    resp = demo_client.get("/oai?" + query)
    assert resp.status_code == 200
    validate(resp.get_data())
