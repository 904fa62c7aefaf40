"""Fixtures of the validator's tests: the official schemas from ../shared/xsd (never the
network), and ``run_cli`` for ``oai-harvest validate`` through the real entry point."""
from __future__ import annotations

import json

import pytest

from tests.xsd import schema_dir


@pytest.fixture(autouse=True)
def offline_schemas(monkeypatch, tmp_path):
    folder = schema_dir()
    if folder is None:
        pytest.skip("official schemas not found: set OAI_SCHEMA_DIR")
    monkeypatch.setenv("OAI_SCHEMA_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))   # never the user's cache
    monkeypatch.setenv("OAI_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    return folder


class Run:
    def __init__(self, code: int, out: str, err: str, data: dict | None) -> None:
        self.code, self.out, self.err, self.data = code, out, err, data

    def outcome(self, check_id: str) -> str:
        return next(c["outcome"] for c in self.data["checks"] if c["id"] == check_id)

    def failed(self) -> set[str]:
        return {c["id"] for c in self.data["checks"] if c["outcome"] == "FAIL"}


@pytest.fixture
def run_cli(capsys, tmp_path):
    """``run_cli(url, *options)``: exit code, stdout, stderr and the --json data."""
    from harvest_cli import main

    def run(*args: str) -> Run:
        out_file = tmp_path / "verdicts.json"
        if out_file.exists():
            out_file.unlink()
        code = main(["validate", *args, "--json", str(out_file), "--timeout", "10"])
        captured = capsys.readouterr()
        data = json.loads(out_file.read_text()) if out_file.exists() else None
        return Run(code, captured.out, captured.err, data)

    return run
