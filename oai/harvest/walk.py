"""One list of a harvest, page by page, each page committed with its checkpoint.

A page's records, the records set aside from it, the list's checkpoint (the token to ask
next) and the run's counters go into ONE transaction, so a harvest killed at any moment
(kill -9) leaves the store at a page boundary: never half a page, and the next run resumes
with the checkpointed token. Finished lists (checkpoint token None) are not asked again.
Writing a page twice changes nothing (the store compares content hashes).

``walk(ctx, state)`` is a generator: for each committed page, and for each turn the list
takes, it yields a ``PageResult`` saying what happened (counts, records set aside, notes,
records sent in another namespace than the source's format). The runner builds the run's
report and progress from these; the walker's ``WalkContext`` is frozen and nothing else is
shared between the two. The next page is fetched (``ahead.Ahead``) while the current one is
mapped and written.

When a list's request fails, ``policy.classify`` decides (``Step.WALK``):

- a rejected or expired token (``TokenRejected``; tokens are volatile, sickle#19): the list
  is asked again *from its last committed datestamp* when the partner has listed it in
  datestamp order so far (everything earlier has been taken, and the overlap of that one
  datestamp costs nothing), and from the list's own ``from`` otherwise - a partner listing
  unordered (FOLIO) may still owe us records older than the newest one we have;
- a page that is still not well-formed after the client fetched it again (``BrokenPage``):
  the rest of the list, from the same datestamp, is taken as ListIdentifiers + GetRecord
  (``OAIClient.fallback_pages``); records that still fail are set aside and reported, and the
  run ends "partial". The fallback's own token is checkpointed like any other.
- anything else fails the source: the error goes up to the runner.

A draft the store refuses is set aside (``Step.WRITE``) and the rest of its page written.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Generator, Iterable, Iterator

from oai.harvest.ahead import Ahead
from oai.harvest.client import OAIClient
from oai.harvest.dates import read_datestamp
from oai.harvest.errors import BrokenPage, HarvestError, PartnerError
from oai.harvest.mapping import Mapped, RecordMapper
from oai.harvest.models import ListWindow, Page, SetAside
from oai.harvest.policy import Action, Situation, Step
from store.drafts import prepare
from store.errors import StoreError
from store.harvest_types import Checkpoint, SetAsideRecord
from store.record_types import RecordDraft, WriteCounts

if TYPE_CHECKING:
    from store import RecordStore


class Interrupted(Exception):
    """Asked to stop (Ctrl-C): raised between two committed pages."""


@dataclass(frozen=True)
class WalkContext:
    """What the walker needs of its run; frozen: the walker reports through its results."""

    store: RecordStore
    client: OAIClient
    source: str                      # the source's name
    run_id: int
    mapper: RecordMapper
    fallback_date: str               # our clock, for partner dates the schema would refuse
    first_response_date: str | None  # the run's watermark-to-be, saved with its first page
    stopping: Callable[[], bool] = lambda: False   # Ctrl-C: stop after the current page


@dataclass(frozen=True)
class PageResult:
    """What one committed page did, or (``page`` None) a turn the list took."""

    page: Page | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    set_aside: tuple[SetAside, ...] = ()
    notes: tuple[str, ...] = ()           # about its records, in order; or the list's turn
    mismatched: tuple[str, ...] = field(default=())  # namespace of each misdescribed record


@dataclass(frozen=True)
class ListState:
    """A list's position, as checkpointed (``Checkpoint`` without the run's keys)."""

    key: str
    verb: str
    prefix: str
    set_spec: str | None
    from_: str | None
    until: str | None
    token: str | None = None
    pages: int = 0
    records: int = 0
    last_datestamp: str | None = None
    last_when: datetime | None = None
    ordered: bool = True

    @classmethod
    def of(cls, cp: Checkpoint) -> ListState:
        return cls(cp.list_key, cp.verb, cp.prefix, cp.set_spec, cp.from_, cp.until, cp.token,
                   cp.pages, cp.records, cp.last_datestamp, read_datestamp(cp.last_datestamp),
                   cp.ordered)

    def checkpoint(self, source: str, run_id: int) -> Checkpoint:
        return Checkpoint(source, self.key, run_id, self.verb, self.prefix, self.set_spec,
                          self.from_, self.until, self.token, self.pages, self.records,
                          self.last_datestamp, self.ordered)

    def after(self, page: Page) -> ListState:
        """The state once *page* is committed."""
        last, when, ordered = self.last_datestamp, self.last_when, self.ordered
        for header in page.headers:
            moment = header.when
            if moment is None:
                continue
            if when is not None and moment < when:
                ordered = False   # §2.7: datestamp order is not promised; note when it breaks
            else:
                last, when = header.datestamp, moment
        return replace(self, token=page.next_token, pages=self.pages + 1,
                       records=self.records + len(page.records), last_datestamp=last,
                       last_when=when, ordered=ordered)

    def restart(self, verb: str) -> ListState:
        """The list asked again with *verb*, from its last committed datestamp when the partner
        kept datestamp order, else from its own ``from`` (see the module docstring)."""
        start = self.last_datestamp if (self.ordered and self.last_datestamp) else self.from_
        return replace(self, verb=verb, from_=start, token=None, last_datestamp=None,
                       last_when=None, ordered=True)


def walk(ctx: WalkContext, state: ListState) -> Generator[PageResult, None, None]:
    """Take one list from *state* to its end (or raise what stops the run)."""
    restarts = 0
    while True:
        ahead = Ahead(_pages(ctx, state), stop=ctx.stopping)
        try:
            for page, mapping in _begun(ctx, ahead):
                state, result = commit(ctx, state, page, mapping)
                yield result
                if ctx.stopping() and not page.done:
                    raise Interrupted()
            return
        except HarvestError as exc:
            decision = ctx.client.policy.decide(exc, Situation(
                Step.WALK, attempt=restarts, verb=state.verb, resumed=exc.token is not None))
            if decision.action is Action.RESTART_LIST:
                restarts += 1
                state = state.restart(state.verb)
                said = exc.error.message if isinstance(exc, PartnerError) else str(exc)
                note = (f"the partner rejected a resumption token ({said}); asking the list "
                        f"again from {state.from_ or 'the beginning'}")
            elif decision.action is Action.FALL_BACK:
                state = state.restart("ListIdentifiers")
                kind = exc.kind if isinstance(exc, BrokenPage) else "broken"
                note = (f"a page stayed broken ({kind}: {exc}); taking the rest of the "
                        f"list from {state.from_ or 'the beginning'} as ListIdentifiers + "
                        "GetRecord")
            else:
                raise
        finally:
            # Leaving the list normally or for a restart, the thread has already ended (it
            # handed over the end or the error). Leaving on an error or Ctrl-C, its fetch in
            # flight is not waited for: the client is not used again by this walk.
            ahead.close(wait=False)
        yield PageResult(notes=(note,))


def _pages(ctx: WalkContext, state: ListState) -> Iterator[Page]:
    client = ctx.client
    if state.verb == "ListIdentifiers":
        return client.fallback_pages(state.prefix, state.from_, state.until, state.set_spec,
                                     token=state.token)
    if state.token is not None:
        window = ListWindow("ListRecords", state.prefix, state.from_, state.until,
                            state.set_spec)
        return client.resume("ListRecords", state.token, window=window, received=state.records)
    return client.pages("ListRecords", state.prefix, state.from_, state.until, state.set_spec)


def _begin(ctx: WalkContext, page: Page) -> Callable[[], list[Mapped]]:
    harvest_date = page.response_date or ctx.first_response_date or ctx.fallback_date
    return ctx.mapper.begin(page.records, harvest_date=harvest_date,
                            repaired={r.identifier for r in page.repairs if r.identifier})


def _begun(ctx: WalkContext, pages: Iterable[Page]
           ) -> Iterator[tuple[Page, Callable[[], list[Mapped]]]]:
    """Each page with its mapping begun, handed on once the next page's mapping is begun
    too: the renderer's workers render the next page while this one is written. A failure
    of the next page's fetch comes after this page, as it would without the overlap."""
    held = None
    try:
        for page in pages:
            begun = (page, _begin(ctx, page))
            if held is not None:
                yield held
            held = begun
    except HarvestError:
        if held is not None:
            yield held
        raise
    if held is not None:
        yield held


def commit(ctx: WalkContext, state: ListState, page: Page,
           mapping: Callable[[], list[Mapped]] | None = None) -> tuple[ListState, PageResult]:
    """Write *page* (its *mapping* begun already, or begun now) and the list's next
    checkpoint in one transaction: (the new state, what the page did)."""
    drafts, aside, notes, mismatched = [], list(page.set_aside), [], []
    mapped_page = (mapping or _begin(ctx, page))()
    for record, mapped in zip(page.records, mapped_page, strict=True):
        notes += [f"{record.identifier}: {text}" for text in mapped.notes]
        if mapped.sent_namespace is not None:
            mismatched.append(mapped.sent_namespace)
        if mapped.draft is not None:
            drafts.append(mapped.draft)
        if mapped.aside is not None:
            aside.append(mapped.aside)
    new = state.after(page)
    try:
        counts = _write(ctx, new, drafts, aside)
    except StoreError as exc:
        if ctx.client.policy.decide(exc, Situation(Step.WRITE)).action is not \
                Action.SET_ASIDE:
            raise
        drafts, refused = screen(drafts)
        aside += refused
        counts = _write(ctx, new, drafts, aside)
    return new, PageResult(page, counts.added, counts.updated, counts.unchanged,
                           counts.deleted, tuple(aside), tuple(notes), tuple(mismatched))


def screen(drafts: list[RecordDraft]) -> tuple[list[RecordDraft], list[SetAside]]:
    """Split *drafts* into those the store accepts and set-aside items for the others."""
    good, refused = [], []
    for draft in drafts:
        try:
            prepare(draft)
            good.append(draft)
        except StoreError as exc:
            origin = draft.origin
            refused.append(SetAside(origin.identifier if origin else draft.identifier,
                                    f"refused by the store: {exc}",
                                    origin.datestamp if origin else None))
    return good, refused


def _write(ctx: WalkContext, new: ListState, drafts: list[RecordDraft],
           aside: list[SetAside]) -> WriteCounts:
    with ctx.store.writer() as w:
        counts = w.put_many(drafts)
        for item in aside:
            w.set_aside(SetAsideRecord(ctx.run_id, item.identifier, item.reason,
                                       item.datestamp))
        w.save_checkpoint(new.checkpoint(ctx.source, ctx.run_id))
        # Kept only while the run has none (the store coalesces): its first page saves it.
        w.add_to_run(ctx.run_id, counts, pages=1, set_aside=len(aside),
                     first_response_date=ctx.first_response_date)
    return counts
