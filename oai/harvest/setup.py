"""Before the lists of a run: what to continue, how to keep the partner's format, its sets.

``chain_of``: the source's unfinished harvest. Checkpoints are kept per source and list (one
row each) and stay when a run is killed, interrupted or fails; the runs since the last
successful one that asked for the same selection form a chain, and their checkpoints together
say where each list stands. The chain's oldest first responseDate is the watermark-to-be: the
lists finished in its first session only cover the partner's changes up to then.

``target``: the partner format of the source (ListMetadataFormats). oai_dc is parsed into
Dublin Core; any other format is served again verbatim under a prefix of ours:
the prefix we already serve that namespace under, else the partner's prefix when it is free,
else ``<prefix>-<source>`` (two partners may use one prefix for different formats).

``publish_sets``: ``partner:<source>`` named after the partner's repositoryName, and each
partner set as ``partner:<source>:<spec>`` with the partner's setName (OAI-PMH §4.6).
"""
from __future__ import annotations

from typing import Any

from oai.harvest.client import OAIClient
from oai.harvest.errors import BrokenPage, HarvestError, NotOAIResponse, PartnerError
from oai.harvest.mapping import Target, partner_set, target_for
from oai.harvest.models import PartnerIdentity
from schemas.base import FormatRegistry
from schemas.oai_dc import OAI_DC_NS, OAI_DC_SCHEMA
from store.types import Checkpoint, RunInfo, SetInfo, Source, is_valid_setspec

_OPEN = ("running", "interrupted", "failed")


class SourceProblem(HarvestError):
    """The source cannot be harvested as configured (e.g. the partner lacks its format)."""


def chain_of(state: Any, name: str, depth: int = 50) -> tuple[list[RunInfo], dict[str, Checkpoint]]:
    """(runs newest first, checkpoints by list key) of the source's unfinished harvest;
    ([], {}) when its last run ended well or left no checkpoint."""
    chain: list[RunInfo] = []
    for run in state.runs(name, limit=depth):
        if run.status not in _OPEN:
            break
        if chain and (run.mode, run.from_, run.until) != (chain[0].mode, chain[0].from_,
                                                         chain[0].until):
            break
        chain.append(run)
    checkpoints: dict[str, Checkpoint] = {}
    for run in chain:                      # newest first: a list's newest checkpoint wins
        for cp in state.checkpoints(run.id):
            checkpoints.setdefault(cp.list_key, cp)
    if not checkpoints:
        return [], {}
    return chain, checkpoints


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


def target(client: OAIClient, state: Any, source: Source,
           registry: FormatRegistry) -> tuple[Target, list[str]]:
    """(how this source's records are kept, warnings); the format is recorded for serving
    when verbatim. A warning says the partner misdescribes its format (reported once)."""
    try:
        offered = client.list_metadata_formats()
    except (PartnerError, BrokenPage, NotOAIResponse):
        offered = None
    info = next((f for f in offered or () if f.prefix == source.prefix), None)
    warnings = []
    if source.prefix == "oai_dc":
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
                            f"namespace of {source.prefix!r} is unknown")
    else:
        names = ", ".join(f.prefix for f in offered) or "none"
        raise SourceProblem(f"{source.base_url} does not offer the metadata format "
                            f"{source.prefix!r} (it offers: {names})")
    renderable = registry.renderable()
    if namespace == OAI_DC_NS:
        return target_for(source.prefix, namespace, None, renderable), warnings
    ours = choose_prefix(source.prefix, namespace, registry, state.formats(), source.name)
    if registry.get(ours) is None:
        state.put_format(ours, namespace, schema or namespace)
    return target_for(source.prefix, namespace, ours, renderable), warnings


def publish_sets(client: OAIClient, store: Any, source: Source,
                 identity: PartnerIdentity) -> list[str]:
    """Name the source's sets after the partner's; returns notes (sets left out, errors)."""
    notes: list[str] = []
    names: dict[str, str] = {}
    try:
        for found in client.list_sets():
            names.setdefault(found.spec, found.name)
    except (PartnerError, BrokenPage, NotOAIResponse) as exc:
        notes.append(f"ListSets failed ({exc}); sets are named after their setSpec")
    with store.writer() as w:
        w.put_set(SetInfo("partner", "Harvested from partner repositories"))
        label = identity.repository_name or source.base_url
        w.put_set(SetInfo(partner_set(source.name), f"Harvested from {label}",
                          f"Records harvested from {source.base_url}"))
        for spec, name in names.items():
            ours = partner_set(source.name, spec)
            if is_valid_setspec(ours):
                w.put_set(SetInfo(ours, name or spec))
            else:
                notes.append(f"partner set {spec!r} is not a legal setSpec; left out")
    return notes
