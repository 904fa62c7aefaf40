"""Stateless resumption tokens (§3.5): the state of a list, signed with the repository secret.

A token carries everything the next page needs - the original selection, the ``until`` fixed
when the first page was served, the last (datestamp, identifier) or setSpec served, the cursor
and completeListSize - so the server keeps no state and a token never expires (G§5.4: no
expirationDate). Pages are keyset pages, so re-sending a token returns the same page as long
as nothing changed, and the records in range that did not change are never skipped (§3.5.1).

The salt is the verb, so a ListIdentifiers token is rejected by ListRecords and ListSets. The
text is itsdangerous' URL-safe serialization (base64url, '.', '-', '_'): harvesters that forget
to URL-encode tokens still work.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from oai.arguments import Verb
from oai.errors import BadResumptionToken

_FORMAT = 1          # payload layout version: a new layout makes old tokens badResumptionToken
_MAX_LENGTH = 8192   # longer input is rejected before any decoding work
_MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z
_LIST_VERBS = (Verb.LIST_RECORDS, Verb.LIST_IDENTIFIERS)


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a ListRecords/ListIdentifiers list stands after a page."""

    verb: Verb
    metadata_prefix: str
    from_: datetime | None
    until: datetime                 # fixed at the first page (G§5.1)
    set_spec: str | None
    last: tuple[datetime, str]      # the (datestamp, identifier) of the last record served
    cursor: int                     # records served before the next page
    complete_list_size: int


@dataclass(frozen=True, slots=True)
class SetsState:
    """Where a ListSets list stands after a page."""

    last_spec: str
    cursor: int
    complete_list_size: int

    verb = Verb.LIST_SETS


def _serializer(secret: str | bytes, verb: Verb) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=f"granary.resumptionToken.{verb.value}")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def encode(state: ListState | SetsState, secret: str | bytes) -> str:
    """The token text for *state*."""
    payload: list[Any]
    if isinstance(state, SetsState):
        payload = [_FORMAT, state.last_spec, state.cursor, state.complete_list_size]
    else:
        payload = [_FORMAT, state.metadata_prefix,
                   None if state.from_ is None else _epoch(state.from_), _epoch(state.until),
                   state.set_spec, _epoch(state.last[0]), state.last[1],
                   state.cursor, state.complete_list_size]
    return _serializer(secret, state.verb).dumps(payload)


def decode(raw: str, verb: Verb, secret: str | bytes) -> ListState | SetsState:
    """The state in token *raw*, which must have been issued for *verb*.

    BadResumptionToken for anything else: a bad signature (tampered, another verb, another
    repository's secret), junk, or a payload of the wrong shape.
    """
    if verb not in _LIST_VERBS and verb is not Verb.LIST_SETS:
        raise ValueError(f"{verb} takes no resumptionToken")
    if not raw or len(raw) > _MAX_LENGTH:
        raise _bad(verb)
    try:
        payload = _serializer(secret, verb).loads(raw)
    except (BadData, ValueError, TypeError):
        # BadData covers bad signatures and undecodable payloads; the others are defensive.
        raise _bad(verb) from None
    try:
        return _sets_state(payload) if verb is Verb.LIST_SETS else _list_state(verb, payload)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _bad(verb) from None


def _bad(verb: Verb) -> BadResumptionToken:
    return BadResumptionToken(f"the resumptionToken was not issued by this repository for {verb}")


def _int(value: Any, low: int, high: int = _MAX_EPOCH) -> int:
    # bool is an int in Python; a signed payload never holds one, so refuse it.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError("out of range")
    return value


def _str(value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError("not a string")
    return value


def _moment(value: Any) -> datetime:
    return datetime.fromtimestamp(_int(value, 0), timezone.utc)


def _list_state(verb: Verb, payload: Any) -> ListState:
    if not isinstance(payload, list) or len(payload) != 9 or payload[0] != _FORMAT:
        raise ValueError("wrong layout")
    _, prefix, from_, until, set_spec, last_ds, last_id, cursor, size = payload
    return ListState(
        verb=verb, metadata_prefix=_str(prefix),  # type: ignore[arg-type]
        from_=None if from_ is None else _moment(from_), until=_moment(until),
        set_spec=_str(set_spec, optional=True),
        last=(_moment(last_ds), _str(last_id)),  # type: ignore[arg-type]
        cursor=_int(cursor, 1, 2**62), complete_list_size=_int(size, 1, 2**62),
    )


def _sets_state(payload: Any) -> SetsState:
    if not isinstance(payload, list) or len(payload) != 4 or payload[0] != _FORMAT:
        raise ValueError("wrong layout")
    _, last_spec, cursor, size = payload
    return SetsState(last_spec=_str(last_spec),  # type: ignore[arg-type]
                     cursor=_int(cursor, 1, 2**62), complete_list_size=_int(size, 1, 2**62))
