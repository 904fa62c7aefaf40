"""Serving a new or changed format for the records already in the store
(``oai-harvest formats rebuild``).

Adding a format to the registry (or changing a crosswalk) changes what every stored record
should be served in; imports and harvests render formats only as records come in. The rebuild
reads the live records that have Dublin Core a page at a time (bounded memory, whatever the
store's size), renders each chosen format from their stored values, and writes the records
whose bytes differ through the normal writer, one transaction per page, so a crash loses one
page at most. The record's own format (``own_prefix``: a harvested or imported MARC record,
say) is kept verbatim, never replaced by a crosswalk; a record harvested verbatim before its
format had a crosswalk is read into Dublin Core from the partner's metadata kept in its origin.

Resuming. By default only records that lack one of the chosen formats are read
(``store.reads.records.rebuild_page(lacking=...)``), so a rerun after a crash goes on where it
stopped and reads nothing twice. ``everything=True`` (after changing a crosswalk) reads every
record; a rerun then renders again but writes only records whose bytes still differ.

A written record gets a new datestamp (OAI-PMH §2.7.1: its metadata in a format changed), so
incremental harvesters of the new format see it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

from lxml import etree

from schemas.base import FormatRegistry, MetadataFormat
from schemas.reading import read_dc, reader_for
from schemas.xwalk_values import CrosswalkError
from store.reads.records import Rebuildable, rebuild_page
from store.record_types import DCValue, RecordDraft

if TYPE_CHECKING:
    from store.records import RecordStore

PAGE = 1000
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass
class RebuildCounts:
    read: int = 0        # records looked at
    written: int = 0     # records whose disseminations changed
    last_id: int = 0     # the id the next page starts after


def chosen_formats(registry: FormatRegistry, prefixes: Sequence[str] = ()) -> list[MetadataFormat]:
    """The renderable formats named by *prefixes* (all of them when none is named);
    ValueError naming a prefix that is not one."""
    renderable = {f.prefix: f for f in registry.renderable()}
    for prefix in prefixes:
        if prefix not in renderable:
            known = ", ".join(renderable) or "none"
            raise ValueError(f"{prefix!r} is not a format rendered from Dublin Core "
                             f"(those are: {known})")
    return [renderable[p] for p in prefixes] if prefixes else list(renderable.values())


def _own(item: Rebuildable) -> tuple[tuple[DCValue, ...], str | None]:
    """(Dublin Core, own prefix) of *item*. A record harvested before its format had a
    crosswalk was kept verbatim only, with no Dublin Core: its own format is the prefix
    serving the partner's metadata, read into Dublin Core now by its root element."""
    raw = item.origin.raw_metadata if item.origin is not None else None
    own = item.own_prefix or next((p for p, x in item.xml.items() if raw and x == raw), None)
    if item.dc or raw is None:
        return item.dc, own
    try:
        root = etree.fromstring(raw, _PARSER)
        fmt = reader_for(root)
        return (read_dc(fmt, root) if fmt is not None else ()), own
    except (etree.XMLSyntaxError, CrosswalkError):
        return (), own


def redraft(item: Rebuildable, formats: Sequence[MetadataFormat], *,
            missing_only: bool = False) -> RecordDraft | None:
    """The record with *formats* rendered again (with *missing_only*, those it lacks), or
    None when its bytes are already those, or when it has no Dublin Core to render."""
    dc, own = _own(item)
    if not dc:
        return None     # a format with no crosswalk, kept verbatim only: nothing to render
    xml = dict(item.xml)
    for fmt in formats:
        if fmt.prefix != own and not (missing_only and fmt.prefix in xml):
            xml[fmt.prefix] = fmt.serialize(dc)
    if xml == item.xml:
        return None
    return RecordDraft(item.identifier, dc=dc, sets=item.set_specs, disseminations=xml,
                       about=item.about, origin=item.origin, own_format=own)


def rebuild(store: RecordStore, registry: FormatRegistry, prefixes: Sequence[str] = (), *,
            everything: bool = False, page: int = PAGE,
            progress: Callable[[RebuildCounts], None] | None = None) -> RebuildCounts:
    """Render *prefixes* (default: every renderable format) for the stored records."""
    formats = chosen_formats(registry, prefixes)
    lacking = () if everything else tuple(f.prefix for f in formats)
    counts = RebuildCounts()
    while True:
        items = store.database.read(lambda conn: rebuild_page(
            conn, after=counts.last_id, limit=page, lacking=lacking))
        if not items:
            return counts
        drafts = [d for d in (redraft(i, formats, missing_only=not everything) for i in items)
                  if d is not None]
        if drafts:
            with store.writer() as writer:
                writer.put_many(drafts, batch_size=page)
        counts.read += len(items)
        counts.written += len(drafts)
        counts.last_id = items[-1].id
        if progress is not None:
            progress(counts)
