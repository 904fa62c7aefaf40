"""A partner's record -> our RecordDraft: identifier, sets, Dublin Core, formats, provenance.

Identifiers. A harvested record is re-published as
``oai:<our repository identifier>:<source name>:<partner identifier, escaped>``, the partner
identifier escaped like any local id (``oai.ingest.escape_local``: RFC 2396 unreserved and
reserved characters kept, every other byte ``%XX``). That is deterministic (harvesting again
finds the same record), a valid oai-identifier (oai-identifier.xsd allows ``:`` in the local
part), unique across partners (two partners may use the same identifiers), and readable.

Sets. Every record is in ``partner:<source>``; each partner setSpec ``s`` becomes
``partner:<source>:s`` (a hierarchy under the source's set, OAI-PMH §2.6). A partner setSpec
that is not a legal setSpec is dropped (the record stays in ``partner:<source>``) and noted.

Metadata. A record's format is what the record is, not what the partner declared: the root
element decides (``schemas.reading.reader_for``). ``<oai_dc:dc>`` is Dublin Core, whatever the
partner's prefix or the namespace its ListMetadataFormats gave, and is read into our Dublin
Core values and rendered again in every format we can render, so the record is served exactly
like our own. A MARCXML, MODS, DataCite or qualified DC record is read into Dublin Core by its
crosswalk, kept verbatim as its own format (``RecordDraft.own_format``) under the prefix we
chose for it (``choose_prefix``), and served in every other format we render through that
Dublin Core. Any other format has no crosswalk and is kept and served verbatim only; a record
a crosswalk refuses is set aside with the reason. A record sent in another namespace than
the source's format says so (``Mapped.sent_namespace``), so that the run reports the mismatch
once. Either way the partner's ``<metadata>`` child is kept verbatim in the origin, so a
crosswalk can be re-run without harvesting again.

Two formats of one partner, one record. A format with no crosswalk (arXiv, DIF) is harvested
together with the partner's oai_dc for the same records (``Companion``): each pass merges
into what the other stored (``RecordMapper.stored``), so the record is served verbatim in the
partner's format and in every format rendered from the oai_dc. The origin kept is the one of
the source's own format, whichever pass writes, so that harvesting again changes nothing.

Provenance. The draft's ``about`` is our ``<provenance>`` (``schemas.provenance``), chained onto
the partner's own. ``altered`` is true when we changed what we serve: characters XML forbids
were removed, or oai_dc children that are not Simple Dublin Core were left out.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Container, Literal, Sequence

from lxml import etree

from oai.harvest.models import HarvestedRecord, SetAside
from oai.identity import escape_local
from schemas.base import FormatRegistry, MetadataFormat
from schemas.oai_dc import OAI_DC, OAI_DC_NS, read_dc
from schemas.provenance import PROVENANCE_NS
from schemas.provenance import render as render_provenance
from schemas.reading import has_crosswalk, reader_for
from schemas.reading import read_dc as crosswalk_dc
from schemas.rendering import Job, Renderer
from schemas.xwalk_values import CrosswalkError
from store.reads.records import Rebuildable
from store.record_types import DCValue, Origin, RecordDraft
from store.syntax import is_setspec

# A pass of a source harvested in two formats: its own one (no crosswalk), or the oai_dc.
Companion = Literal["own", "oai_dc"]

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
DC_ROOT = f"{{{OAI_DC_NS}}}dc"     # what makes a record Dublin Core (OAI-PMH §3.4)


def partner_set(source: str, spec: str | None = None) -> str:
    """Our setSpec for the partner's set *spec*, or the set of the whole source."""
    return f"partner:{source}" if spec is None else f"partner:{source}:{spec}"


def our_identifier(repository_identifier: str, source: str, partner_identifier: str) -> str:
    return f"oai:{repository_identifier}:{source}:{escape_local(partner_identifier)}"


def find_provenance(abouts: Sequence[bytes]) -> bytes | None:
    """The partner's ``<provenance>`` among a record's about payloads, verbatim."""
    for about in abouts:
        try:
            root = etree.fromstring(about, _SAFE_PARSER)
        except etree.XMLSyntaxError:
            continue
        if root.tag == f"{{{PROVENANCE_NS}}}provenance":
            return about
    return None


@dataclass(frozen=True)
class Target:
    """How one source's records are stored.

    ``verbatim_prefix`` is None for oai_dc (parsed, then rendered in every ``renderable``
    format); otherwise the records are served again, as sent, under that prefix, and when
    the format has a crosswalk to Dublin Core (``crosswalk``) in every renderable format too.
    """

    partner_prefix: str
    namespace: str
    verbatim_prefix: str | None
    renderable: tuple[MetadataFormat, ...]
    crosswalk: bool = True

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The prefixes a record of this source is served in (a tombstone: deleted in)."""
        rendered = tuple(f.prefix for f in self.renderable) if self.crosswalk else ()
        if self.verbatim_prefix is not None and self.verbatim_prefix not in rendered:
            return (*rendered, self.verbatim_prefix)
        return rendered


def target_for(prefix: str, namespace: str, verbatim_prefix: str | None,
               renderable: Sequence[MetadataFormat]) -> Target:
    parsed = namespace == OAI_DC_NS
    return Target(prefix, namespace, None if parsed else verbatim_prefix, tuple(renderable),
                  crosswalk=has_crosswalk(namespace))


@dataclass
class Mapped:
    """The outcome of one record: a draft, or the reason it was set aside; and notes."""

    draft: RecordDraft | None = None
    aside: SetAside | None = None
    notes: tuple[str, ...] = ()
    sent_namespace: str | None = None   # set when not the source's format's namespace


@dataclass(frozen=True)
class _Pending:
    """A record read, waiting for its renderings (``job``; None: none) and the store."""

    ident: str
    dc: tuple[DCValue, ...]
    sets: tuple[str, ...]
    origin: Origin
    notes: tuple[str, ...]
    mismatch: str | None
    own: str | None
    metadata: bytes
    job: Job


class RecordMapper:
    """Turns one source's harvested records into drafts (pure apart from *sets_of*)."""

    def __init__(self, *, source: str, base_url: str, repository_identifier: str,
                 target: Target, fallback_date: str,
                 sets_of: Callable[[str], tuple[str, ...] | None] = lambda ident: None,
                 companion: Companion | None = None, own_prefix: str | None = None,
                 stored: Callable[[str], Rebuildable | None] = lambda ident: None,
                 renderer: Renderer | None = None) -> None:
        self.source = source
        self.base_url = base_url
        self.repository_identifier = repository_identifier
        self.target = target
        self.fallback_date = fallback_date   # a valid UTC datestamp for unusable partner dates
        self.sets_of = sets_of               # a record's current sets in our store, if any
        self.companion = companion           # which pass of a two-format source, if one
        self.own_prefix = own_prefix         # that source's own (verbatim) prefix
        self.stored = stored                 # a live record as stored, to merge into
        # The run's renderer (its workers shared by every pass), else one of our own.
        self.renderer = renderer or Renderer(FormatRegistry(target.renderable), processes=0)

    def identifier(self, partner_identifier: str) -> str:
        return our_identifier(self.repository_identifier, self.source, partner_identifier)

    def _sets(self, specs: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        kept, notes = [partner_set(self.source)], []
        for spec in specs:
            ours = partner_set(self.source, spec)
            if is_setspec(ours):
                kept.append(ours)
            else:
                notes.append(f"setSpec {spec!r} is not a legal setSpec; left out")
        return tuple(kept), tuple(notes)

    def map(self, record: HarvestedRecord, *, harvest_date: str, repaired: bool) -> Mapped:
        return self.begin([record], harvest_date=harvest_date,
                          repaired={record.identifier} if repaired else ())()[0]

    def begin(self, records: Sequence[HarvestedRecord], *, harvest_date: str,
              repaired: Container[str] = ()) -> Callable[[], list[Mapped]]:
        """Begin mapping a page (``repaired``: identifiers the client repaired): its records
        are read now, their renderings handed to the renderer (whose workers make them
        meanwhile); the function returned ends the mapping. What reads the store (a deleted
        record's sets, a two-format source's other half) waits for that call, so a page begun
        while the one before it is written sees that page written."""
        read = [self._read(r, harvest_date, r.identifier in repaired) for r in records]
        pending = [r for r in read if isinstance(r, _Pending)]
        made = self.renderer.submit([p.job for p in pending])

        def end() -> list[Mapped]:
            renderings = iter(made())
            return [self._finish(r, next(renderings)) if isinstance(r, _Pending)
                    else r() if callable(r) else r for r in read]
        return end

    def _finish(self, p: _Pending, xml: dict[str, bytes]) -> Mapped:
        xml = xml if p.own is None else {**xml, p.own: p.metadata}   # served as it came
        return self._done(p.ident, p.dc, p.sets, xml, p.origin, p.notes, p.mismatch, own=p.own)

    def _tombstone(self, ident: str, specs: Sequence[str], sets: tuple[str, ...],
                   origin: Origin, notes: tuple[str, ...]) -> Mapped:
        if self.companion == "oai_dc":
            return Mapped(notes=notes)   # the own format's pass announces deletions
        if not specs:   # DSpace lists none: keep ours, so set harvests see it (§2.5.1, §2.6)
            sets = self.sets_of(ident) or sets
        prefixes = self.target.prefixes
        if self.companion == "own":      # ... in the formats the oai_dc pass serves too
            prefixes = (*prefixes, *(f.prefix for f in self.target.renderable))
        # §2.5.1: the tombstone is announced in every format the record is served in.
        return Mapped(RecordDraft(ident, sets=sets, deleted=True, origin=origin,
                                  disseminations={p: b"" for p in prefixes}), notes=notes)

    def _read(self, record: HarvestedRecord, harvest_date: str, repaired: bool
              ) -> Mapped | _Pending | Callable[[], Mapped]:
        """The record read: an outcome, or what is left to do once rendered (or, for a
        deletion, once the store can be read)."""
        header = record.header
        ident = self.identifier(header.identifier)
        sets, notes = self._sets(header.set_specs)
        origin = Origin(source=self.source, base_url=self.base_url,
                        identifier=header.identifier, datestamp=header.datestamp,
                        metadata_namespace=record.metadata_namespace or self.target.namespace,
                        harvest_date=harvest_date, altered=repaired,
                        raw_metadata=record.metadata,
                        about=None if header.deleted else find_provenance(record.about))
        if header.deleted:
            return partial(self._tombstone, ident, header.set_specs, sets, origin, notes)
        if record.metadata is None:
            return Mapped(aside=SetAside(header.identifier, "the record has no metadata",
                                         header.datestamp), notes=notes)
        sent = record.metadata_namespace or ""
        mismatch = sent if sent != self.target.namespace else None
        verbatim = self.target.verbatim_prefix
        try:
            root = etree.fromstring(record.metadata, _SAFE_PARSER)
        except etree.XMLSyntaxError as exc:
            if verbatim is not None and sent != OAI_DC_NS:
                # Not ours to read: kept and served as sent, as a verbatim format always was.
                return _Pending(ident, (), sets, origin, notes, mismatch, verbatim,
                                record.metadata, None)
            return Mapped(aside=SetAside(header.identifier, f"unreadable metadata: {exc}",
                                         header.datestamp), notes=notes,
                          sent_namespace=mismatch)
        fmt = reader_for(root)
        if fmt is None and verbatim is not None:
            # No crosswalk (arXiv, DIF, ...; or the oai_dc namespace but not <oai_dc:dc>).
            return _Pending(ident, (), sets, origin, notes, mismatch, verbatim, record.metadata,
                            None)
        own: str | None = None
        if fmt is None or fmt is OAI_DC:
            dc, unknown = read_dc(root)
            if unknown:
                notes += (f"left out elements that are not Simple Dublin Core: "
                          f"{', '.join(sorted(set(unknown)))}",)
                origin = replace(origin, altered=True)
        else:
            try:
                dc = crosswalk_dc(fmt, root)
            except CrosswalkError as exc:
                return Mapped(aside=SetAside(header.identifier, f"the {fmt.prefix} record "
                                             f"cannot be read: {exc}", header.datestamp),
                              notes=notes, sent_namespace=mismatch)
            # Its own format is served as it came; a format we serve under our own prefix
            # is kept as such even when the partner's source was declared as another.
            own = verbatim if verbatim is not None else (
                fmt.prefix if fmt.render is not None else None)
        return _Pending(ident, dc, sets, origin, notes, mismatch, own, record.metadata,
                        ([f.prefix for f in self.target.renderable if f.prefix != own], dc))

    def _merged(self, ident: str, dc: tuple[DCValue, ...], disseminations: dict[str, bytes],
                origin: Origin, own: str | None
                ) -> tuple[tuple[DCValue, ...], dict[str, bytes], Origin, str | None]:
        """A two-format source: this pass's formats over what the other pass stored."""
        mine = self.own_prefix
        current = self.stored(ident) if mine is not None else None
        if current is None or mine is None:
            return dc, disseminations, origin, own
        if self.companion == "own" and own == mine:
            # Keep the Dublin Core (and its renderings) the oai_dc pass stored.
            kept = {p: x for p, x in current.xml.items() if p != mine}
            return current.dc, {**kept, mine: disseminations[mine]}, origin, mine
        if self.companion == "oai_dc" and mine in current.xml:
            # Keep the record in its own format, and that format's origin.
            keep_origin = current.origin if current.origin is not None else origin
            return dc, {**disseminations, mine: current.xml[mine]}, keep_origin, mine
        return dc, disseminations, origin, own

    def _done(self, ident: str, dc: tuple[DCValue, ...], sets: tuple[str, ...],
              disseminations: dict[str, bytes], origin: Origin, notes: tuple[str, ...],
              mismatch: str | None, *, own: str | None = None) -> Mapped:
        if self.companion is not None:
            dc, disseminations, origin, own = self._merged(ident, dc, disseminations, origin,
                                                           own)
        about = render_provenance(origin, fallback_date=self.fallback_date)
        return Mapped(RecordDraft(ident, dc=dc, sets=sets, disseminations=disseminations,
                                  about=about, origin=origin, own_format=own), notes=notes,
                      sent_namespace=mismatch)
