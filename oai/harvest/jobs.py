"""Running harvests for the command line: a client per source, several sources at once.

``run_sources`` harvests each source once. With ``jobs`` > 1 the sources run concurrently in
threads (each with its own HTTP client; the store lets its writers take turns); each source
is claimed by ``run.harvest`` itself, so a source that another process - or another host -
is harvesting, or has harvested since this call began, is skipped with a message: two
``harvest --all`` at once share the sources, each harvested once. Ctrl-C asks every
running harvest to stop after its current page; each is closed as "interrupted" and the
next run resumes it.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

from oai.harvest.client import OAIClient
from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.plan import HarvestOptions
from oai.harvest.policy import HarvestPolicy
from oai.harvest.progress import Progress
from oai.harvest.report import HarvestReport
from oai.harvest.run import harvest, newest_run
from schemas.base import FormatRegistry
from store.harvest_types import Source

if TYPE_CHECKING:
    from store import RecordStore


@dataclass(frozen=True)
class Harvester:
    """Everything a harvest needs besides the source, resolved once by the CLI."""

    store: RecordStore
    registry: FormatRegistry
    repository_identifier: str
    admin_email: str                    # the From header (harvester guidelines)
    http: HttpConfig | None = None      # defaults; a source's delay is set per source
    policy: HarvestPolicy | None = None  # the failure policy's limits; None: the defaults

    def client(self, source: Source) -> OAIClient:
        base = self.http or HttpConfig(admin_email=self.admin_email)
        config = replace(base, admin_email=self.admin_email, delay=source.delay)
        return OAIClient(source.base_url, HttpClient(config, policy=self.policy))

    def one(self, source: Source, options: HarvestOptions, progress: Progress,
            after_run: int | None = None) -> HarvestReport:
        with self.client(source) as client:
            return harvest(source, store=self.store, client=client, registry=self.registry,
                           repository_identifier=self.repository_identifier, options=options,
                           progress=progress.track(source.name), after_run=after_run)


def run_sources(harvester: Harvester, sources: Sequence[Source], options: HarvestOptions,
                progress: Progress, *, jobs: int = 1,
                done: Callable[[HarvestReport], None] = lambda report: None
                ) -> list[HarvestReport]:
    """Harvest each of *sources*; *done* is called with each report as it ends. A Ctrl-C
    ends the harvests at a page boundary and is raised again once they are closed."""
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    stop = options.stop or threading.Event()
    options = replace(options, stop=stop)
    reports: list[HarvestReport] = []
    # Each source's newest run now: one another process starts after this is not redone.
    began = {source.name: newest_run(harvester.store, source.name) for source in sources}

    def one(source: Source) -> HarvestReport:
        report = harvester.one(source, options, progress, began[source.name])
        reports.append(report)
        done(report)
        return report

    if jobs == 1 or len(sources) <= 1:
        # In this thread, so Ctrl-C reaches the harvest directly (and stops the rest).
        for source in sources:
            one(source)
        return reports
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="harvest") as pool:
        futures = [pool.submit(_unless_stopped, one, source, stop) for source in sources]
        try:
            for future in futures:
                future.result()
        except KeyboardInterrupt:
            stop.set()               # each harvest ends after its current page
            for future in futures:
                future.result()
            raise
    return reports


def _unless_stopped(run: Callable[[Source], HarvestReport], source: Source,
                    stop: threading.Event) -> HarvestReport | None:
    if stop.is_set():
        return None                  # Ctrl-C came before this source's turn
    return run(source)
