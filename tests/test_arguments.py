"""Argument checking (§3.6, §4): a table of requests and the errors they must give, and what
a valid request turns into."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl

import pytest

from oai.arguments import VERBS, OAIRequest, Verb, parse
from oai.datestamps import Granularity
from oai.errors import OAIError

ID = "oai:granary.example.org:rec-0001"


def pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def codes(query: str, granularity: Granularity = Granularity.SECONDS) -> list[str]:
    with pytest.raises(OAIError) as got:
        parse(pairs(query), granularity)
    return [e.code for e in got.value.errors]


BAD = [
    # badVerb: missing, unknown, repeated (§3.6)
    ("", ["badVerb"]),
    ("junk", ["badVerb"]),
    ("verb=", ["badVerb"]),
    ("verb=junk", ["badVerb"]),
    ("verb=identify", ["badVerb"]),
    ("Verb=Identify", ["badVerb"]),
    ("verb=Identify&verb=Identify", ["badVerb"]),
    ("verb=Identify&verb=ListSets", ["badVerb"]),
    ("verb=%00", ["badVerb"]),
    # Identify takes nothing
    ("verb=Identify&test=test", ["badArgument"]),
    ("verb=Identify&metadataPrefix=oai_dc", ["badArgument"]),
    # missing required arguments
    ("verb=GetRecord&metadataPrefix=oai_dc", ["badArgument"]),
    (f"verb=GetRecord&identifier={ID}", ["badArgument"]),
    ("verb=GetRecord", ["badArgument", "badArgument"]),
    ("verb=ListRecords", ["badArgument"]),
    ("verb=ListIdentifiers&from=2000-01-01", ["badArgument"]),
    # unknown and repeated arguments
    ("verb=ListSets&set=x", ["badArgument"]),
    ("verb=ListMetadataFormats&metadataPrefix=oai_dc", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2000-01-01&from=2000-01-01", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&identifier=x", ["badArgument"]),
    # resumptionToken is exclusive (§4; E8, E11 prefer badArgument)
    ("verb=ListIdentifiers&resumptionToken=junk&until=2000-02-05", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=junk&until=1990-01-10",
     ["badArgument"]),
    ("verb=ListSets&resumptionToken=a&resumptionToken=b", ["badArgument"]),
    ("verb=GetRecord&identifier=x:y&metadataPrefix=oai_dc&resumptionToken=t", ["badArgument"]),
    # illegal syntax
    ("verb=ListIdentifiers&until=junk", ["badArgument", "badArgument"]),  # + missing prefix
    ("verb=ListRecords&metadataPrefix=oai_dc&from=junk", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&until=2002-02-30", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2005-01-01T00:00:00.5Z", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai%20dc", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=a%20b", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=a::b", ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=a:", ["badArgument"]),
    ('verb=GetRecord&identifier=invalid"id&metadataPrefix=oai_dc', ["badArgument"]),
    ("verb=GetRecord&identifier=&metadataPrefix=oai_dc", ["badArgument"]),
    ("verb=GetRecord&identifier=oai:x:%25zz&metadataPrefix=oai_dc", ["badArgument"]),
    ("verb=GetRecord&identifier=oai:x:1%0D%0AX:1&metadataPrefix=oai_dc", ["badArgument"]),
    ("verb=ListMetadataFormats&identifier=%3C!DOCTYPE%20x%5B%5D%3E", ["badArgument"]),
    ("verb=ListSets&resumptionToken=a%0Bb", ["badArgument"]),
    ("verb=ListRecords&resumptionToken=%00", ["badArgument"]),
    # dates: granularity and order
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2002-02-05&until=2002-02-06T05:35:00Z",
     ["badArgument"]),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2005-01-02&until=2005-01-01",
     ["badArgument"]),
    # every error is reported (§3.6): D7
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=a%20b&from=junk&until=junk",
     ["badArgument"] * 3),
    ("verb=ListRecords&foo=1&bar=2", ["badArgument"] * 3),
]


@pytest.mark.parametrize("query,expected", BAD)
def test_bad_requests(query, expected):
    assert codes(query) == expected


def test_finer_than_repository_granularity():
    q = "verb=ListRecords&metadataPrefix=oai_dc&from=2005-01-01T00:00:00Z"
    assert codes(q, Granularity.DAY) == ["badArgument"]
    assert parse(pairs(q), Granularity.SECONDS).from_ == datetime(2005, 1, 1, tzinfo=timezone.utc)


def test_messages_do_not_repeat_unreadable_keys():
    with pytest.raises(OAIError) as got:
        parse([("verb", "ListSets"), ("<script>", "x")])
    assert "<script>" not in got.value.message


def test_list_records_request():
    q = ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-31"
         "&set=human-rights:trafficking")
    req = parse(pairs(q))
    assert req.verb is Verb.LIST_RECORDS and req.metadata_prefix == "oai_dc"
    assert req.from_ == datetime(2024, 1, 1, tzinfo=timezone.utc)
    # a day-granularity until covers that whole day
    assert req.until == datetime(2024, 1, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert req.set_spec == "human-rights:trafficking" and req.resumption_token is None
    assert req.echo == {"verb": "ListRecords", "metadataPrefix": "oai_dc",
                        "from": "2024-01-01", "until": "2024-01-31",
                        "set": "human-rights:trafficking"}
    assert list(req.echo) == ["verb", "metadataPrefix", "from", "until", "set"]  # order kept


def test_seconds_until_is_kept():
    req = parse(pairs("verb=ListIdentifiers&metadataPrefix=oai_dc&until=2024-01-31T10:00:00Z"))
    assert req.until == datetime(2024, 1, 31, 10, tzinfo=timezone.utc) and req.from_ is None


@pytest.mark.parametrize("query,field,value", [
    ("verb=Identify", "verb", Verb.IDENTIFY),
    ("verb=ListSets", "resumption_token", None),
    ("verb=ListSets&resumptionToken=abc.def", "resumption_token", "abc.def"),
    ("verb=ListRecords&resumptionToken=", "resumption_token", ""),  # decoded -> badResumptionToken
    ("verb=ListMetadataFormats", "identifier", None),
    (f"verb=ListMetadataFormats&identifier={ID}", "identifier", ID),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:1", "identifier", "oai:x:1"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=https://e.org/a%2520b?x=1%23f",
     "identifier", "https://e.org/a%20b?x=1#f"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:%C3%A9t%C3%A9", "identifier",
     "oai:x:été"),
    ("verb=GetRecord&identifier=oai:x:1&metadataPrefix=marc21", "metadata_prefix", "marc21"),
])
def test_valid_requests(query, field, value):
    req = parse(pairs(query))
    assert isinstance(req, OAIRequest) and getattr(req, field) == value
    assert req.echo == dict(pairs(query))


def test_verb_table_matches_section_4():
    assert set(VERBS) == set(Verb)
    assert VERBS[Verb.IDENTIFY].required == VERBS[Verb.IDENTIFY].optional == frozenset()
    assert VERBS[Verb.GET_RECORD].required == {"identifier", "metadataPrefix"}
    for verb in (Verb.LIST_RECORDS, Verb.LIST_IDENTIFIERS):
        assert VERBS[verb].required == {"metadataPrefix"}
        assert VERBS[verb].optional == {"from", "until", "set"}
        assert VERBS[verb].exclusive == "resumptionToken"
    assert VERBS[Verb.LIST_SETS].exclusive == "resumptionToken"
    assert VERBS[Verb.LIST_METADATA_FORMATS].optional == {"identifier"}
