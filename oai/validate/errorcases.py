"""Bad requests on purpose (checks E1 to E27, D4 and D7, I1 and I2): each must come back as the
right OAI-PMH error (§3.6), with HTTP 200, well-formed, and - for badVerb and badArgument -
with a bare <request> (§3.2).

The expected codes are the error classes of ``oai.errors`` (their ``code``), never retyped.
A request that needs something the endpoint did not give (an identifier, a token, a set) is
skipped, saying so.
"""
from __future__ import annotations

from dataclasses import dataclass

from oai.datestamps import Granularity
from oai.errors import (
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoSetHierarchy,
)
from oai.validate.probe import Probe, Query

BAD_ARG, BAD_TOKEN, BAD_VERB = BadArgument.code, BadResumptionToken.code, BadVerb.code
NO_FORMAT, NO_ID, NO_MATCH = CannotDisseminateFormat.code, IdDoesNotExist.code, NoRecordsMatch.code
NO_SETS = NoSetHierarchy.code
UNKNOWN_ID = "oai:validator.invalid:no-such-record-4711"
UNKNOWN_PREFIX = "no_such_format_4711"
# E27: the requests whose answer is badVerb or badArgument and so echoes no attributes.
_BARE = {"E1", "E2", "E3", "E4", "E6", "E7", "E8", "E9", "E12", "E13", "E17", "E18"}


@dataclass
class Known:
    """What earlier checks found, for the placeholders of the bad requests."""

    prefix: str
    identifier: str | None = None
    token: str | None = None             # a ListIdentifiers token the endpoint issued
    set_spec: str | None = None
    has_sets: bool = True
    granularity: Granularity = Granularity.DAY
    earliest_text: str = ""
    earliest_year: int | None = None


def _cases(k: Known) -> list[tuple[str, Query, frozenset[str], str | None]]:
    """(check id, query, accepted codes, what is missing to send it)."""
    p, ident = k.prefix, k.identifier or ""
    no_id = None if k.identifier else "no identifier was found"
    no_tok = None if k.token else "no resumptionToken was issued"
    before = None
    if k.earliest_year and k.earliest_year > 1:
        # OAI-VAL: until one year before earliestDatestamp; the same form as Identify's.
        before = f"{k.earliest_year - 1:04d}" + k.earliest_text[4:]
    one = frozenset
    return [
        ("E1", "junk", one({BAD_VERB}), None),
        ("E2", "verb=junk", one({BAD_VERB}), None),
        ("E3", [("verb", "GetRecord"), ("metadataPrefix", p)], one({BAD_ARG}), None),
        ("E4", [("verb", "GetRecord"), ("identifier", ident)], one({BAD_ARG}), no_id),
        ("E5", [("verb", "GetRecord"), ("identifier", 'invalid"id'), ("metadataPrefix", p)],
         one({BAD_ARG, NO_ID}), None),
        ("E6", "verb=ListIdentifiers&until=junk", one({BAD_ARG}), None),
        ("E7", "verb=ListIdentifiers&from=junk", one({BAD_ARG}), None),
        ("E8", "verb=ListIdentifiers&resumptionToken=junk&until=2000-02-05",
         one({BAD_ARG, BAD_TOKEN}), None),
        ("E9", [("verb", "ListRecords"), ("metadataPrefix", p), ("from", "junk")],
         one({BAD_ARG}), None),
        ("E10", "verb=ListRecords&resumptionToken=junk", one({BAD_TOKEN}), None),
        ("E11", [("verb", "ListRecords"), ("metadataPrefix", p), ("resumptionToken", "junk"),
                 ("until", "1990-01-10")], one({BAD_ARG, BAD_TOKEN}), None),
        ("E12", [("verb", "ListRecords"), ("metadataPrefix", p), ("until", "junk")],
         one({BAD_ARG}), None),
        ("E13", "verb=ListRecords", one({BAD_ARG}), None),
        ("E14", [("verb", "ListRecords"), ("metadataPrefix", p), ("from", "2002-02-05"),
                 ("until", "2002-02-06T05:35:00Z")], one({BAD_ARG}), None),
        ("E15", [("verb", "ListRecords"), ("metadataPrefix", p), ("until", before or "")],
         one({NO_MATCH}), None if before else "no usable earliestDatestamp"),
        ("E16", [("verb", "GetRecord"), ("identifier", ident),
                 ("metadataPrefix", UNKNOWN_PREFIX)], one({NO_FORMAT}), no_id),
        ("E17", "verb=Identify&verb=Identify", one({BAD_VERB}), None),
        ("E18", [("verb", "ListRecords"), ("metadataPrefix", p), ("metadataPrefix", p)],
         one({BAD_ARG}), None),
        ("E19", [("verb", "ListRecords"), ("metadataPrefix", p), ("from", "2005-01-02"),
                 ("until", "2005-01-01")], one({BAD_ARG}), None),
        ("E20", [("verb", "ListRecords"), ("metadataPrefix", p),
                 ("from", "2005-01-01T00:00:00Z")], one({BAD_ARG}),
         None if k.granularity is Granularity.DAY else "the repository has seconds granularity"),
        ("E21", [("verb", "ListRecords"), ("metadataPrefix", UNKNOWN_PREFIX)],
         one({NO_FORMAT}), None),
        ("E22", "verb=ListSets&resumptionToken=junk", one({BAD_TOKEN}),
         None if k.has_sets else "the repository has no sets"),
        ("E23", [("verb", "ListRecords"), ("metadataPrefix", p), ("set", "x")],
         one({NO_SETS}), None if not k.has_sets else "the repository has sets"),
        ("E24", [("verb", "ListMetadataFormats"), ("identifier", UNKNOWN_ID)], one({NO_ID}),
         None),
        ("E25", [("verb", "GetRecord"), ("identifier", UNKNOWN_ID), ("metadataPrefix", p)],
         one({NO_ID}), None),
        ("D4", [("verb", "ListIdentifiers"), ("resumptionToken", k.token or ""),
                ("metadataPrefix", p)], one({BAD_ARG}), no_tok),
        ("D7", [("verb", "ListIdentifiers"), ("metadataPrefix", p), ("set", "<illegal set>"),
                ("from", "illegal"), ("until", "illegal")], one({BAD_ARG}), None),
    ]


def check_errors(probe: Probe, known: Known) -> None:
    v = probe.verdicts
    v.skip("E26", "no item without formats can be found from outside")
    for check_id, query, accepted, missing in _cases(known):
        if missing:
            v.skip(check_id, missing)
            continue
        ex = probe.get(query)
        codes = set(ex.errors)
        # D7: noRecordsMatch may come along with the badArgument (RE 11).
        also = {NO_MATCH} if check_id == "D7" else set()
        v.ok(check_id, bool(codes & accepted) and codes <= accepted | also, ex.request,
             ex.describe() + f" (expected {' or '.join(sorted(accepted))})")
        if check_id in _BARE and codes & {BAD_VERB, BAD_ARG} and ex.root is not None:
            request = ex.root.find("{http://www.openarchives.org/OAI/2.0/}request")
            attrs = dict(request.attrib) if request is not None else {}
            v.ok("E27", not attrs, ex.request, f"<request> attributes {attrs}")


# I1: a few payloads of each kind the OAI-PMH fuzzer sends, in the arguments it targets.
_PAYLOADS = ['<script>alert(1)</script>', "' OR '1'='1' --", "; cat /etc/passwd",
             '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>']
_FINE = frozenset({BAD_ARG, NO_ID, BAD_TOKEN, BAD_VERB, NO_MATCH, NO_SETS})


def check_hostile(probe: Probe, prefix: str) -> None:
    v = probe.verdicts
    targets = [lambda x: [("verb", "GetRecord"), ("identifier", x), ("metadataPrefix", prefix)],
               lambda x: [("verb", "ListIdentifiers"), ("metadataPrefix", prefix), ("from", x)],
               lambda x: [("verb", "ListRecords"), ("metadataPrefix", prefix), ("set", x)],
               lambda x: [("verb", "ListSets"), ("resumptionToken", x)],
               lambda x: [("verb", x)]]
    # Each payload in one or two places, the DTD (the dangerous one) in every place: nine
    # requests rather than the fuzzer's thousands.
    tried = [(targets[i % len(targets)], p) for i, p in enumerate(_PAYLOADS[:-1] * 2)][:4]
    tried += [(target, _PAYLOADS[-1]) for target in targets]
    for target, payload in tried:
        ex = probe.get(target(payload))
        codes = set(ex.errors)
        v.ok("I1", ex.status == 200 and ex.root is not None and bool(codes)
             and codes <= _FINE, ex.request, ex.describe())
        v.ok("I2", b"root:x:0:0" not in ex.body, ex.request,
             "the answer holds the text of /etc/passwd")
