"""What one harvest asks a partner for: full, incremental from the watermark, or a range.

The first harvest of a source is full. Later ones are incremental: ``from`` is the source's
watermark - the responseDate of the *first* response (Identify) of its last successful run,
never a record datestamp, which misses records of partners that list them unordered
(vufindharvest#7) - minus an overlap, formatted at the granularity the partner's Identify
declares and never finer (OAI-PMH §3.3.1; dataverse#11020).

Why an overlap: partners' indexes lag behind their datestamps (a record changed at 4:00 may
become visible at 5:00 still dated 4:00), clocks differ, and the harvester guidelines advise
overlapping incremental windows. Records taken twice cost nothing: unchanged records are not
rewritten (the store compares content hashes). Defaults: one hour for seconds-granular
partners, one day for day-granular ones (whose bounds are truncated to the day anyway).
``--full`` ignores the watermark; ``--from``/``--until`` ask for exactly that range.
Limits on failures (retries, list restarts) are not options: they are the
``policy.HarvestPolicy``'s.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from oai.datestamps import Granularity, parse_lenient
from oai.harvest.dates import format_bound
from store.harvest_types import RunMode

DEFAULT_OVERLAP = {Granularity.SECONDS: timedelta(hours=1), Granularity.DAY: timedelta(days=1)}


@dataclass(frozen=True)
class HarvestOptions:
    """How to run one harvest (the CLI's flags). ``from_``/``until`` are datestamps in either
    legal form (or a partner's form: they are read leniently and re-formatted)."""

    full: bool = False
    from_: str | None = None
    until: str | None = None
    overlap: timedelta | None = None     # None: DEFAULT_OVERLAP for the partner's granularity
    stop: threading.Event | None = None  # set by Ctrl-C: stop after the current page
    render_processes: int | None = None  # schemas.rendering's workers; None: by the cores

    def __post_init__(self) -> None:
        for name in ("from_", "until"):
            value = getattr(self, name)
            if value is not None:
                parse_lenient(value)  # ValueError: the CLI turns it into a usage error
        if self.full and (self.from_ or self.until):
            raise ValueError("--full cannot be combined with --from or --until")
        if self.overlap is not None and self.overlap < timedelta(0):
            raise ValueError("the overlap must not be negative")

    @property
    def overrides(self) -> bool:
        """Do these options ask for something else than the source's own next harvest?"""
        return self.full or self.from_ is not None or self.until is not None

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()


@dataclass(frozen=True)
class Plan:
    mode: RunMode
    from_: str | None       # as sent to the partner (its granularity)
    until: str | None
    note: str | None = None


def plan(watermark: str | None, options: HarvestOptions, granularity: Granularity) -> Plan:
    """The selection of this harvest, its bounds formatted at *granularity*."""
    if options.from_ is not None or options.until is not None:
        return Plan(RunMode.RANGE,
                    format_bound(options.from_, granularity) if options.from_ else None,
                    format_bound(options.until, granularity) if options.until else None)
    if options.full or not watermark:
        return Plan(RunMode.FULL, None, None)
    try:
        moment = parse_lenient(watermark)
    except ValueError:
        return Plan(RunMode.FULL, None, None,
                    note=f"the watermark {watermark!r} is unreadable; harvesting everything")
    overlap = options.overlap if options.overlap is not None else DEFAULT_OVERLAP[granularity]
    return Plan(RunMode.INCREMENTAL, format_bound(moment - overlap, granularity), None)


def intended_mode(watermark: str | None, options: HarvestOptions) -> RunMode:
    """The mode ``plan`` would choose, for a run that failed before it could plan."""
    if options.from_ or options.until:
        return RunMode.RANGE
    return RunMode.FULL if options.full or not watermark else RunMode.INCREMENTAL
