"""Resumption tokens: round trip, tampering, wrong verb, junk, malformed signed payloads."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from itsdangerous import URLSafeSerializer

from oai import tokens
from oai.arguments import Verb
from oai.errors import BadResumptionToken
from oai.tokens import ListState, SetsState

SECRET = "test-secret"
T0 = datetime(2024, 1, 1, 6, tzinfo=timezone.utc)
UNTIL = datetime(2026, 5, 1, 12, 30, 59, tzinfo=timezone.utc)


def list_state(verb: Verb = Verb.LIST_RECORDS, **kw) -> ListState:
    values = dict(verb=verb, metadata_prefix="oai_dc", from_=T0, until=UNTIL,
                  set_spec="human-rights:trafficking",
                  last=(T0, "oai:granary.example.org:rec-0001"), cursor=100,
                  complete_list_size=1234)
    values.update(kw)
    return ListState(**values)


@pytest.mark.parametrize("state", [
    list_state(),
    list_state(Verb.LIST_IDENTIFIERS, from_=None, set_spec=None),
    list_state(last=(UNTIL, "oai:x:été/ñ?&=+ %"), cursor=1, complete_list_size=1),
    SetsState("human-rights:trafficking", 50, 51),
])
def test_round_trip(state):
    raw = tokens.encode(state, SECRET)
    assert tokens.decode(raw, state.verb, SECRET) == state
    # URL-safe alphabet: harvesters that forget to percent-encode still send it intact
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", raw)
    assert tokens.encode(state, SECRET) == raw  # re-issuing is deterministic


def test_tokens_are_compact():
    assert len(tokens.encode(list_state(), SECRET)) < 200
    assert len(tokens.encode(SetsState("a", 1, 2), SECRET)) < 80


def test_wrong_verb_is_rejected():
    raw = tokens.encode(list_state(Verb.LIST_IDENTIFIERS), SECRET)
    assert tokens.decode(raw, Verb.LIST_IDENTIFIERS, SECRET).verb is Verb.LIST_IDENTIFIERS
    for verb in (Verb.LIST_RECORDS, Verb.LIST_SETS):
        with pytest.raises(BadResumptionToken):
            tokens.decode(raw, verb, SECRET)
    sets = tokens.encode(SetsState("a", 1, 2), SECRET)
    with pytest.raises(BadResumptionToken):
        tokens.decode(sets, Verb.LIST_RECORDS, SECRET)


def test_tampering_is_rejected():
    raw = tokens.encode(list_state(), SECRET)
    for i in range(0, len(raw), 3):
        swapped = "A" if raw[i] != "A" else "B"
        forged = raw[:i] + swapped + raw[i + 1:]
        with pytest.raises(BadResumptionToken):
            tokens.decode(forged, Verb.LIST_RECORDS, SECRET)
    with pytest.raises(BadResumptionToken):
        tokens.decode(raw[:-1], Verb.LIST_RECORDS, SECRET)
    with pytest.raises(BadResumptionToken):
        tokens.decode(raw + "x", Verb.LIST_RECORDS, SECRET)


def test_another_secret_is_rejected():
    raw = tokens.encode(list_state(), SECRET)
    with pytest.raises(BadResumptionToken):
        tokens.decode(raw, Verb.LIST_RECORDS, "another repository")


@pytest.mark.parametrize("junk", [
    "", "junk", ".", "..", "a.b", "a" * 9000, "%00", "eyJhIjoxfQ.c2ln", "🙂",
    "<!DOCTYPE x>", "1|2|3",
])
def test_junk_is_rejected(junk):
    for verb in (Verb.LIST_RECORDS, Verb.LIST_IDENTIFIERS, Verb.LIST_SETS):
        with pytest.raises(BadResumptionToken):
            tokens.decode(junk, verb, SECRET)


def _signed(payload, verb: Verb) -> str:
    """A payload signed with the right secret and salt, but of the wrong shape."""
    return URLSafeSerializer(SECRET, salt=f"granary.resumptionToken.{verb.value}").dumps(payload)


@pytest.mark.parametrize("payload", [
    None, 1, "x", {}, [], [1], [2, "oai_dc", None, 1, None, 1, "id", 1, 1],   # other version
    [1, "oai_dc", None, 1, None, 1, "id", 1],                                 # too short
    [1, "", None, 1, None, 1, "id", 1, 1],                                    # empty prefix
    [1, "oai_dc", "x", 1, None, 1, "id", 1, 1],                               # from not int
    [1, "oai_dc", None, -1, None, 1, "id", 1, 1],                             # negative time
    [1, "oai_dc", None, 10**15, None, 1, "id", 1, 1],                         # year > 9999
    [1, "oai_dc", None, 1, 5, 1, "id", 1, 1],                                 # set not str
    [1, "oai_dc", None, 1, None, 1, None, 1, 1],                              # no identifier
    [1, "oai_dc", None, 1, None, 1, "id", 0, 1],                              # cursor 0
    [1, "oai_dc", None, 1, None, 1, "id", 1, 0],                              # size 0
    [1, "oai_dc", None, 1, None, 1, "id", True, 1],                           # bool
    [1, "oai_dc", None, 1.5, None, 1, "id", 1, 1],                            # float
])
def test_malformed_list_payloads(payload):
    with pytest.raises(BadResumptionToken):
        tokens.decode(_signed(payload, Verb.LIST_RECORDS), Verb.LIST_RECORDS, SECRET)


@pytest.mark.parametrize("payload", [
    [1, "a", 1], [1, "", 1, 1], [1, None, 1, 1], [1, "a", -1, 1], [1, "a", 1, "2"], {"a": 1},
])
def test_malformed_sets_payloads(payload):
    with pytest.raises(BadResumptionToken):
        tokens.decode(_signed(payload, Verb.LIST_SETS), Verb.LIST_SETS, SECRET)


def test_verbs_without_tokens_are_a_programming_error():
    with pytest.raises(ValueError):
        tokens.decode("x", Verb.IDENTIFY, SECRET)
