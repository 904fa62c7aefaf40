"""The pure parts around a run: planning windows, list restarts, reports and exit codes,
progress output, one-off source names and the learnt-format registry."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from oai.datestamps import Granularity
from oai.harvest.models import HarvestedRecord, Header, Page, ResumptionInfo
from oai.harvest.plan import HarvestOptions, plan
from oai.harvest.progress import Progress
from oai.harvest.report import HarvestReport, combined_exit
from oai.harvest.sources import name_for
from oai.harvest.walk import ListState
from schemas import default_registry
from schemas.learnt import LearntFormats

SECONDS, DAY = Granularity.SECONDS, Granularity.DAY


@pytest.mark.parametrize("watermark, options, gran, expected", [
    (None, HarvestOptions(), SECONDS, ("full", None, None)),
    ("2024-05-10T03:00:00Z", HarvestOptions(), SECONDS,
     ("incremental", "2024-05-10T02:00:00Z", None)),
    ("2024-05-10T03:00:00Z", HarvestOptions(), DAY, ("incremental", "2024-05-09", None)),
    ("2024-05-10T03:00:00.5+02:00", HarvestOptions(overlap=timedelta(0)), SECONDS,
     ("incremental", "2024-05-10T01:00:00Z", None)),
    ("2024-05-10T03:00:00Z", HarvestOptions(full=True), SECONDS, ("full", None, None)),
    ("2024-05-10T03:00:00Z", HarvestOptions(from_="2024-01-01T10:00:00Z"), DAY,
     ("range", "2024-01-01", None)),
    (None, HarvestOptions(until="2024-02-01"), SECONDS, ("range", None, "2024-02-01T00:00:00Z")),
    ("not a date", HarvestOptions(), SECONDS, ("full", None, None)),
])
def test_the_window_of_a_harvest(watermark, options, gran, expected):
    chosen = plan(watermark, options, gran)
    assert (chosen.mode, chosen.from_, chosen.until) == expected
    assert (chosen.note is not None) == (watermark == "not a date")


@pytest.mark.parametrize("kwargs, message", [
    ({"from_": "soon"}, "unreadable datestamp"),
    ({"full": True, "from_": "2024-01-01"}, "--full cannot be combined"),
    ({"overlap": timedelta(seconds=-1)}, "must not be negative"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HarvestOptions(**kwargs)


def page(*stamps: str, token: str | None = "t") -> Page:
    records = tuple(HarvestedRecord(Header(f"oai:p:{i}", s)) for i, s in enumerate(stamps))
    return Page("ListRecords", "u", 1, "", records, next_token=token)


def test_a_restart_starts_at_the_last_datestamp_only_while_the_order_holds():
    state = ListState("", "ListRecords", "oai_dc", None, "2024-01-01", None)
    state = state.after(page("2024-01-02T00:00:00Z", "2024-01-03T00:00:00.5Z"))
    assert (state.last_datestamp, state.ordered, state.pages, state.records) == \
        ("2024-01-03T00:00:00.5Z", True, 1, 2)
    again = state.restart("ListRecords")
    assert (again.from_, again.token, again.last_datestamp) == ("2024-01-03T00:00:00.5Z", None,
                                                               None)
    unordered = state.after(page("2024-01-02T12:00:00Z"))
    assert not unordered.ordered and unordered.last_datestamp == "2024-01-03T00:00:00.5Z"
    assert unordered.restart("ListIdentifiers").from_ == "2024-01-01"   # the list's own from
    assert unordered.restart("ListIdentifiers").verb == "ListIdentifiers"


def test_summaries_and_exit_codes():
    report = HarvestReport("p", status="partial", mode="incremental", from_="2024-01-01",
                           added=2, unchanged=1, pages=3, seconds=1.25, message="m")
    assert report.summary() == ("p: partial (incremental from 2024-01-01): 2 added, 0 updated, "
                                "1 unchanged, 0 deleted, 0 set aside; 3 pages in 1.2 s - m")
    assert report.exit_code == 3
    skipped = HarvestReport("q", status="skipped", message="held elsewhere")
    assert (skipped.summary(), skipped.exit_code) == ("q: skipped: held elsewhere", 0)
    assert combined_exit([0, 3, 0]) == 3 and combined_exit([3, 1]) == 1
    assert combined_exit([1, 130]) == 130 and combined_exit([]) == 0


def test_progress_lines_are_throttled_but_notes_and_the_end_always_shown():
    out = io.StringIO()
    tracker = Progress("lines", out, every=3600).track("p")
    info = ResumptionInfo("t", 0, 9)
    tracker.page(Page("ListRecords", "u", 1, "", page("a", "b", "c").records, info, next_token="t"))
    tracker.page(Page("ListRecords", "u", 2, "", page("d").records, info, next_token="t"))
    tracker.note("removed a character")
    tracker.page(Page("ListRecords", "u", 3, "", page("e").records, info, next_token=None))
    lines = out.getvalue().splitlines()
    assert len(lines) == 3     # page 2 came too soon after page 1
    assert lines[0].startswith("p: page 1: 3 records of about 9 (")
    assert lines[1] == "p: removed a character"
    assert lines[2].startswith("p: page 3: 5 records (")


def test_a_terminal_gets_a_bar_with_a_total():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    progress = Progress.for_stream(Tty())
    assert progress.kind == "bar"
    tracker = progress.track("p")
    tracker.page(Page("ListRecords", "u", 1, "", page("a", "b").records, ResumptionInfo("t", 0, 8),
                      next_token="t"))
    assert tracker.bar.total == 8 and tracker.bar.n == 2
    tracker.close()
    assert Progress.for_stream(io.StringIO()).kind == "lines"


def test_one_off_sources_are_named_after_the_host():
    assert name_for("https://export.arxiv.org/oai2", set()) == "export.arxiv.org"
    assert name_for("http://127.0.0.1:8080/oai", set()) == "127.0.0.1-8080"
    assert name_for("http://h.example/oai", {"h.example", "h.example-2"}) == "h.example-3"


def test_learnt_formats_are_served_after_the_builtin_ones_and_cached():
    calls, now = [], [0.0]
    learnt = [("simple", "urn:simple", "urn:simple.xsd"), ("oai_dc", "urn:other", "x"),
              ("all", "urn:all", "x")]

    def read():
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database gone")
        return list(learnt)

    reg = LearntFormats(default_registry(), read, ttl=5.0, clock=lambda: now[0])
    assert [f.prefix for f in reg] == ["oai_dc", "marc21", "mods", "simple"]
    assert reg.get("oai_dc").namespace == "http://www.openarchives.org/OAI/2.0/oai_dc/"
    assert "simple" in reg and reg.get("simple").render is None
    assert [f.prefix for f in reg.renderable()] == ["oai_dc", "marc21", "mods"]
    assert len(calls) == 1                      # cached for ttl seconds
    learnt.append(("marc", "urn:marc", "urn:marc.xsd"))
    now[0] = 6.0
    assert reg.by_namespace("urn:marc").prefix == "marc" and len(calls) == 2
    now[0] = 12.0
    assert "marc" in reg and len(calls) == 3    # reading failed: the last list is kept
