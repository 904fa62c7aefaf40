"""A harvest stopped at any moment resumes from its last committed page: a crash mid-run,
Ctrl-C, and kill -9 of the real command at random moments all end with the store an
uninterrupted harvest gives - same identifiers and content, no duplicates."""
from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

import oai.harvest.walk as walk_module
from oai.harvest.progress import Tracker
from store import RecordStore
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.conftest import OURS, all_rows, snapshot

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """Stands for the process dying: nothing in the harvester catches it."""


def cli_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(OAI_DATABASE_URL=database_url, OAI_REPOSITORY_IDENTIFIER=OURS,
               OAI_ADMIN_EMAIL="harvest-admin@library.example", NO_PROXY="127.0.0.1")
    return env


def reference(tmp_path, base_url: str, run_harvest, sets=()) -> dict:
    """The store an uninterrupted harvest of the partner gives."""
    ref = RecordStore(f"sqlite:///{tmp_path / 'reference.db'}")
    ref.upgrade()
    ref.harvest.add_source("fake", base_url, sets=sets)
    assert run_harvest(ref, "fake").status == "success"
    try:
        return snapshot(ref)
    finally:
        ref.close()


def assert_no_duplicates(store) -> None:
    ids = [row.identifier for row in all_rows(store)]
    assert len(ids) == len(set(ids))


@pytest.fixture
def partner():
    """Two records a page: set "a" takes 4 pages, set "c" 2."""
    fake = FakePartner(make_records(10), page_size=2).start()
    yield fake
    fake.stop()


def test_a_crash_resumes_from_the_last_committed_page(
        store, partner, run_harvest, monkeypatch, tmp_path):
    store.harvest.add_source("fake", partner.base_url, sets=("a", "c"))
    real_commit, commits = walk_module.commit, []

    def crashing(ctx, state, page, mapping=None):
        if len(commits) == 5:      # die after list "a" and the first page of list "c"
            raise Crash()
        commits.append(page.number)
        return real_commit(ctx, state, page, mapping)

    monkeypatch.setattr(walk_module, "commit", crashing)
    with pytest.raises(Crash):
        run_harvest(store, "fake")
    monkeypatch.setattr(walk_module, "commit", real_commit)
    crashed = store.harvest.runs("fake", limit=1)[0]
    assert (crashed.status, crashed.pages) == ("running", 5)
    seen = len(partner.requests)

    report = run_harvest(store, "fake")
    assert (report.status, report.resumed, report.mode) == ("success", True, "full")
    again = [r.params for r in partner.requests[seen:]
             if r.params.get("verb") == "ListRecords"]
    # Set "a" is not asked again; set "c" goes on with the checkpointed token.
    assert again and all("resumptionToken" in p for p in again)
    assert store.harvest.runs("fake", limit=2)[1].status == "interrupted"
    # The watermark is the crashed run's first response: the lists finished before the
    # crash cover the partner's changes up to then only.
    assert store.harvest.get_source("fake").watermark == crashed.first_response_date
    assert snapshot(store) == reference(tmp_path, partner.base_url, run_harvest, ("a", "c"))
    assert_no_duplicates(store)


class StopAfter(Tracker):
    def __init__(self, source: str, stop: threading.Event, pages: int) -> None:
        super().__init__(source)
        self.stop, self.after = stop, pages

    def show(self, page) -> None:
        if self.pages >= self.after:
            self.stop.set()


def test_ctrl_c_stops_at_a_page_boundary_and_the_next_run_resumes(
        store, partner, make_client, tmp_path, run_harvest):
    from oai.harvest.plan import HarvestOptions
    from oai.harvest.run import harvest
    from schemas import default_registry

    source = store.harvest.add_source("fake", partner.base_url)
    stop = threading.Event()
    report = harvest(source, store=store, client=make_client(partner),
                     registry=default_registry(), repository_identifier=OURS,
                     options=HarvestOptions(stop=stop), progress=StopAfter("fake", stop, 2))
    assert (report.status, report.exit_code, report.pages, report.records) == \
        ("interrupted", 130, 2, 4)
    assert store.harvest.get_source("fake").watermark is None
    resumed = run_harvest(store, "fake")
    assert (resumed.status, resumed.resumed, resumed.pages, resumed.records) == \
        ("success", True, 3, 6)
    assert snapshot(store) == reference(tmp_path, partner.base_url, run_harvest)


def test_kill_9_at_random_moments_then_the_same_store(store_url, tmp_path, run_harvest):
    """The real command, killed with SIGKILL at random moments until a run completes."""
    rng = random.Random(20240301)
    fake = FakePartner(make_records(40, step=timedelta(hours=1)), page_size=2).start()
    fake.fault("slow", times=0, seconds=0.2)   # a whole run takes at least 20 x 0.2 s
    try:
        store = RecordStore(store_url)
        store.upgrade()
        store.harvest.add_source("fake", fake.base_url)
        kills, outcome = 0, None
        for _ in range(16):
            # Kill at least four times, and until a killed run had committed pages (on a
            # loaded machine the first kills may all land before the first page): each
            # kill without progress waits a little longer, never as long as a whole run.
            progressed = sum(r.pages for r in store.harvest.runs("fake", limit=50)) > 0
            wait = rng.uniform(0.4, 1.8) * (1 if progressed else min(1 + kills / 4, 2))
            proc = subprocess.Popen([sys.executable, "harvest_cli.py", "harvest", "fake"],
                                    cwd=ROOT, env=cli_env(store_url), stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
            try:
                outcome = proc.wait(timeout=wait if kills < 4 or not progressed else 120)
            except subprocess.TimeoutExpired:
                proc.kill()                       # SIGKILL: no cleanup of any kind
                proc.wait()
                kills += 1
                continue
            finally:
                proc.stdout.close()
            break
        assert outcome == 0, "the harvest never completed"
        assert kills >= 2     # the first run alone needs more than the longest wait
        runs = store.harvest.runs("fake", limit=50)
        assert runs[0].status == "success"
        assert {r.status for r in runs[1:]} <= {"interrupted"}
        assert sum(r.pages for r in runs[1:]) > 0, "no kill came in the middle of a list"
        assert snapshot(store) == reference(tmp_path, fake.base_url, run_harvest)
        assert_no_duplicates(store)
        assert len(all_rows(store)) == 40
        store.close()
    finally:
        fake.stop()


class CtrlC(Tracker):
    def show(self, page) -> None:
        if self.pages == 3:
            raise KeyboardInterrupt


def test_keyboard_interrupt_closes_the_run_then_propagates(store, partner, make_client,
                                                             tmp_path, run_harvest):
    from oai.harvest.run import harvest
    from schemas import default_registry

    source = store.harvest.add_source("fake", partner.base_url)
    with pytest.raises(KeyboardInterrupt):
        harvest(source, store=store, client=make_client(partner), registry=default_registry(),
                repository_identifier=OURS, progress=CtrlC("fake"))
    run = store.harvest.runs("fake", limit=1)[0]
    assert (run.status, run.pages, run.added) == ("interrupted", 3, 5)
    resumed = run_harvest(store, "fake")
    assert (resumed.status, resumed.resumed, resumed.pages) == ("success", True, 2)
    assert snapshot(store) == reference(tmp_path, partner.base_url, run_harvest)
