"""One list of a harvest, page by page, each page committed with its checkpoint.

A page's records, the records set aside from it, the list's checkpoint (the token to ask
next) and the run's counters go into ONE transaction, so a harvest killed at any moment
(kill -9) leaves the store at a page boundary: never half a page, and the next run resumes
with the checkpointed token. Finished lists (checkpoint token None) are not asked again.
Writing a page twice changes nothing (the store compares content hashes).

The next page is fetched (in a thread) while the current one is mapped and written: the
partner works while we write. Only pages are handed over, in order, and an error of the
fetch (a rejected token, a broken page) is raised here when its page's turn comes, after
every page before it is committed.

Two failures restart only the current list:

- a rejected or expired token (``TokenRejected``; tokens are volatile, sickle#19): the list
  is asked again *from its last committed datestamp* when the partner has listed it in
  datestamp order so far (everything earlier has been taken, and the overlap of that one
  datestamp costs nothing), and from the list's own ``from`` otherwise - a partner listing
  unordered (FOLIO) may still owe us records older than the newest one we have;
- a page that is still not well-formed after the client fetched it again (``BrokenPage``):
  the rest of the list, from the same datestamp, is taken as ListIdentifiers + GetRecord
  (``OAIClient.fallback_pages``); records that still fail are set aside and reported, and the
  run ends "partial". The fallback's own token is checkpointed like any other.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Iterator

from oai.harvest.dates import read_datestamp
from oai.harvest.errors import BrokenPage, TokenRejected
from oai.harvest.models import ListWindow, Page, SetAside
from store.errors import StoreError
from store.types import Checkpoint, SetAsideRecord

if TYPE_CHECKING:
    from oai.harvest.run import RunContext


class Interrupted(Exception):
    """Asked to stop (Ctrl-C): raised between two committed pages."""


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


def walk(ctx: RunContext, state: ListState) -> None:
    """Take one list from *state* to its end (or raise what stops the run)."""
    restarts = 0
    while True:
        ahead = Ahead(_pages(ctx, state), stop=lambda: ctx.options.stopping)
        try:
            for page in ahead:
                state = commit(ctx, state, page)
                if ctx.options.stopping and not page.done:
                    raise Interrupted()
            return
        except TokenRejected as exc:
            if exc.token is None or restarts >= ctx.options.max_restarts:
                raise
            restarts += 1
            state = state.restart(state.verb)
            ctx.note(f"the partner rejected a resumption token ({exc.error.message}); asking "
                     f"the list again from {state.from_ or 'the beginning'}")
        except BrokenPage as exc:
            if state.verb != "ListRecords":
                raise     # the fallback's own listing is broken: nothing left to fall back on
            state = state.restart("ListIdentifiers")
            ctx.note(f"a page stayed broken ({exc.kind}: {exc}); taking the rest of the list "
                     f"from {state.from_ or 'the beginning'} as ListIdentifiers + GetRecord")
        finally:
            # Leaving the list normally or for a restart, the thread has already ended (it
            # handed over the end or the error). Leaving on an error or Ctrl-C, its fetch in
            # flight is not waited for: the client is not used again by this walk.
            ahead.close(wait=False)


class Ahead:
    """Iterate *pages* one item ahead: a thread takes the next item while the consumer works
    on the current one. The thread is the only user of the iterator (and so of the HTTP
    client behind it). close() tells it to stop; with wait=True it also waits for the item
    it may be taking (a fetch, perhaps sleeping out a partner's Retry-After)."""

    def __init__(self, pages: Iterable, *, stop=lambda: False) -> None:
        self._pages = iter(pages)
        self._stop = stop
        self._closed = threading.Event()
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="harvest-fetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._closed.is_set():
                try:
                    item = next(self._pages)
                except StopIteration:
                    break
                if not self._put((True, item)) or self._stop():
                    break       # closed, or asked to stop: nothing after this item
        except BaseException as exc:    # handed to the consumer, raised in its thread
            self._put((False, exc))
            return
        self._put((False, None))

    def _put(self, entry: tuple) -> bool:
        """Queue *entry* once there is room; False when closed first (nobody will read it)."""
        while not self._closed.is_set():
            try:
                self._queue.put(entry, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def __iter__(self) -> Iterator:
        while True:
            ok, item = self._queue.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item

    def close(self, wait: bool = True) -> None:
        self._closed.set()
        if wait:
            self._thread.join()


def _pages(ctx: RunContext, state: ListState) -> Iterator[Page]:
    client = ctx.client
    if state.verb == "ListIdentifiers":
        return client.fallback_pages(state.prefix, state.from_, state.until, state.set_spec,
                                     token=state.token)
    if state.token is not None:
        window = ListWindow("ListRecords", state.prefix, state.from_, state.until,
                            state.set_spec)
        return client.resume("ListRecords", state.token, window=window, received=state.records)
    return client.pages("ListRecords", state.prefix, state.from_, state.until, state.set_spec)


def commit(ctx: RunContext, state: ListState, page: Page) -> ListState:
    """Write *page* and the list's next checkpoint in one transaction; the new state."""
    repaired = {r.identifier for r in page.repairs if r.identifier}
    harvest_date = page.response_date or ctx.first_response_date or ctx.fallback_date
    drafts, aside = [], list(page.set_aside)
    for record in page.records:
        mapped = ctx.mapper.map(record, harvest_date=harvest_date,
                                repaired=record.identifier in repaired)
        for text in mapped.notes:
            ctx.note(f"{record.identifier}: {text}")
        if mapped.sent_namespace is not None:
            ctx.mismatched[mapped.sent_namespace] += 1   # reported once, by the run
        if mapped.draft is not None:
            drafts.append(mapped.draft)
        if mapped.aside is not None:
            aside.append(mapped.aside)
    new = state.after(page)
    try:
        counts = _write(ctx, new, drafts, aside)
    except StoreError:
        # One draft the store refuses must not stop the harvest: find it, set it aside.
        drafts, refused = ctx.screen(drafts)
        aside += refused
        counts = _write(ctx, new, drafts, aside)
    ctx.report.add(counts.added, counts.updated, counts.unchanged, counts.deleted)
    ctx.report.pages += 1
    for repair in page.repairs:
        ctx.report.repairs.append(str(repair))
        ctx.note(str(repair))
    for item in aside:
        ctx.note(f"set aside {item.identifier or '(no identifier)'}: {item.reason}")
    ctx.tracker.page(page)
    return new


def _write(ctx: RunContext, new: ListState, drafts: list, aside: list[SetAside]):
    with ctx.store.writer() as w:
        counts = w.put_many(drafts)
        for item in aside:
            w.set_aside(SetAsideRecord(ctx.run_id, item.identifier, item.reason,
                                       item.datestamp))
        w.save_checkpoint(new.checkpoint(ctx.source.name, ctx.run_id))
        w.add_to_run(ctx.run_id, counts, pages=1, set_aside=len(aside),
                     first_response_date=ctx.unsaved_first_response_date)
    ctx.unsaved_first_response_date = None   # a run's first response date is saved once
    return counts
