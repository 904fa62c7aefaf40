"""What a partner says about itself before the lists: its format and its sets, kept so that
our endpoint serves them.

``target``: the partner format of the source (ListMetadataFormats) decides how its records
are kept (``mapping.Target``). The prefix ``oai_dc`` always means the spec's oai_dc (OAI-PMH
§3.4), whatever namespace the partner declares for it (a declaration that differs is a
warning); its records are read into Dublin Core. Any other format is served again verbatim
under a prefix of ours: the prefix we already serve that namespace under, else the partner's
prefix when it is free, else ``<prefix>-<source>`` (two partners may use one prefix for
different formats), recorded with ``put_format``.

``publish_sets``: ``partner:<source>`` named after the partner's repositoryName, and each
partner set as ``partner:<source>:<spec>`` with the partner's setName (OAI-PMH §4.6).

An answer that cannot be read is done without, as ``policy.classify`` decides
(``Step.DESCRIBE``): sets are then named after their setSpec.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from oai.harvest.client import OAIClient
from oai.harvest.errors import HarvestError
from oai.harvest.mapping import Companion, Target, partner_set, target_for
from oai.harvest.models import FormatInfo, PartnerIdentity
from oai.harvest.policy import Action, Situation, Step
from schemas.base import FormatRegistry
from schemas.oai_dc import OAI_DC_NS, OAI_DC_SCHEMA
from store.harvest_types import Source
from store.record_types import SetInfo
from store.syntax import is_setspec

if TYPE_CHECKING:
    from store import RecordStore
    from store.harvest_state import HarvestState


class SourceProblem(HarvestError):
    """The source cannot be harvested as configured (e.g. the partner lacks its format)."""


def _can_do_without(client: OAIClient, exc: HarvestError) -> bool:
    return client.policy.decide(exc, Situation(Step.DESCRIBE)).action is Action.DO_WITHOUT


def choose_prefix(prefix: str, namespace: str, registry: FormatRegistry,
                  learnt: list[tuple[str, str, str]], source: str) -> str:
    """Our metadataPrefix for records the partner sends as *prefix* in *namespace*."""
    known = registry.by_namespace(namespace)
    if known is not None:
        return known.prefix
    for our, ns, _ in learnt:
        if ns == namespace:
            return our
    taken = {f.prefix for f in registry} | {our for our, _, _ in learnt}
    return prefix if prefix not in taken else f"{prefix}-{source}"


_UNREAD = object()   # target(): the partner's formats are not read yet


def source_prefixes(source: Source) -> list[str]:
    """The prefixes a source harvests: its own format first (``sources add --prefix``)."""
    return source.prefix.split()


def target(client: OAIClient, state: HarvestState, source: Source,
           registry: FormatRegistry, prefix: str | None = None,
           offered: list[FormatInfo] | None | object = _UNREAD) -> tuple[Target, list[str]]:
    """(how this source's records in *prefix*, default its first, are kept, warnings); the
    format is recorded for serving when verbatim. A warning says the partner misdescribes its
    format (reported once). *offered*: the partner's ListMetadataFormats, when already read."""
    prefix = prefix or source_prefixes(source)[0]
    if offered is _UNREAD:
        offered = offered_formats(client)
    assert offered is None or isinstance(offered, list)
    info = next((f for f in offered or () if f.prefix == prefix), None)
    warnings = []
    if prefix == "oai_dc":
        # §3.4: the prefix oai_dc always means the spec's oai_dc, whatever is declared.
        namespace, schema = OAI_DC_NS, OAI_DC_SCHEMA
        if info is not None and info.namespace and info.namespace != OAI_DC_NS:
            warnings.append(f"the partner declares oai_dc in namespace {info.namespace!r}, "
                            f"not {OAI_DC_NS!r} (OAI-PMH §3.4); its records are kept by "
                            "what they are")
    elif info is not None and info.namespace:
        namespace, schema = info.namespace, info.schema
    elif offered is None:
        raise SourceProblem(f"{source.base_url}: ListMetadataFormats failed, so the "
                            f"namespace of {prefix!r} is unknown")
    else:
        names = ", ".join(f.prefix for f in offered) or "none"
        raise SourceProblem(f"{source.base_url} does not offer the metadata format "
                            f"{prefix!r} (it offers: {names})")
    renderable = registry.renderable()
    if namespace == OAI_DC_NS:
        return target_for(prefix, namespace, None, renderable), warnings
    ours = choose_prefix(prefix, namespace, registry, state.formats(), source.name)
    if registry.get(ours) is None:
        state.put_format(ours, namespace, schema or namespace)
    return target_for(prefix, namespace, ours, renderable), warnings


def offered_formats(client: OAIClient) -> list[FormatInfo] | None:
    """The partner's ListMetadataFormats, or None when it failed and we can do without."""
    try:
        return client.list_metadata_formats()
    except HarvestError as exc:
        if not _can_do_without(client, exc):
            raise
        return None


def harvest_passes(client: OAIClient, state: HarvestState, source: Source,
                   registry: FormatRegistry,
                   warn: Callable[[str], None]) -> list[tuple[str, Target, Companion | None]]:
    """The source's formats to harvest, in order, each with how its records are kept.
    OAI-PMH §3.4: every record is served in oai_dc. A format with no crosswalk to Dublin
    Core is harvested with the partner's oai_dc for the same records; a partner with no
    oai_dc either is reported (the run's summary, and so ``sources show``)."""
    prefixes = source_prefixes(source)
    offered = offered_formats(client)
    own, warnings = target(client, state, source, registry, prefixes[0], offered)
    for text in warnings:
        warn(text)
    if own.crosswalk:
        for extra in prefixes[1:]:
            warn(f"{extra!r} is not harvested: {prefixes[0]!r} is read into Dublin Core "
                 "already (only oai_dc is taken beside a format without one)")
        return [(prefixes[0], own, None)]
    offers_dc = offered is not None and any(f.prefix == "oai_dc" for f in offered)
    if not offers_dc:
        warn(f"no oai_dc: the partner does not offer oai_dc, and {prefixes[0]!r} has no "
             f"crosswalk to Dublin Core, so its records are served in "
             f"{own.verbatim_prefix!r} only (OAI-PMH §3.4 asks for oai_dc)")
        return [(prefixes[0], own, None)]
    for extra in prefixes[1:]:
        if extra != "oai_dc":
            warn(f"{extra!r} is not harvested: only oai_dc is taken beside {prefixes[0]!r}")
    dc, warnings = target(client, state, source, registry, "oai_dc", offered)
    for text in warnings:
        warn(text)
    return [(prefixes[0], own, "own"), ("oai_dc", dc, "oai_dc")]


def publish_sets(client: OAIClient, store: RecordStore, source: Source,
                 identity: PartnerIdentity) -> list[str]:
    """Name the source's sets after the partner's; returns notes (sets left out, errors)."""
    notes: list[str] = []
    names: dict[str, str] = {}
    try:
        for found in client.list_sets():
            names.setdefault(found.spec, found.name)
    except HarvestError as exc:
        if not _can_do_without(client, exc):
            raise
        notes.append(f"ListSets failed ({exc}); sets are named after their setSpec")
    with store.writer() as w:
        w.put_set(SetInfo("partner", "Harvested from partner repositories"))
        label = identity.repository_name or source.base_url
        w.put_set(SetInfo(partner_set(source.name), f"Harvested from {label}",
                          f"Records harvested from {source.base_url}"))
        for spec, name in names.items():
            ours = partner_set(source.name, spec)
            if is_setspec(ours):
                w.put_set(SetInfo(ours, name or spec))
            else:
                notes.append(f"partner set {spec!r} is not a legal setSpec; left out")
    return notes
