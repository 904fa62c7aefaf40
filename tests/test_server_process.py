"""The real server process (gunicorn, as deployed) on a free loopback port, harvested completely
by Sickle, an independent OAI-PMH client: every record exactly once, deletions included.
"""
from __future__ import annotations

import pytest

from tests.processes import fill_synthetic, running_server


def sickle_harvest(base: str, verb: str = "ListRecords") -> list:
    from sickle import Sickle

    client = Sickle(base, max_retries=3, timeout=30)
    return list(getattr(client, verb)(metadataPrefix="oai_dc", ignore_deleted=False))


def test_sickle_harvests_the_demo_catalogue(store_url):
    from harvest_cli import main

    assert main(["--database", store_url, "demo"]) == 0
    with running_server(store_url) as base:
        records = sickle_harvest(base)
        ids = [r.header.identifier for r in records]
        assert ids and len(ids) == len(set(ids))
        assert any(r.header.deleted for r in records)
        live = [r for r in records if not r.header.deleted]
        assert all(r.metadata.get("title") for r in live)
        headers = sickle_harvest(base, "ListIdentifiers")
        assert [h.identifier for h in headers] == ids


@pytest.mark.slow
def test_sickle_harvests_ten_thousand_records(store_url):
    fill_synthetic(store_url, 10_000)
    with running_server(store_url, OAI_PAGE_SIZE="500") as base:
        records = sickle_harvest(base)
    ids = [r.header.identifier for r in records]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert sum(r.header.deleted for r in records) == 10
