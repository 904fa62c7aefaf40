"""The peer comparison (bench/run.py --peer) keeps working: the scripts' result lines are read
as they are printed, the report's ratios are the medians of each run's ratios and its
verdicts follow issue 12's targets, the constant app answers OAI-PMH, and a toy run goes end
to end. No timing is asserted: the figures come from running the benchmark.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import null_app  # noqa: E402
import peer_report  # noqa: E402
import peers  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def test_the_scripts_result_lines_are_read_as_printed():
    harvest = ("page 3\nrecords=1000 unique=1000 pages=10 seconds=0.08 rate=12500 "
               "first10_ms=7.9 last10_ms=8.1 flat=1.03\n")
    assert peers.fields(harvest) == {
        "records": 1000.0, "unique": 1000.0, "pages": 10.0, "seconds": 0.08,
        "rate": 12500.0, "first10_ms": 7.9, "last10_ms": 8.1, "flat": 1.03}
    small = "getrecord=512 identify=640 (req/s; 1.95 and 1.56 ms a request)\n"
    assert peers.fields(small) == {"getrecord": 512.0, "identify": 640.0}
    assert peers.fields("records=2000 seconds=0.03") == {"records": 2000.0, "seconds": 0.03}
    assert peers.fields("") == {}          # synth_to_oaidc.py prints nothing


def _harvest(rate: float, flat: float = 1.0) -> dict:
    return {"records": 100.0, "unique": 100.0, "rate": rate, "seconds": 100 / rate,
            "flat": flat}


def _result() -> dict:
    return {
        "engine": "sqlite", "records": 100,
        "import": [{"seconds": 3.0, "floor": 1.0}, {"seconds": 5.0, "floor": 1.0},
                   {"seconds": 1.5, "floor": 1.0}],
        "lists": {
            # Ratios 5, 2 and 4.5 a run: the median of the ratios is 4.5, although the
            # median rates (2,000 and 500) would say 4.
            "ListRecords 100": [{"granary": _harvest(2000), "peer": _harvest(400)},
                                {"granary": _harvest(1000), "peer": _harvest(500)},
                                {"granary": _harvest(4500, 1.3), "peer": _harvest(1000)}],
            "ListIdentifiers 100": [{"granary": _harvest(900, 1.1), "peer": _harvest(300)}],
        },
        "small": {"granary": [{"getrecord": 900.0, "identify": 1000.0}],
                  "peer": [{"getrecord": 300.0, "identify": 600.0}],
                  "floor": [{"getrecord": 1200.0, "identify": 1200.0}]},
        "store_to_store": [{"seconds": 20.0, "plain_seconds": 10.0, "rss_mb": 90.0,
                            "page_size": 500}],
        "worker_rss_mb": [70.0, 151.0],
    }


def test_the_report_gives_medians_of_ratios_and_the_issues_verdicts():
    rows = {row[0]: row[1:] for row in peer_report.rows(_result())}
    assert rows["1. ListRecords, page 100 (≥ 4x the peer)"] == (
        "2,000/s", "peer 500/s", "4.50x", "met")
    assert rows["1. ListIdentifiers, page 100 (≥ 4x the peer)"][2:] == ("3.00x", "**missed**")
    assert rows["2. GetRecord, one after another (≥ 2x the peer)"][2:] == ("3.00x", "met")
    assert rows["2. Identify, one after another (≥ 2x the peer)"][2:] == ("1.67x",
                                                                           "**missed**")
    floor = rows["2. Identify: a constant app under the same gunicorn (the floor)"]
    assert floor[0] == "1,200 req/s" and floor[2] == "2.00x"
    assert rows["3. import of the saved response (≤ 2x a bare lxml pass)"][2:] == (
        "3.00x", "**missed**")
    assert rows["4. our harvester, store to store, page 500 (≤ 2.5x a plain client)"][2:] == (
        "2.00x", "met")
    # The worst list's median flatness (ListRecords: 1.0, 1.0, 1.3 -> 1.0; ListIdentifiers 1.1).
    assert rows["5. last pages vs first (≤ 1.2x), worst list"] == ("1.10x", "", "", "met")
    assert rows["5. server worker peak RSS (< 150 MB)"][-1] == "**missed**"
    assert rows["5. harvester peak RSS (< 200 MB)"][-1] == "met"
    meta = {"started": "2026-12-04 15:00 UTC", "minutes": 1.0, "commit": "abc", "cpus": 2,
            "python": "3.11", "postgres": "", "load": [1.0], "runs": 3,
            "worker_class": "sync"}
    text = peer_report.markdown([_result()], meta)
    assert "## sqlite, 100 records" in text and text.count("**missed**") == 4


@pytest.mark.parametrize("verb", ["Identify", "ListIdentifiers", "GetRecord"])
def test_the_constant_app_answers_oai_pmh(verb):
    seen = {}
    body = b"".join(null_app.app({"QUERY_STRING": f"verb={verb}&identifier=x"},
                                 lambda status, headers: seen.update(status=status)))
    root = etree.fromstring(body)
    assert seen["status"] == "200 OK" and root.tag == f"{OAI}OAI-PMH"
    assert root.find(f"{OAI}{verb}") is not None
    if verb != "Identify":
        assert root.findtext(f".//{OAI}identifier") == null_app.IDENTIFIER


def _peer_environment() -> str | None:
    """The peer environment to use; CI builds one (PyPI is reachable there)."""
    if not (peers.SCRIPTS / "peer_pyoai_server.py").exists():
        if IN_CI:
            pytest.fail(f"{peers.SCRIPTS} is missing: ../shared must be beside the clone")
        pytest.skip(f"{peers.SCRIPTS} is not here")
    if os.environ.get("GRANARY_PEER_VENV"):
        return os.environ["GRANARY_PEER_VENV"]
    if not IN_CI and not (peers.DEFAULT_VENV / "bin" / "python").exists():
        pytest.skip("no peer environment: set GRANARY_PEER_VENV (CI builds bench/.peer-venv)")
    return None


def test_a_toy_comparison_runs_end_to_end(tmp_path):
    venv = _peer_environment()
    args = [sys.executable, "bench/run.py", "--peer", "--engines", "sqlite", "--peer-records",
            "300", "--runs", "1", "--page-sizes", "50,100", "--small-requests", "20",
            "--out", str(tmp_path), "--workdir", str(tmp_path)]
    env = {**os.environ, "PEER_BENCH_DIR": str(tmp_path / "peer")}
    proc = subprocess.run(args + (["--peer-venv", venv] if venv else []), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = (tmp_path / "peer-latest.md").read_text()
    assert table == proc.stdout.rstrip("\n") or table in proc.stdout
    for row in ("1. ListRecords, page 50", "1. ListIdentifiers, page 100", "2. GetRecord",
                "2. Identify", "3. import", "4. our harvester, store to store, page 100",
                "5. harvester peak RSS"):
        assert row in table
    assert "| — |" not in table          # every figure was measured
