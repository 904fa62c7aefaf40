"""Harvest workers share one store: two ``harvest --all`` processes started at once divide the
sources between them through the claims (a row lock taken with SKIP LOCKED on PostgreSQL, a
lease on SQLite), and every source is harvested exactly once.
"""
from __future__ import annotations

import subprocess
import sys

from oai.harvest.run import harvest, newest_run
from schemas import default_registry
from store import RecordStore
from tests.harvest.fakecatalogue import make_records
from tests.harvest_run.conftest import OURS, all_rows
from tests.harvest_run.test_cli_harvest import partners  # noqa: F401 - a fixture
from tests.harvest_run.test_resume import ROOT, cli_env

SOURCES = 6
# Taken by the other process: while it still holds the source, or once it has finished.
SKIPPED = {"skipped: another process is harvesting this source right now",
           "skipped: another process harvested this source after this command began"}


def test_two_harvest_all_processes_harvest_each_source_once(store_url, partners):  # noqa: F811
    store = RecordStore(store_url)
    store.upgrade()
    names = [f"p{k}" for k in range(SOURCES)]
    try:
        for name in names:
            fake = partners()
            # Slow answers, so that the two processes' harvests overlap.
            fake.fault("slow", times=0, seconds=0.2)
            store.harvest.add_source(name, fake.base_url)
        command = [sys.executable, "harvest_cli.py", "harvest", "--all"]
        workers = [subprocess.Popen(command, cwd=ROOT, env=cli_env(store_url),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(2)]
        outputs = [worker.communicate(timeout=120) for worker in workers]
        harvested: list[set[str]] = []
        for worker, (out, err) in zip(workers, outputs, strict=True):
            assert worker.returncode == 0, err
            done, skipped = set(), set()
            for line in out.splitlines():
                name, _, said = line.partition(": ")
                if said in SKIPPED:
                    skipped.add(name)
                else:
                    assert said.startswith("success (full): 8 added, 0 updated, 0 unchanged, "
                                           "2 deleted"), line
                    done.add(name)
            assert done and done | skipped <= set(names) and not done & skipped, out
            harvested.append(done)
        # Each source in exactly one of the two outputs; both processes did some.
        assert not harvested[0] & harvested[1], outputs
        assert harvested[0] | harvested[1] == set(names), outputs
        assert [len(store.harvest.runs(name)) for name in names] == [1] * SOURCES
        assert all(store.harvest.runs(name)[0].status == "success" for name in names)

        rows = [(row.identifier, row.deleted) for row in all_rows(store)]
        assert len(rows) == len({ident for ident, _ in rows})
        partner = [(r.identifier, r.deleted) for r in make_records(10)]
        assert sorted(rows) == sorted((f"oai:{OURS}:{name}:{ident}", deleted)
                                      for name in names for ident, deleted in partner)
    finally:
        store.close()


def test_a_source_harvested_by_another_process_since_the_command_began_is_skipped(
        store, partners, run_harvest, make_client):  # noqa: F811
    fake = partners()
    store.harvest.add_source("fake", fake.base_url)
    began = newest_run(store, "fake")
    assert run_harvest(store, "fake").status == "success"      # another worker, meanwhile

    def ours(after_run: int):
        return harvest(store.harvest.get_source("fake"), store=store,
                       client=make_client(fake.base_url), registry=default_registry(),
                       repository_identifier=OURS, after_run=after_run)

    report = ours(began)
    assert (report.status, report.message) == (
        "skipped", "another process harvested this source after this command began")
    assert len(store.harvest.runs("fake")) == 1
    report = ours(newest_run(store, "fake"))                    # a command begun after it
    assert report.status == "success" and report.mode == "incremental"
    assert len(store.harvest.runs("fake")) == 2
