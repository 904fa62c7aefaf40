"""The six verb handlers (§4): an ``OAIRequest`` and a ``Context`` in, a reply dataclass out.

``Service`` is everything the handlers may use (identity, store, formats, token secret, clock),
made once per process by the app factory; ``Service.at(now, base_url)`` is the ``Context`` of
one request: the same service with the request's start time and the identity's base URL filled
in. Nothing else reaches a handler (no configuration, no web framework).

Handlers raise every OAI error before anything is written and fetch each page fully (at most
page_size rows), so the response can be streamed after the database work is over. Dispatch is an
explicit table; nothing is looked up by the name the harvester sent.

Decisions the spec leaves open:

* A ``set`` that does not exist (in a repository that has sets) gives noRecordsMatch, with a
  message saying the set does not exist: the selection is empty, which is what noRecordsMatch
  means, and harvesters treat it as "nothing to do" rather than as their own mistake.
* A continuation page whose remaining records all changed since the previous page (they moved
  past the ``until`` fixed in the token) would be an empty list, which the schema forbids; it
  gives noRecordsMatch. Our harvester treats that as the end of the list, and the moved records
  are picked up by the next incremental harvest (their new datestamps follow that ``until``).
  For ListSets, whose error list has no noRecordsMatch, the same case is badResumptionToken.
* ``until`` before the earliest datestamp selects nothing: noRecordsMatch (conformance E15).
* When the request has no ``until`` the list is cut at the request's start time, carried in the
  token (G§5.1), so later pages do not pick up records written during the harvest; a harvest
  that takes this response's responseDate as its next ``from`` gets them.
* completeListSize is counted on the first page and carried; on the last page it is the exact
  number served, and an intermediate page raises it when more was served than announced (§3.5
  allows an estimate that is revised).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Callable, Sequence, TypeVar

from oai import tokens
from oai.arguments import OAIRequest, Verb
from oai.datestamps import EPOCH, utc_now
from oai.errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
    raise_all,
)
from oai.identity import RepositoryIdentity
from oai.replies import (
    GetRecordReply,
    IdentifyReply,
    ListIdentifiersReply,
    ListMetadataFormatsReply,
    ListRecordsReply,
    ListSetsReply,
    Reply,
    TokenInfo,
)
from oai.repository import RecordSource
from schemas.base import FormatRegistry
from store.record_types import ListQuery, RecordRow, SetInfo

T = TypeVar("T")


@dataclass(frozen=True)
class Service:
    """The repository as the handlers see it, made once per process."""

    identity: RepositoryIdentity    # base_url None: the URL each request came to
    store: RecordSource
    formats: FormatRegistry
    secret: str | bytes             # signs resumption tokens
    clock: Callable[[], datetime] = utc_now

    def at(self, now: datetime, base_url: str) -> Context:
        """The context of a request that started at *now* and came to *base_url* (a configured
        base URL wins: it is what Identify announces)."""
        shared = {f.name: getattr(self, f.name) for f in fields(Service)}
        return Context(**shared | {"identity": self.identity.at(base_url)}, now=now)


@dataclass(frozen=True)
class Context(Service):
    """One request's view of the service: what a handler may use, and nothing else."""

    # G§3: the start of the request, which is also the responseDate (and the until a list
    # without one is cut at).
    now: datetime = field(kw_only=True)


def dispatch(req: OAIRequest, ctx: Context) -> Reply:
    return HANDLERS[req.verb](req, ctx)


def _shown(value: str) -> str:
    """A value quoted in an error message, cut short (messages are for people)."""
    return value if len(value) <= 80 else value[:77] + "..."


def identify(req: OAIRequest, ctx: Context) -> IdentifyReply:
    # §4.2: earliestDatestamp is a guaranteed lower bound; an empty catalogue has no minimum.
    return IdentifyReply(ctx.identity, ctx.store.earliest_datestamp() or EPOCH)


def get_record(req: OAIRequest, ctx: Context) -> GetRecordReply:
    identifier, prefix = req.identifier, req.metadata_prefix
    assert identifier is not None and prefix is not None  # arguments.parse guarantees both
    errors: list[OAIError] = []
    found = ctx.store.find_record(identifier, prefix)
    if found is None:
        errors.append(IdDoesNotExist(f"no record has the identifier '{_shown(identifier)}'"))
    if prefix not in ctx.formats:
        errors.append(CannotDisseminateFormat(
            f"'{prefix}' is not a metadata format of this repository"))
    elif found is not None and prefix not in found.formats:
        errors.append(CannotDisseminateFormat(f"this record is not available as '{prefix}'"))
    raise_all(errors)  # §3.6: both errors when both apply
    assert found is not None and found.row is not None  # its formats hold prefix: it has a row
    row = found.row
    # A tombstone is served as a header with status="deleted" and nothing else (§2.5.1).
    return GetRecordReply(row)


def list_metadata_formats(req: OAIRequest, ctx: Context) -> ListMetadataFormatsReply:
    if req.identifier is None:
        return ListMetadataFormatsReply(tuple(ctx.formats))
    known = ctx.store.record_formats(req.identifier)
    if known is None:
        raise IdDoesNotExist(f"no record has the identifier '{_shown(req.identifier)}'")
    # Registry order; a stored format the registry does not describe cannot be listed (no
    # schema or namespace to give) and cannot be disseminated either.
    formats = tuple(f for f in ctx.formats if f.prefix in known)
    if not formats:
        raise NoMetadataFormats("this record is not available in any metadata format")
    return ListMetadataFormatsReply(formats)


def list_sets(req: OAIRequest, ctx: Context) -> ListSetsReply:
    after: str | None = None
    cursor, size = 0, 0
    if req.resumption_token is not None:
        state = tokens.decode(req.resumption_token, Verb.LIST_SETS, ctx.secret)
        assert isinstance(state, tokens.SetsState)
        after, cursor, size = state.last_spec, state.cursor, state.complete_list_size
    # §4.6: ListSets must list at least one set, so a repository without any says noSetHierarchy.
    if not ctx.store.has_sets():
        raise NoSetHierarchy("this repository has no sets")
    if req.resumption_token is None:
        size = ctx.store.count_sets()
    rows = ctx.store.list_sets(after=after, limit=ctx.identity.page_size + 1)
    if not rows:
        raise BadResumptionToken("no sets follow this resumptionToken any more")

    def next_token(last: SetInfo, served: int, total: int) -> str:
        return tokens.encode(tokens.SetsState(last.spec, served, total), ctx.secret)

    page, token = _paginate(rows, cursor, size, ctx.identity.page_size, next_token)
    return ListSetsReply(tuple(page), token)


def list_records(req: OAIRequest, ctx: Context) -> ListRecordsReply:
    rows, token = _list(req, ctx, Verb.LIST_RECORDS)
    return ListRecordsReply(rows, token)


def list_identifiers(req: OAIRequest, ctx: Context) -> ListIdentifiersReply:
    rows, token = _list(req, ctx, Verb.LIST_IDENTIFIERS)
    return ListIdentifiersReply(rows, token)


def _list(req: OAIRequest, ctx: Context,
          verb: Verb) -> tuple[tuple[RecordRow, ...], TokenInfo | None]:
    after: tuple[datetime, str] | None = None
    if req.resumption_token is not None:
        state = tokens.decode(req.resumption_token, verb, ctx.secret)
        assert isinstance(state, tokens.ListState)
        if state.metadata_prefix not in ctx.formats:  # the format was withdrawn since
            raise CannotDisseminateFormat(
                f"'{state.metadata_prefix}' is no longer a metadata format of this repository")
        query = ListQuery(state.metadata_prefix, state.from_, state.until, state.set_spec)
        after, cursor, size = state.last, state.cursor, state.complete_list_size
    else:
        query, size = _first_query(req, ctx)
        cursor = 0
    rows = ctx.store.list_page(query, after=after, limit=ctx.identity.page_size + 1,
                              with_metadata=verb is Verb.LIST_RECORDS)
    if not rows:
        if cursor:
            raise NoRecordsMatch("every record that followed the previous page has changed "
                                 "since; harvest again from that page's responseDate")
        raise NoRecordsMatch("no records match the request")

    def next_token(last: RecordRow, served: int, total: int) -> str:
        return tokens.encode(tokens.ListState(
            verb=verb, metadata_prefix=query.prefix, from_=query.from_,
            until=query.until, set_spec=query.set_spec,  # type: ignore[arg-type]
            last=(last.datestamp, last.identifier), cursor=served, complete_list_size=total,
        ), ctx.secret)

    page, token = _paginate(rows, cursor, size, ctx.identity.page_size, next_token)
    return tuple(page), token


def _first_query(req: OAIRequest, ctx: Context) -> tuple[ListQuery, int]:
    prefix = req.metadata_prefix
    assert prefix is not None  # arguments.parse: required without a resumptionToken
    errors: list[OAIError] = []
    if prefix not in ctx.formats:
        # §4.3/§4.5: for lists, cannotDisseminateFormat means "unknown to the repository".
        errors.append(CannotDisseminateFormat(
            f"'{prefix}' is not a metadata format of this repository"))
    if req.set_spec is not None and not ctx.store.has_sets():
        errors.append(NoSetHierarchy("this repository has no sets"))
    raise_all(errors)
    if req.set_spec is not None and not ctx.store.set_exists(req.set_spec):
        raise NoRecordsMatch(f"the set '{req.set_spec}' does not exist")
    # G§5.1: without an until, fix it now so later pages do not pick up newer records.
    until = req.until if req.until is not None else ctx.now
    query = ListQuery(prefix, req.from_, until, req.set_spec)
    size = ctx.store.count(query)
    if size == 0:
        raise NoRecordsMatch("no records match the request")
    return query, size


def _paginate(rows: Sequence[T], cursor: int, size: int, page_size: int,
              next_token: Callable[[T, int, int], str]) -> tuple[Sequence[T], TokenInfo | None]:
    """Cut a page fetched with limit page_size + 1 and make its <resumptionToken>."""
    more = len(rows) > page_size
    page = rows[:page_size]
    served = cursor + len(page)
    if more:
        total = max(size, served + 1)
        return page, TokenInfo(next_token(page[-1], served, total), cursor, total)
    if cursor == 0:
        return page, None  # §3.5: a complete list in one response carries no token
    # §3.5: the response completing a multi-page list carries an empty resumptionToken.
    return page, TokenInfo("", cursor, served)


HANDLERS: dict[Verb, Callable[[OAIRequest, Context], Reply]] = {
    Verb.GET_RECORD: get_record,
    Verb.IDENTIFY: identify,
    Verb.LIST_IDENTIFIERS: list_identifiers,
    Verb.LIST_METADATA_FORMATS: list_metadata_formats,
    Verb.LIST_RECORDS: list_records,
    Verb.LIST_SETS: list_sets,
}
