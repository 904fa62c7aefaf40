"""harvest(): one source, from Identify to the run's final status.

1. The source is claimed (``store.harvest.claim``): a source another process is harvesting
   is skipped, so two harvests never write one source at once. Given *after_run* (the id of
   its newest run when the command began), a source another process has harvested since is
   skipped too: two ``harvest --all`` at once take each source once between them.
2. Identify first: its granularity decides how from/until are sent, and its responseDate -
   the first response of the run - becomes the source's watermark when the run succeeds.
   An Identify that cannot be read is done without (``policy``, ``Step.IDENTIFY``): the
   run goes on at day granularity, the coarsest and always safe, with a warning.
3. An unfinished harvest is continued (``continuation``): a run that was killed, interrupted
   or failed keeps its per-list checkpoints, and the next run (unless --full/--from/--until
   ask for something else) takes over its selection, its checkpoints and its first
   responseDate. Finished lists are not asked again; open ones go on with their token.
4. Otherwise ``plan`` decides: full, incremental from the watermark, or a range.
5. What the partner says of itself (``partner_description``): its format decides how records
   are kept, its sets become ``partner:<source>:<spec>`` with the partner's names.
6. One list per configured set, or one for the whole repository, each through ``walk``,
   whose ``PageResult``s this module turns into the report and the progress shown.

A run ends "success", "partial" (records set aside), "failed" (the message says why; a
401/403 stops the source at once) or "interrupted" (Ctrl-C). Warnings (an unusable Identify,
a misdescribed format) are said once per run: on the summary line and in the run's message.
Only full and incremental runs move the watermark: a --from/--until range does not cover
everything since it.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from contextlib import closing
from typing import TYPE_CHECKING

from oai.datestamps import Granularity, format_datestamp
from oai.harvest.client import OAIClient
from oai.harvest.continuation import chain_of, first_response
from oai.harvest.errors import HarvestError
from oai.harvest.mapping import RecordMapper
from oai.harvest.models import PartnerIdentity, SetAside
from oai.harvest.partner_description import harvest_passes, publish_sets, source_prefixes
from oai.harvest.plan import HarvestOptions, Plan, intended_mode, plan
from oai.harvest.policy import Action, Situation, Step
from oai.harvest.progress import Tracker
from oai.harvest.report import SKIPPED, HarvestReport
from oai.harvest.walk import Interrupted, ListState, PageResult, WalkContext, walk
from schemas.base import FormatRegistry
from schemas.rendering import Renderer
from store.errors import StoreError
from store.harvest_types import RunInfo, RunMode, RunStatus, Source
from store.reads.records import rebuildable

if TYPE_CHECKING:
    from store import RecordStore

_NOTES_KEPT = 1000   # the report keeps a summary, not a log: the tracker shows them all


def owner_name() -> str:
    """Who holds a claim: host, process and thread (shown to the one that is refused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def newest_run(store: RecordStore, name: str) -> int:
    """The id of *name*'s newest run; 0 when it has none. Run ids grow with time."""
    runs = store.harvest.runs(name, limit=1)
    return runs[0].id if runs else 0


def harvest(source: Source, *, store: RecordStore, client: OAIClient,
            registry: FormatRegistry, repository_identifier: str,
            options: HarvestOptions | None = None, progress: Tracker | None = None,
            after_run: int | None = None) -> HarvestReport:
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
                report.status = SKIPPED
                report.message = "another process is harvesting this source right now"
                return report
            # Checked under the claim, so no other run can start between the check and ours.
            if after_run is not None and newest_run(store, source.name) > after_run:
                report.status = SKIPPED
                report.message = "another process harvested this source after this command began"
                return report
            _Run(source, store, client, options, tracker, report).go(
                registry, repository_identifier)
    except StoreError as exc:
        report.status, report.message = RunStatus.FAILED, f"the store refused: {exc}"
    finally:
        report.seconds = time.monotonic() - began
        tracker.close()
    return report


class _Run:
    """One claimed run: the report is built here, from what the walker's pages did."""

    def __init__(self, source: Source, store: RecordStore, client: OAIClient,
                 options: HarvestOptions, tracker: Tracker, report: HarvestReport) -> None:
        self.source, self.store, self.client = source, store, client
        self.options, self.tracker, self.report = options, tracker, report
        self.mismatched: Counter[str] = Counter()   # namespace sent -> records

    def note(self, text: str) -> None:
        if len(self.report.notes) < _NOTES_KEPT:
            self.report.notes.append(text)
        self.tracker.note(text)

    def warn(self, text: str) -> None:
        self.report.warnings.append(text)
        self.tracker.note(f"warning: {text}")

    def take(self, result: PageResult) -> None:
        """What one page did (or a turn of its list), into the report and the progress."""
        report = self.report
        for text in result.notes:
            self.note(text)
        self.mismatched.update(result.mismatched)
        if result.page is None:
            return
        report.add(result.added, result.updated, result.unchanged, result.deleted)
        report.pages += 1
        for repair in result.page.repairs:
            report.repairs.append(str(repair))
            self.note(str(repair))
        for item in result.set_aside:
            self.note(f"set aside {item.identifier or '(no identifier)'}: {item.reason}")
        self.tracker.page(result.page)

    def identify(self) -> PartnerIdentity:
        try:
            return self.client.identify()
        except HarvestError as exc:
            decision = self.client.policy.decide(exc, Situation(Step.IDENTIFY))
            if decision.action is not Action.DO_WITHOUT:
                raise
            # Identify only tells us the granularity: day, the coarsest, is always safe
            # (§3.3.1). Nothing is kept, so the next run asks Identify again.
            identity = _day_identity(self.source)
            self.client.assume_identity(identity)
            self.warn(f"Identify was unusable ({exc}); harvested at day granularity, and "
                      "the next run asks Identify again")
            return identity

    def go(self, registry: FormatRegistry, repository_identifier: str) -> None:
        source, store, options, report = self.source, self.store, self.options, self.report
        state = store.harvest
        chain, checkpoints = ([], {}) if options.overrides else chain_of(state, source.name)
        # A continued harvest keeps its selection; a new one is planned once Identify answered.
        chosen = Plan(chain[0].mode, chain[0].from_, chain[0].until) if chain else None
        run: RunInfo | None = None
        mapper: RecordMapper | None = None
        passes_mappers: list[tuple[str, RecordMapper]] = []
        first: str | None = None
        interrupted = False
        # One renderer for the run: its workers (started once the run is large) serve every
        # pass and every list.
        renderer = Renderer(registry, processes=self.options.render_processes)
        try:
            identity = self.identify()
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
            first = first_response(chain) or identity.response_date or now
            passes = harvest_passes(self.client, state, source, registry, self.warn)
            for prefix, tgt, companion in passes:
                mapper = RecordMapper(
                    source=source.name, base_url=source.base_url,
                    repository_identifier=repository_identifier, target=tgt, fallback_date=now,
                    sets_of=lambda ident: _sets_of(store, ident), companion=companion,
                    own_prefix=passes[0][1].verbatim_prefix if companion else None,
                    stored=lambda ident: store.database.read(rebuildable, ident),
                    renderer=renderer)
                passes_mappers.append((prefix, mapper))
            mapper = passes_mappers[0][1]
            for text in publish_sets(self.client, store, source, identity):
                self.note(text)
            for n, (prefix, each) in enumerate(passes_mappers):
                ctx = WalkContext(store, self.client, source.name, run.id, each, now, first,
                                  stopping=lambda: options.stopping)
                for key in source.sets or ("",):
                    # The first format's lists keep their old keys (a harvest begun before
                    # sources had several formats resumes); the others are keyed by prefix.
                    list_key = key if n == 0 else f"{prefix} {key}"
                    cp = checkpoints.get(list_key)
                    if cp is not None and cp.token is None:
                        continue              # finished in an earlier session of this harvest
                    if options.stopping:
                        raise Interrupted()
                    start = ListState.of(cp) if cp is not None else ListState(
                        list_key, "ListRecords", prefix, key or None, chosen.from_,
                        chosen.until)
                    # Closed at once however this ends, so its fetch thread is told to stop.
                    with closing(walk(ctx, start)) as results:
                        for result in results:
                            self.take(result)
            status, message = RunStatus.SUCCESS, None
        except HarvestError as exc:          # AccessDenied (401/403) included: stop the source
            status, message = RunStatus.FAILED, str(exc)
        except (Interrupted, KeyboardInterrupt) as exc:
            status = RunStatus.INTERRUPTED
            message = "interrupted; the next run resumes from here"
            interrupted = isinstance(exc, KeyboardInterrupt)
        finally:
            renderer.close()
        if run is None:
            # Identify failed: record a run all the same (`sources list` shows the failure),
            # with the chain's selection so that the chain goes on.
            mode = chosen.mode if chosen else intended_mode(source.watermark, options)
            run = state.start_run(source.name, mode=mode,
                                  from_=chosen.from_ if chosen else None,
                                  until=chosen.until if chosen else None)
            report.run_id = run.id
        aside = [r.id for r in chain if r.set_aside] + [run.id]
        if status == RunStatus.SUCCESS and any(
                (r := state.get_run(i)) is not None and r.set_aside for i in aside):
            status = RunStatus.PARTIAL
        if mapper is not None:
            for sent, count in self.mismatched.items():
                self.warn(f"{count} record(s) came in namespace {sent or '(none)'!r}, not "
                          f"{mapper.target.namespace!r} as the source's format "
                          f"{source_prefixes(source)[0]!r} says; each was kept by what "
                          "it is")
        message = _with_warnings(message, report.warnings)
        moves = (chosen.mode if chosen else None) in (RunMode.FULL, RunMode.INCREMENTAL)
        info = state.finish_run(run.id, status=status, message=message,
                                watermark=first if moves else None)
        _fill(report, info, [state.set_aside_records(i) for i in aside])
        report.status, report.message = status, message
        if interrupted:
            raise KeyboardInterrupt


def _with_warnings(message: str | None, warnings: list[str]) -> str | None:
    """The run's message: why it failed, then its warnings (each said once)."""
    if not warnings:
        return message
    warning = "warning: " + "; ".join(warnings)
    return f"{message}; {warning}" if message else warning


def _day_identity(source: Source) -> PartnerIdentity:
    """What we assume of a partner whose Identify is unusable."""
    return PartnerIdentity(repository_name="", base_url=source.base_url, protocol_version="",
                           earliest_datestamp=None, deleted_record="",
                           granularity=Granularity.DAY, granularity_declared="")


def _sets_of(store: RecordStore, identifier: str) -> tuple[str, ...] | None:
    stored = store.get_stored(identifier)
    return stored.set_specs if stored is not None else None


def _fill(report: HarvestReport, info: RunInfo, aside: list[list]) -> None:
    """The report's counts are the run's as the store kept them; its set-aside records are
    those of every session of the harvest."""
    report.added, report.updated = info.added, info.updated
    report.unchanged, report.deleted, report.pages = info.unchanged, info.deleted, info.pages
    report.set_aside = [SetAside(r.identifier, r.reason, r.datestamp)
                        for records in aside for r in records]
