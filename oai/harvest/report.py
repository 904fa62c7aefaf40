"""What a harvest did: the per-source report, its summary line and the CLI's exit codes.

Exit codes (the README and ``oai-harvest harvest --help`` list them):

====  ==========================================================================
0     success: every source harvested (or skipped: another process holds it), perhaps
      with a warning on its summary line (an unusable Identify, a misdescribed format)
1     failed: a source could not be harvested (the message says why)
2     usage error (bad option, unknown source)
3     partial: harvested, but some records were set aside (``sources show``)
130   interrupted (Ctrl-C): the next run resumes from the last committed page
====  ==========================================================================

With several sources the worst outcome decides: interrupted, then failed, then partial.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from oai.harvest.models import SetAside
from store.harvest_types import RunMode, RunStatus

EXIT_SUCCESS = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

# The same table for ``oai-harvest harvest --help``.
EXIT_CODES_HELP = """exit codes:
  0    success, perhaps with a warning (a source another process is harvesting is
       skipped, not failed)
  1    failed: a source could not be harvested (the message says why)
  2    usage error
  3    partial: harvested, but records were set aside (see: sources show NAME)
  130  interrupted (Ctrl-C): running the same command again resumes"""

# A report's status is a run's (``RunStatus``), or SKIPPED: no run was made.
SKIPPED = "skipped"
_EXIT = {RunStatus.SUCCESS: EXIT_SUCCESS, SKIPPED: EXIT_SUCCESS, RunStatus.PARTIAL: EXIT_PARTIAL,
         RunStatus.FAILED: EXIT_FAILED, RunStatus.INTERRUPTED: EXIT_INTERRUPTED}
_SEVERITY = {EXIT_SUCCESS: 0, EXIT_PARTIAL: 1, EXIT_FAILED: 2, EXIT_USAGE: 3,
             EXIT_INTERRUPTED: 4}


@dataclass
class HarvestReport:
    """One source's harvest. ``status``: success | partial | failed | interrupted | skipped."""

    source: str
    status: str = RunStatus.RUNNING
    mode: RunMode | None = None
    from_: str | None = None
    until: str | None = None
    run_id: int | None = None
    resumed: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    seconds: float = 0.0
    message: str | None = None
    set_aside: list[SetAside] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Said once per run, on the summary line and in the run's message (``sources show``).
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return _EXIT.get(self.status, EXIT_FAILED)

    @property
    def records(self) -> int:
        return self.added + self.updated + self.unchanged + self.deleted

    def add(self, added: int = 0, updated: int = 0, unchanged: int = 0,
            deleted: int = 0) -> None:
        self.added += added
        self.updated += updated
        self.unchanged += unchanged
        self.deleted += deleted

    def window(self) -> str:
        if self.mode is None:
            return ""
        bounds = [f"from {self.from_}" if self.from_ else "",
                  f"until {self.until}" if self.until else ""]
        text = " ".join(b for b in [self.mode, *bounds] if b)
        return f"{text}, resumed" if self.resumed else text

    def summary(self) -> str:
        """One line: the outcome, the counts, pages and time (and why, when it failed)."""
        if self.status == SKIPPED:
            return f"{self.source}: skipped: {self.message}"
        head = f"{self.source}: {self.status}"
        if self.window():
            head += f" ({self.window()})"
        line = (f"{head}: {self.added} added, {self.updated} updated, {self.unchanged} "
                f"unchanged, {self.deleted} deleted, {len(self.set_aside)} set aside; "
                f"{self.pages} pages in {self.seconds:.1f} s")
        if self.message:   # why it failed, or a success's warnings
            line += f" - {self.message}"
        return line

    def lines(self, limit: int = 10) -> list[str]:
        """The summary, then up to *limit* set-aside records (``sources show`` has all)."""
        out = [self.summary()]
        out += [f"  set aside {item.identifier or '(no identifier)'}: {item.reason}"
                for item in self.set_aside[:limit]]
        if len(self.set_aside) > limit:
            out.append(f"  ... and {len(self.set_aside) - limit} more "
                       f"(sources show {self.source})")
        return out


def combined_exit(codes: list[int]) -> int:
    """The exit code of several sources: the most serious one."""
    return max(codes, key=lambda code: _SEVERITY.get(code, 2), default=EXIT_SUCCESS)
