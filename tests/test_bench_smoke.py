"""The benchmark tools at toy sizes, so they never rot: synth fills a store as described
(deterministic, tombstones, sets with a hierarchy, spread datestamps), and bench/run.py builds,
serves, harvests (plain and concurrent under edits) and writes its report. No timings are
asserted here: performance is measured by running bench/run.py, not by the test suite.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI, PG_ENV

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT identifier, content_hash, datestamp, deleted, set_specs "
                            "FROM records ORDER BY identifier").fetchall()


def test_synth_fills_a_store_deterministically(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    out = _run("bench/synth.py", "200", "--batch", "50", "--database", f"sqlite:///{first}",
               "--json")
    assert json.loads(out.stdout)["records"] == 200
    _run("bench/synth.py", "200", "--batch", "50", "--database", f"sqlite:///{second}")
    rows = _rows(first)
    assert rows == _rows(second)           # same seed, same catalogue, same datestamps
    assert len(rows) == 200
    assert sum(1 for r in rows if r[3]) == 2                # 1% tombstones
    # One datestamp per transaction, spread over the years from 2019 on.
    stamps = sorted({r[2] for r in rows})
    assert len(stamps) == 4 and stamps[-1] - stamps[0] > 3 * 365 * 86400
    specs = {s for r in rows for s in r[4].split()}
    assert {"articles", "theses", "collections:maps:historic"} <= specs
    with sqlite3.connect(first) as conn:
        sizes = [n for (n,) in conn.execute(
            "SELECT length(xml) FROM disseminations WHERE xml IS NOT NULL AND prefix = 'oai_dc'")]
        # Rendered as an import renders them: every format made from Dublin Core.
        prefixes = {p: n for p, n in conn.execute(
            "SELECT prefix, count(*) FROM disseminations WHERE xml IS NOT NULL GROUP BY prefix")}
        values = sum(len(json.loads(dc)) for (dc,) in conn.execute(
            "SELECT dc FROM records WHERE dc IS NOT NULL"))
    assert len(sizes) == 198 and 900 < sum(sizes) / len(sizes) < 2000    # ~1 KB of oai_dc
    assert prefixes == {"oai_dc": 198, "marc21": 198, "mods": 198}
    assert 13 < values / 198 < 18                                          # ~15 DC values


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_benchmark_runs_end_to_end_at_a_toy_size(tmp_path, engine):
    args = ["bench/run.py", "--engines", engine, "--sizes", "300", "--runs", "1", "--batch", "50",
            "--concurrent", "3", "--concurrent-size", "300", "--workdir", str(tmp_path),
            "--out", str(tmp_path / "results")]
    if engine == "postgres":
        url = os.environ.get(PG_ENV)
        if not url:
            if IN_CI:
                pytest.fail(f"{PG_ENV} is not set")
            pytest.skip(f"{PG_ENV} is not set")
        args += ["--postgres-url", url]
    out = _run(*args)
    report = (tmp_path / "results" / "latest.md").read_text()
    assert report.strip() == out.stdout.strip()
    result = json.loads((tmp_path / "results" / "latest.json").read_text())["results"][0]
    lists = result["lists"]
    assert lists["ListRecords"]["items"] == 300
    assert lists["ListIdentifiers"]["items"] == 300
    # Selective harvests: a fifth of the records are in a collection, a third of those in maps.
    assert lists["ListRecords set=collections:maps"]["items"] == 40
    assert 0 < lists["ListRecords from/until (middle 20%)"]["items"] < 300
    assert result["server_peak_rss_mb"] > 0
    conc = result["concurrent"]
    assert conc["ok"], conc["problems"]
    assert conc["harvesters"] == 3 and conc["edit_transactions"] > 0
    s2s = result["store_to_store"]
    assert "skipped" in s2s or "rate" in s2s, s2s     # never an error
    for row in ("1. ListRecords", "4. bulk import", "6. concurrent harvests"):
        assert f"| {engine} | 300 | {row}" in report
    # Only the benchmark's own scratch schemas/files were used: nothing is left behind.
    assert not list(tmp_path.glob("granary-bench-*"))
