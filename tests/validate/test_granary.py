"""Granary itself, served by gunicorn as deployed, passes ``oai-harvest validate`` (with a
page size small enough that every list takes several pages)."""
from __future__ import annotations

from tests.processes import running_server


def test_granary_passes_its_own_validator(store_url, run_cli):
    from harvest_cli import main

    assert main(["--database", store_url, "demo"]) == 0
    with running_server(store_url, OAI_PAGE_SIZE="2") as base:
        run = run_cli(base, "--max-pages", "20")
    assert run.code == 0, run.out
    assert run.failed() == set()
    for check_id in ("A2", "B10", "C1", "D3", "E10", "F5", "F7", "G3", "G4", "G8", "I1"):
        assert run.outcome(check_id) == "PASS", (check_id, run.out)
