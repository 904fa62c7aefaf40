"""harvest(): one source, from Identify to the run's final status.

1. The source is claimed (``store.harvest.claim``): a source another process is harvesting
   is skipped, so two harvests never write one source at once. Given *after_run* (the id of
   its newest run when the command began), a source another process has harvested since is
   skipped too: two ``harvest --all`` at once take each source once between them.
2. Identify first: its granularity decides how from/until are sent, and its responseDate -
   the first response of the run - becomes the source's watermark when the run succeeds.
3. An unfinished harvest is continued: a run that was killed, interrupted or failed keeps
   its per-list checkpoints, and the next run (unless --full/--from/--until ask for something
   else) takes over its selection, its checkpoints and its first responseDate. Finished
   lists are not asked again; open ones go on with their token (``walk``).
4. Otherwise ``plan`` decides: full, incremental from the watermark, or a range.
5. The partner's format (ListMetadataFormats) decides how records are kept
   (``mapping.Target``); a format other than oai_dc is recorded with ``put_format`` so that
   our endpoint serves it. The partner's sets (ListSets) become ``partner:<source>:<spec>``
   with the partner's names.
6. One list per configured set, or one for the whole repository, each through ``walk``.

A run ends "success", "partial" (records set aside), "failed" (the message says why; a
401/403 stops the source at once) or "interrupted" (Ctrl-C). Only full and incremental runs
move the watermark: a --from/--until range does not cover everything since it.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from oai.datestamps import format_datestamp
from oai.harvest.client import OAIClient
from oai.datestamps import Granularity
from oai.harvest.errors import BrokenPage, HarvestError, NotOAIResponse
from oai.harvest.mapping import RecordMapper
from oai.harvest.models import PartnerIdentity, SetAside
from oai.harvest.plan import HarvestOptions, Plan, plan
from oai.harvest.progress import Tracker
from oai.harvest.report import HarvestReport
from oai.harvest.setup import chain_of, publish_sets, target
from oai.harvest.walk import Interrupted, ListState, walk
from schemas.base import FormatRegistry
from store.drafts import prepare
from store.errors import StoreError
from store.types import RecordDraft, Source


@dataclass
class RunContext:
    """What the list walker needs: one run of one source."""

    store: Any                       # store.RecordStore
    client: OAIClient
    source: Source
    run_id: int
    mapper: RecordMapper
    options: HarvestOptions
    report: HarvestReport
    tracker: Tracker
    fallback_date: str               # our clock, for partner dates the schema would refuse
    first_response_date: str | None  # the run's watermark-to-be
    unsaved_first_response_date: str | None = None
    mismatched: Counter = field(default_factory=Counter)  # namespace sent -> records

    def note(self, text: str) -> None:
        if len(self.report.notes) < 1000:   # a summary, not a log: the tracker shows them all
            self.report.notes.append(text)
        self.tracker.note(text)

    def screen(self, drafts: list[RecordDraft]) -> tuple[list[RecordDraft], list]:
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


def owner_name() -> str:
    """Who holds a claim: host, process and thread (shown to the one that is refused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def newest_run(store: Any, name: str) -> int:
    """The id of *name*'s newest run; 0 when it has none. Run ids grow with time."""
    runs = store.harvest.runs(name, limit=1)
    return runs[0].id if runs else 0


def harvest(source: Source, *, store: Any, client: OAIClient, registry: FormatRegistry,
            repository_identifier: str, options: HarvestOptions | None = None,
            progress: Tracker | None = None, after_run: int | None = None) -> HarvestReport:
    """Harvest *source* into *store* once; never raises for a partner's or a record's fault
    (the report says what happened). KeyboardInterrupt is re-raised after the run is closed
    as interrupted."""
    options = options or HarvestOptions()
    tracker = progress or Tracker(source.name)
    report = HarvestReport(source.name)
    began = time.monotonic()
    try:
        with store.harvest.claim(source.name, owner_name()) as held:
            if not held:
                report.status = "skipped"
                report.message = "another process is harvesting this source right now"
                return report
            # Checked under the claim, so no other run can start between the check and ours.
            if after_run is not None and newest_run(store, source.name) > after_run:
                report.status = "skipped"
                report.message = "another process harvested this source after this command began"
                return report
            _claimed(source, store, client, registry, repository_identifier, options,
                     tracker, report)
    except StoreError as exc:
        report.status, report.message = "failed", f"the store refused: {exc}"
    finally:
        report.seconds = time.monotonic() - began
        tracker.close()
    return report


def _claimed(source: Source, store: Any, client: OAIClient, registry: FormatRegistry,
             repository_identifier: str, options: HarvestOptions, tracker: Tracker,
             report: HarvestReport) -> None:
    state = store.harvest
    chain, checkpoints = ([], {}) if options.overrides else chain_of(state, source.name)
    # A continued harvest keeps its selection; a new one is planned once Identify answered.
    chosen = Plan(chain[0].mode, chain[0].from_, chain[0].until) if chain else None
    run, first, interrupted, ctx = None, None, False, None
    try:
        try:
            identity = client.identify()
        except (BrokenPage, NotOAIResponse) as exc:
            # Identify only tells us the granularity: day, the coarsest, is always safe
            # (§3.3.1). Nothing is kept, so the next run asks Identify again.
            identity = _day_identity(source)
            client.assume_identity(identity)
            _warn(report, tracker, f"Identify was unusable ({exc}); harvested at day "
                                   "granularity, and the next run asks Identify again")
        if chosen is None:
            chosen = plan(source.watermark, options, identity.granularity)
            if chosen.note:
                report.notes.append(chosen.note)
        report.resumed = bool(chain)
        report.mode, report.from_, report.until = chosen.mode, chosen.from_, chosen.until
        run = state.start_run(source.name, mode=chosen.mode, from_=chosen.from_,
                              until=chosen.until)
        report.run_id = run.id
        now = format_datestamp(store.clock())
        # The oldest first response of the chain: see setup.chain_of.
        first = next((r.first_response_date for r in reversed(chain) if r.first_response_date),
                     None) or identity.response_date or now
        tgt, warnings = target(client, state, source, registry)
        for text in warnings:
            _warn(report, tracker, text)
        mapper = RecordMapper(source=source.name, base_url=source.base_url,
                              repository_identifier=repository_identifier, target=tgt,
                              fallback_date=now, sets_of=lambda ident: _sets_of(store, ident))
        ctx = RunContext(store, client, source, run.id, mapper, options, report, tracker,
                         now, first, unsaved_first_response_date=first)
        for text in publish_sets(client, store, source, identity):
            ctx.note(text)
        for key in source.sets or ("",):
            cp = checkpoints.get(key)
            if cp is not None and cp.token is None:
                continue                  # finished in an earlier session of this harvest
            if options.stopping:
                raise Interrupted()
            walk(ctx, ListState.of(cp) if cp is not None else
                 ListState(key, "ListRecords", source.prefix, key or None, chosen.from_,
                           chosen.until))
        status, message = "success", None
    except HarvestError as exc:          # AccessDenied (401/403) included: stop the source
        status, message = "failed", str(exc)
    except (Interrupted, KeyboardInterrupt) as exc:
        status, message = "interrupted", "interrupted; the next run resumes from here"
        interrupted = isinstance(exc, KeyboardInterrupt)
    if run is None:
        # Identify failed: record a run all the same (`sources list` shows the failure),
        # with the chain's selection so that the chain goes on.
        mode = chosen.mode if chosen else _mode(source, options)
        run = state.start_run(source.name, mode=mode, from_=chosen.from_ if chosen else None,
                              until=chosen.until if chosen else None)
        report.run_id = run.id
    aside = [r.id for r in chain if r.set_aside] + [run.id]
    if status == "success" and any(state.get_run(i).set_aside for i in aside):
        status = "partial"
    if ctx is not None:
        for sent, count in ctx.mismatched.items():
            _warn(report, tracker, f"{count} record(s) came in namespace {sent or '(none)'!r}, "
                                   f"not {ctx.mapper.target.namespace!r} as the source's "
                                   f"format {source.prefix!r} says; each was kept by what "
                                   "it is")
    if report.warnings:
        warning = "warning: " + "; ".join(report.warnings)
        message = f"{message}; {warning}" if message else warning
    moves = (chosen.mode if chosen else None) in ("full", "incremental")
    info = state.finish_run(run.id, status=status, message=message,
                            watermark=first if moves else None)
    _fill(report, info, [state.set_aside_records(i) for i in aside])
    report.status, report.message = status, message
    if interrupted:
        raise KeyboardInterrupt


def _warn(report: HarvestReport, tracker: Tracker, text: str) -> None:
    report.warnings.append(text)
    tracker.note(f"warning: {text}")


def _day_identity(source: Source) -> PartnerIdentity:
    """What we assume of a partner whose Identify is unusable."""
    return PartnerIdentity(repository_name="", base_url=source.base_url, protocol_version="",
                           earliest_datestamp=None, deleted_record="",
                           granularity=Granularity.DAY, granularity_declared="")


def _mode(source: Source, options: HarvestOptions) -> str:
    if options.from_ or options.until:
        return "range"
    return "full" if options.full or not source.watermark else "incremental"


def _sets_of(store: Any, identifier: str) -> tuple[str, ...] | None:
    stored = store.get_stored(identifier)
    return stored.set_specs if stored is not None else None


def _fill(report: HarvestReport, info: Any, aside: list[list[Any]]) -> None:
    """The report's counts are the run's as the store kept them; its set-aside records are
    those of every session of the harvest."""
    report.added, report.updated = info.added, info.updated
    report.unchanged, report.deleted, report.pages = info.unchanged, info.deleted, info.pages
    report.set_aside = [SetAside(r.identifier, r.reason, r.datestamp)
                        for records in aside for r in records]
