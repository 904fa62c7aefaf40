"""Rendering in worker processes (schemas.rendering): the same bytes in the same order as
rendering here, a record's failure raised at that record, small inputs never start workers,
and an import through the workers stores exactly what an import without them stores."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import schemas.rendering as rendering
from oai.ingest import Catalog, IngestError
from schemas import default_registry
from schemas.base import FormatRegistry, MetadataFormat
from schemas.oai_dc import OAI_DC
from store.record_types import DCValue
from tests.test_ingest_xml import write_listrecords

REGISTRY = default_registry()
ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("oai_dc", "marc21", "mods")


def _dc(i: int) -> tuple[DCValue, ...]:
    return (DCValue("title", f"Record {i}", "en"), DCValue("creator", f"Author, A{i}"),
            DCValue("date", f"20{i % 30:02d}"), DCValue("language", "en"))


def _jobs(n: int) -> list[tuple[int, rendering.Job]]:
    # Every fifth a tombstone: nothing to render.
    return [(i, None if i % 5 == 4 else (PREFIXES, _dc(i))) for i in range(n)]


def test_workers_render_the_same_bytes_in_the_same_order():
    jobs = _jobs(23)
    here = [(i, rendering.render(REGISTRY, job)) for i, job in jobs]
    there = list(rendering.rendered(jobs, lambda item: item[1], REGISTRY, processes=2,
                                    start_after=3, chunk=4))
    assert [(item[0], out) for item, out in there] == here
    assert [item for item, _ in there] == jobs            # the very items, in their order
    assert here[4][1] == {} and set(here[0][1]) == set(PREFIXES)


class Boom(Exception):
    pass


def _fragile(values):
    if any(v.value == "Record 13" for v in values):
        raise Boom("record 13 cannot be rendered")
    return OAI_DC.render(values)


FRAGILE = FormatRegistry([MetadataFormat("fragile", "urn:fragile", "urn:fragile.xsd",
                                         render=_fragile)])


@pytest.mark.parametrize("processes", [0, 1])
def test_a_records_failure_is_raised_at_that_record(processes):
    jobs = [(i, (("fragile",), _dc(i))) for i in range(20)]
    seen = []
    with pytest.raises(Boom, match="record 13"):
        for item, _ in rendering.rendered(jobs, lambda item: item[1], FRAGILE,
                                          processes=processes, start_after=2, chunk=3):
            seen.append(item[0])
    assert seen == list(range(13))        # every record before it, none after it


def test_small_inputs_and_no_workers_never_start_a_pool(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started")

    monkeypatch.setattr(rendering, "Worker", no_pool)
    jobs = _jobs(10)
    assert len(list(rendering.rendered(jobs, lambda item: item[1], REGISTRY))) == 10
    assert len(list(rendering.rendered(jobs, lambda item: item[1], REGISTRY, processes=0,
                                       start_after=0))) == 10
    assert rendering.worker_count(0) == 0 and rendering.worker_count(3) == 3
    assert 0 <= rendering.worker_count() <= 4


def test_an_import_through_workers_stores_what_one_without_them_stores(tmp_path, monkeypatch,
                                                                         clock):
    from store import RecordStore

    path = tmp_path / "bulk.xml"
    write_listrecords(path, 60)
    monkeypatch.setattr(rendering, "START_AFTER", 5)
    monkeypatch.setattr(rendering, "CHUNK", 7)
    stores = []
    for name, processes in (("here", 0), ("there", 1)):
        store = RecordStore(f"sqlite:///{tmp_path / name}.db", clock=clock)
        store.upgrade()
        counts = Catalog(store, REGISTRY, "granary.example.org",
                         render_processes=processes).import_file(path)
        assert (counts.added, counts.deleted) == (54, 6)
        stores.append(store)
    here, there = stores
    try:
        for i in range(60):
            for prefix in PREFIXES:
                mine = there.get_record(f"oai:bulk.org:{i}", prefix)
                assert mine == here.get_record(f"oai:bulk.org:{i}", prefix)
                assert mine is not None and (mine.deleted or mine.metadata)
    finally:
        here.close()
        there.close()


def test_a_bad_record_behind_the_workers_still_refuses_the_whole_file(tmp_path, monkeypatch,
                                                                      store):
    path = tmp_path / "bad.xml"
    write_listrecords(path, 40)
    text = path.read_text().replace("bulk:s1</setSpec>", "bad spec</setSpec>", 1)
    Path(path).write_text(text)
    monkeypatch.setattr(rendering, "START_AFTER", 0)
    before = store.stats()
    with pytest.raises(IngestError, match="not a valid setSpec"):
        Catalog(store, REGISTRY, "granary.example.org", render_processes=1).import_file(path)
    assert store.stats() == before


def test_a_page_handed_over_comes_back_rendered_in_its_order():
    jobs = [job for _, job in _jobs(11)]
    with rendering.Renderer(REGISTRY, processes=2, start_after=0) as renderer:
        made = renderer.submit(jobs)
        workers = [w.process for w in renderer._pool]
        assert len(workers) == 2                      # the workers are rendering it
        assert made() == [rendering.render(REGISTRY, job) for job in jobs]
    assert renderer._pool == []                       # closed with the context ...
    assert all(p.returncode == 0 for p in workers)    # ... and so are the workers


@pytest.mark.parametrize("start_after", [0, 100])    # with workers, and without
def test_a_page_with_a_failing_record_raises_its_error(start_after):
    jobs = [(("fragile",), _dc(i)) for i in range(10, 16)]
    with rendering.Renderer(FRAGILE, processes=1, start_after=start_after) as renderer:
        made = renderer.submit(jobs)
        with pytest.raises(Boom, match="record 13"):
            made()


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """The workers never import the caller's main module: a script calling the importer at
    its top level is not run again in them (its import, its writes)."""
    data = tmp_path / "bulk.xml"
    write_listrecords(data, 40)
    runs = tmp_path / "runs.txt"
    script = tmp_path / "unguarded.py"
    script.write_text(f"""
import schemas.rendering as rendering
from oai.ingest import Catalog
from schemas import default_registry
from store import RecordStore

rendering.START_AFTER = 5
with open({str(runs)!r}, "a") as f:
    f.write("ran\\n")
store = RecordStore("sqlite:///{tmp_path / 'script.db'}")
store.upgrade()
counts = Catalog(store, default_registry(), "granary.example.org",
                 render_processes=1).import_file({str(data)!r})
print(counts.added, counts.deleted)
store.close()
""")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["36", "4"]
    assert runs.read_text() == "ran\n"


def test_a_worker_that_dies_is_an_error_not_a_hang():
    jobs = [job for _, job in _jobs(8)]
    with rendering.Renderer(REGISTRY, processes=1, start_after=0) as renderer:
        renderer.submit(jobs)()                         # the worker is up and answering
        renderer._pool[0].process.kill()
        renderer._pool[0].process.wait()
        with pytest.raises(RuntimeError, match="rendering worker ended unexpectedly"):
            renderer.submit(jobs)()
