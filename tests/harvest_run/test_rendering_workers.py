"""A harvest whose records are rendered by the renderer's workers (a large harvest: each
page's renderings made while the page before it is written) stores exactly what a harvest
rendering every record itself stores: every format's bytes, Dublin Core, sets, tombstones."""
from __future__ import annotations

import schemas.rendering as rendering
from store import RecordStore
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.conftest import all_rows, snapshot


def _everything(store) -> dict:
    rows = {}
    for row in all_rows(store):
        for prefix in ("oai_dc", "marc21", "mods"):
            found = store.get_record(row.identifier, prefix)
            rows[row.identifier, prefix] = (found.deleted, found.set_specs, found.metadata)
    return {"records": rows, "snapshot": snapshot(store)}


def test_a_harvest_through_workers_stores_what_one_without_them_stores(
        tmp_path, run_harvest, monkeypatch):
    partner = FakePartner(make_records(60), page_size=7).start()
    started = []
    real_worker = rendering.Worker

    def counting(registry):
        started.append(registry)
        return real_worker(registry)

    monkeypatch.setattr(rendering, "Worker", counting)
    monkeypatch.setattr(rendering, "worker_count", lambda processes=None: 1)
    found = {}
    try:
        for name, start_after in (("alone", 10**9), ("workers", 5)):
            monkeypatch.setattr(rendering, "START_AFTER", start_after)
            store = RecordStore(f"sqlite:///{tmp_path / name}.db")
            store.upgrade()
            store.harvest.add_source("fake", partner.base_url)
            report = run_harvest(store, "fake")
            assert (report.status, report.records) == ("success", 60)
            found[name] = _everything(store)
            store.close()
    finally:
        partner.stop()
    assert len(started) == 1                  # only the second harvest started a worker
    assert found["workers"] == found["alone"]
    live = [v for (_, prefix), v in found["alone"]["records"].items()
            if prefix == "marc21" and not v[0]]
    assert len(live) == 48 and all(v[2] for v in live)
