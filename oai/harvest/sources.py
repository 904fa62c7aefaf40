"""The administrator's view of harvest sources: one-off sources and what ``sources list`` and
``sources show`` print. Plain text lines; the CLI only prints them.

A one-off ``harvest BASE_URL`` harvests into a source like any other, so that its records
keep a traceable origin (provenance, ``sources remove --purge``) and running the same
command again is incremental: the source that already has that base URL is used, or one is
added, named after the host (``export.arxiv.org``; ``-2``, ``-3``... when taken). It stays
listed until ``sources remove NAME``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Iterator
from urllib.parse import urlsplit

from store.harvest_types import RunInfo, Source
from store.syntax import MAX_SOURCE_NAME, is_source_name

if TYPE_CHECKING:
    from store.harvest_state import HarvestState


def name_for(base_url: str, taken: set[str]) -> str:
    """A free source name for *base_url*, made from its host (and port)."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "partner") + (f"-{parts.port}" if parts.port else "")
    stem = re.sub(r"[^A-Za-z0-9_.\-]+", "-", host).strip("-._")[: MAX_SOURCE_NAME - 4]
    if not stem or not is_source_name(stem):
        stem = "partner"
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    return name


def one_off(state: HarvestState, base_url: str, *, prefix: str = "oai_dc",
            sets: tuple[str, ...] = ()) -> tuple[Source, bool]:
    """(the source for *base_url*, whether it was added now)."""
    known = state.list_sources()
    for source in known:
        if source.base_url == base_url and source.prefix == prefix and source.sets == sets:
            return source, False
    name = name_for(base_url, {s.name for s in known})
    return state.add_source(name, base_url, prefix=prefix, sets=sets), True


def resolve(state: HarvestState, targets: list[str], *, every: bool, prefix: str = "oai_dc",
            sets: tuple[str, ...] = ()) -> tuple[list[Source], list[str]]:
    """(sources, messages) for ``harvest``'s targets: names, or base URLs for one-offs
    (added when new). LookupError names a target that is neither."""
    chosen = state.list_sources() if every else []
    messages = []
    for target in targets:
        if "://" in target:
            source, added = one_off(state, target, prefix=prefix, sets=sets)
            if added:
                messages.append(f"source {source.name} added for {target}")
        elif (named := state.get_source(target)) is not None:
            source = named
        else:
            raise LookupError(f"no harvest source named {target!r} (see: sources list)")
        chosen.append(source)
    return chosen, messages


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def run_line(run: RunInfo) -> str:
    window = " ".join(part for part in (
        run.mode, f"from {run.from_}" if run.from_ else "",
        f"until {run.until}" if run.until else "") if part)
    line = (f"run {run.id}  {_when(run.started)}  {run.status:<11}  {window}: "
            f"{run.added} added, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.deleted} deleted, {run.set_aside} set aside, {run.pages} pages")
    return f"{line} - {run.message}" if run.message else line


def list_lines(state: HarvestState) -> Iterator[str]:
    """One line per source: name, base URL, format, sets, last run, record counts."""
    sources = state.list_sources()
    if not sources:
        yield "no harvest sources yet (add one with: sources add NAME BASE_URL)"
        return
    for source in sources:
        runs = state.runs(source.name, limit=1)
        last = (f"last run {_when(runs[0].started)} {runs[0].status}" if runs
                else "never harvested")
        counts = state.source_counts(source.name)
        sets = ",".join(source.sets) or "all"
        yield (f"{source.name}\t{source.base_url}\t{source.prefix}\tsets: {sets}\t{last}\t"
               f"{counts['records']} records, {counts['deleted']} deleted")


def show_lines(state: HarvestState, name: str, history: int = 10) -> Iterator[str]:
    """A source's settings, its run history and the records its last run set aside."""
    source = state.get_source(name)
    if source is None:
        raise LookupError(f"no harvest source named {name!r}")
    counts = state.source_counts(name)
    yield f"name:       {source.name}"
    yield f"base URL:   {source.base_url}"
    yield f"format:     {', '.join(source.prefix.split())}"
    yield f"sets:       {' '.join(source.sets) or '(the whole repository)'}"
    yield f"delay:      {source.delay:g} s between requests"
    yield f"watermark:  {source.watermark or '(none: the next harvest is full)'}"
    yield f"records:    {counts['records']} live, {counts['deleted']} deleted"
    runs = state.runs(name, limit=history)
    if runs and runs[0].message and "no oai_dc:" in runs[0].message:
        # OAI-PMH §3.4: every record in oai_dc; say plainly when this source's are not.
        yield "oai_dc:     none: the partner offers no oai_dc and its format has no crosswalk"
    yield "runs (newest first):" if runs else "runs: none yet"
    for run in runs:
        yield "  " + run_line(run)
    if runs:
        aside = state.set_aside_records(runs[0].id)
        if aside:
            yield f"set aside by run {runs[0].id}:"
            for rec in aside:
                yield (f"  {rec.identifier or '(no identifier)'} ({rec.datestamp or '-'}): "
                       f"{rec.reason}")
