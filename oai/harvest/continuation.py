"""An unfinished harvest, continued: which runs form it, and where each of its lists stands.

Checkpoints are kept per source and list (one row each) and stay when a run is killed,
interrupted or fails; the runs since the last successful one that asked for the same
selection form a chain, and their checkpoints together say where each list stands. The
chain's oldest first responseDate is the watermark-to-be: the lists finished in its first
session only cover the partner's changes up to then.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from store.harvest_types import Checkpoint, RunInfo, RunStatus

if TYPE_CHECKING:
    from store.harvest_state import HarvestState

# A run in one of these left its harvest unfinished: the next run continues it.
OPEN = (RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.FAILED)


def chain_of(state: HarvestState, name: str,
             depth: int = 50) -> tuple[list[RunInfo], dict[str, Checkpoint]]:
    """(runs newest first, checkpoints by list key) of the source's unfinished harvest;
    ([], {}) when its last run ended well or left no checkpoint."""
    chain: list[RunInfo] = []
    for run in state.runs(name, limit=depth):
        if run.status not in OPEN:
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


def first_response(chain: list[RunInfo]) -> str | None:
    """The chain's oldest first responseDate (see the module docstring)."""
    return next((r.first_response_date for r in reversed(chain) if r.first_response_date),
                None)
