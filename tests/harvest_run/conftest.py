"""Fixtures for the run-loop tests: our own Granary served on loopback, the fake partner,
fast clients, and a way to compare two stores record by record.

``serve_granary(url, repository_identifier, clock)`` starts ``oai.create_app`` under werkzeug's
``make_server`` in a thread; the app's responseDate and its store's datestamps both follow
*clock*, so watermarks and datestamps agree as they do in production.
"""
from __future__ import annotations

import dataclasses
import threading

import pytest
from werkzeug.serving import make_server

from oai.harvest.plan import HarvestOptions
from oai.harvest.run import harvest
from schemas import default_registry
from store.record_types import ListQuery

# The fake partner and the instant-sleep clients are the harvester tests' own fixtures.
from tests.harvest.conftest import make_client, partner, sleeps  # noqa: F401

OURS = "b.example.org"


@pytest.fixture
def run_harvest(make_client):  # noqa: F811 - pytest passes the imported fixture
    """run_harvest(store, source_name, repository_identifier=OURS, **options) -> report."""
    def run(store, name: str, repository_identifier: str = OURS, client=None, **options):
        source = store.harvest.get_source(name)
        return harvest(source, store=store, client=client or make_client(source.base_url),
                       registry=default_registry(),
                       repository_identifier=repository_identifier,
                       options=HarvestOptions(**options))
    return run


class Served:
    """A Granary app on a free loopback port; ``base_url`` is its OAI endpoint."""

    def __init__(self, url: str, repository_identifier: str, clock, page_size: int) -> None:
        from oai import create_app

        app = create_app({"OAI_DATABASE_URL": url, "OAI_PAGE_SIZE": page_size,
                          "OAI_REPOSITORY_IDENTIFIER": repository_identifier,
                          "OAI_REPOSITORY_NAME": f"Granary {repository_identifier}"})
        svc = app.extensions["granary"]
        self.store = svc.store
        self.store.clock = clock   # the store's datestamps and the responseDate agree
        app.extensions["granary"] = dataclasses.replace(svc, clock=clock)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/oai"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.store.close()


@pytest.fixture
def serve_granary():
    started: list[Served] = []

    def serve(url: str, repository_identifier: str, clock, page_size: int = 3) -> Served:
        served = Served(url, repository_identifier, clock, page_size)
        started.append(served)
        return served

    yield serve
    for served in started:
        served.stop()


def all_rows(store, prefix: str = "oai_dc"):
    """Every record listed in *prefix* (tombstones included), in datestamp order."""
    return store.list_page(ListQuery(prefix), after=None, limit=100_000)


def snapshot(store, prefix: str = "oai_dc") -> dict[str, tuple]:
    """identifier -> (deleted, DC values, direct sets, origin without its harvest date)."""
    found = {}
    for row in all_rows(store, prefix):
        rec = store.get_stored(row.identifier)
        origin = (dataclasses.replace(rec.origin, harvest_date="")
                  if rec.origin is not None else None)
        found[row.identifier] = (rec.deleted, rec.dc, rec.set_specs, origin)
    return found
