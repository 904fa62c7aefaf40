"""Request arguments: the verb table of §4 and ``parse(pairs)`` -> a typed ``OAIRequest``.

Everything a request can get wrong by itself (without looking at the catalogue) is decided here,
and every such error is reported at once (§3.6). Errors raised here are badVerb/badArgument,
whose responses carry a <request> element without attributes (§3.2); once a request has parsed,
later errors (cannotDisseminateFormat, idDoesNotExist, ...) echo ``OAIRequest.echo``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from oai.datestamps import Granularity, RequestDate, check_range, parse_request_date
from oai.errors import BadArgument, BadVerb, OAIError, raise_all
from store.syntax import has_illegal_xml_chars, is_identifier, is_metadata_prefix, is_setspec


class Verb(str, enum.Enum):
    GET_RECORD = "GetRecord"
    IDENTIFY = "Identify"
    LIST_IDENTIFIERS = "ListIdentifiers"
    LIST_METADATA_FORMATS = "ListMetadataFormats"
    LIST_RECORDS = "ListRecords"
    LIST_SETS = "ListSets"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class VerbArgs:
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    exclusive: str | None = None  # may appear only together with verb (§4)


_LIST = VerbArgs(frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}),
                 "resumptionToken")
# §4.1-§4.6, per verb.
VERBS: dict[Verb, VerbArgs] = {
    Verb.GET_RECORD: VerbArgs(frozenset({"identifier", "metadataPrefix"})),
    Verb.IDENTIFY: VerbArgs(),
    Verb.LIST_IDENTIFIERS: _LIST,
    Verb.LIST_METADATA_FORMATS: VerbArgs(optional=frozenset({"identifier"})),
    Verb.LIST_RECORDS: _LIST,
    Verb.LIST_SETS: VerbArgs(exclusive="resumptionToken"),
}
_BY_NAME = {v.value: v for v in Verb}


@dataclass(frozen=True)
class OAIRequest:
    """A request that passed every syntactic check.

    ``from_``/``until`` are inclusive bounds, ``until`` already widened to the end of the day
    for day granularity. ``pairs`` are the request's arguments, in order.
    """

    verb: Verb
    pairs: tuple[tuple[str, str], ...]
    identifier: str | None = None
    metadata_prefix: str | None = None
    from_: datetime | None = None
    until: datetime | None = None
    set_spec: str | None = None
    resumption_token: str | None = None

    @property
    def echo(self) -> dict[str, str]:
        """The <request> attributes: exactly the request's arguments (§3.2)."""
        return dict(self.pairs)


def parse(pairs: Iterable[tuple[str, str]],
          granularity: Granularity = Granularity.SECONDS) -> OAIRequest:
    """Check a request's (key, value) pairs (query string or form body, order kept) against
    §4 and return the typed request. Raises BadVerb, BadArgument, or an OAIErrorGroup of
    several badArguments."""
    pairs = tuple(pairs)
    verb = _verb(pairs)
    spec = VERBS[verb]
    args = [(k, v) for k, v in pairs if k != "verb"]
    errors: list[OAIError] = []
    seen: dict[str, str] = {}
    repeated: set[str] = set()
    for key, value in args:
        if key in seen:
            repeated.add(key)
        seen.setdefault(key, value)
    allowed = spec.required | spec.optional | ({spec.exclusive} if spec.exclusive else set())
    for key in seen:
        if key not in allowed:
            errors.append(BadArgument(_unknown_message(verb, key)))
    for key in sorted(repeated & allowed):
        errors.append(BadArgument(f"the argument '{key}' is repeated"))
    if spec.exclusive and spec.exclusive in seen:
        others = sorted(k for k in seen if k != spec.exclusive and k in allowed)
        if others:
            # §4: resumptionToken is an exclusive argument (conformance E8/E11: badArgument).
            errors.append(BadArgument(
                f"'{spec.exclusive}' is exclusive: it cannot be combined with "
                + ", ".join(f"'{k}'" for k in others)))
    else:
        for key in sorted(spec.required - seen.keys()):
            errors.append(BadArgument(f"the required argument '{key}' is missing"))
    values = {k: v for k, v in seen.items() if k in allowed and k not in repeated}
    dates: dict[str, RequestDate] = {}
    for key, value in values.items():
        problem = _syntax_problem(key, value)
        if problem:
            errors.append(BadArgument(problem))
        elif key in ("from", "until"):
            dates[key] = parse_request_date(value)
    errors.extend(check_range(dates.get("from"), dates.get("until"), granularity))
    raise_all(errors)
    return OAIRequest(
        verb=verb, pairs=pairs,
        identifier=values.get("identifier"),
        metadata_prefix=values.get("metadataPrefix"),
        from_=dates["from"].moment if "from" in dates else None,
        until=dates["until"].as_until() if "until" in dates else None,
        set_spec=values.get("set"),
        resumption_token=values.get("resumptionToken"),
    )


def _verb(pairs: tuple[tuple[str, str], ...]) -> Verb:
    # §3.6: badVerb when the verb is missing, repeated or not one of the six.
    verbs = [v for k, v in pairs if k == "verb"]
    if not verbs:
        raise BadVerb("the verb argument is missing")
    if len(verbs) > 1:
        raise BadVerb("the verb argument is repeated")
    verb = _BY_NAME.get(verbs[0])
    if verb is None:
        # The value is not repeated back: it may be anything, and the message is shown to people.
        raise BadVerb("the verb is not one of the six OAI-PMH verbs (Identify, ListMetadataFormats,"
                      " ListSets, GetRecord, ListIdentifiers, ListRecords)")
    return verb


def _unknown_message(verb: Verb, key: str) -> str:
    if verb is Verb.IDENTIFY:
        return "Identify takes no arguments"
    shown = key if is_metadata_prefix(key) and len(key) <= 40 else "(unprintable)"
    return f"'{shown}' is not an argument of {verb.value}"


def _syntax_problem(key: str, value: str) -> str | None:
    """Why *value* is not legal for argument *key*, or None."""
    if has_illegal_xml_chars(value):
        return f"the value of '{key}' contains characters that XML does not allow"
    if key == "metadataPrefix" and not is_metadata_prefix(value):
        return "'metadataPrefix' has an illegal syntax"
    if key == "set" and not is_setspec(value):
        return "'set' is not a legal setSpec"
    if key == "identifier" and not is_identifier(value):
        return "'identifier' is not a URI (OAI-PMH §2.4)"
    if key in ("from", "until"):
        try:
            parse_request_date(value)
        except ValueError:
            return f"'{key}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (OAI-PMH §3.3.1)"
    return None
