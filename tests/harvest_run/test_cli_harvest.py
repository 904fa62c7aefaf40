"""oai-harvest sources/harvest: subcommands, summary lines, exit codes, one-off harvests,
several sources at once, and the claim that keeps two processes off one source."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from harvest_cli import main
from tests.harvest.fakecatalogue import make_records
from tests.harvest.fakepartner import FakePartner
from tests.harvest_run.test_resume import ROOT, cli_env


@pytest.fixture
def cli(store_url, capsys, monkeypatch):
    """cli(*argv) -> (exit code, stdout, stderr) against the test database."""
    for key in list(os.environ):
        if "proxy" in key.lower():
            monkeypatch.delenv(key)
    monkeypatch.setenv("OAI_DATABASE_URL", store_url)
    monkeypatch.setenv("OAI_REPOSITORY_IDENTIFIER", "b.example.org")
    monkeypatch.setenv("OAI_ADMIN_EMAIL", "harvest-admin@library.example")

    def run(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def partners():
    started: list[FakePartner] = []

    def start(**kwargs) -> FakePartner:
        fake = FakePartner(make_records(10), **kwargs).start()
        started.append(fake)
        return fake
    yield start
    for fake in started:
        fake.stop()


def test_sources_add_list_show_remove(cli, partners):
    fake = partners()
    code, out, _ = cli("sources", "add", "fake", fake.base_url, "--set", "a", "--delay", "0.01")
    assert code == 0 and "partner:fake" in out
    code, out, _ = cli("sources", "list")
    assert code == 0 and out.startswith(f"fake\t{fake.base_url}\toai_dc\tsets: a\tnever harvested")
    assert cli("harvest", "fake")[0] == 0
    code, out, _ = cli("sources", "list")
    assert " success\t5 records, 2 deleted" in out   # set a: 7 records, two of them deleted
    code, out, _ = cli("sources", "show", "fake")
    lines = out.splitlines()
    assert code == 0 and "watermark:  20" in out and "delay:      0.01 s" in out
    assert lines[lines.index("runs (newest first):") + 1].startswith("  run 1 ")
    assert "success      full: 5 added, 0 updated, 0 unchanged, 2 deleted" in out

    code, out, err = cli("sources", "add", "fake", fake.base_url)
    assert code == 1 and "already exists" in err and out == ""
    code, _, err = cli("sources", "add", "bad name", fake.base_url)
    assert code == 1 and "not a valid source name" in err
    code, _, err = cli("sources", "show", "nosuch")
    assert code == 1 and "no harvest source named 'nosuch'" in err
    code, out, _ = cli("sources", "remove", "fake", "--purge")
    assert code == 0 and "7 records deleted" not in out and "5 records deleted" in out
    assert "no harvest sources yet" in cli("sources", "list")[1]
    code, out, _ = cli("stats")
    assert {"deleted: 7", "harvested: 7", "format:oai_dc:deleted: 7"} <= set(out.splitlines())
    assert not any(line.startswith("format:oai_dc: ") for line in out.splitlines())


def test_harvest_summary_lines_and_exit_codes(cli, partners):
    good, broken, denied = partners(), partners(), partners()
    broken.fault("undefined_entity", times=0, identifier=make_records(10)[3].identifier)
    denied.fault("status", code=401, times=0)
    for name, fake in (("good", good), ("broken", broken), ("denied", denied)):
        assert cli("sources", "add", name, fake.base_url)[0] == 0

    code, out, err = cli("harvest", "good")
    assert code == 0, err
    assert out.startswith("good: success (full): 8 added, 0 updated, 0 unchanged, 2 deleted, "
                          "0 set aside; 4 pages in ")
    assert "good: page 4: 10 records" in err       # plain progress lines off a terminal
    code, out, _ = cli("harvest", "good")
    assert code == 0 and out.startswith("good: success (incremental from ")

    code, out, err = cli("harvest", "broken")
    assert code == 3
    # The fallback starts at the last committed datestamp: that one record comes twice.
    assert out.startswith("broken: partial (full): 7 added, 0 updated, 1 unchanged, 2 deleted, "
                          "1 set aside;")
    assert "  set aside oai:fake.example.org:003: " in out
    assert "ListIdentifiers + GetRecord" in err

    code, out, _ = cli("harvest", "denied")
    assert code == 1 and "denied: failed" in out and "HTTP 401" in out

    code, out, _ = cli("harvest", "--all", "--jobs", "2")
    assert code == 1     # the worst outcome decides: failed
    assert sorted(line.split(":")[0] for line in out.splitlines()
                  if not line.startswith(" ")) == ["broken", "denied", "good"]


@pytest.mark.parametrize("argv, message", [
    (["harvest"], "name the sources to harvest, or give --all"),
    (["harvest", "--all", "x"], "name the sources to harvest, or give --all"),
    (["harvest", "nosuch"], "no harvest source named 'nosuch'"),
    (["harvest", "--all", "--from", "yesterday"], "unreadable datestamp 'yesterday'"),
    (["harvest", "--all", "--full", "--until", "2024-01-01"], "--full cannot be combined"),
    (["harvest", "--all", "--jobs", "0"], "--jobs must be at least 1"),
])
def test_harvest_usage_errors_exit_2(cli, argv, message):
    code, _, err = cli(*argv)
    assert code == 2 and message in err


def test_one_off_harvest_of_a_base_url_keeps_a_source(cli, partners):
    fake = partners()
    host = fake.base_url.split("//")[1].split("/")[0].replace(":", "-")
    code, out, _ = cli("harvest", fake.base_url)
    assert code == 0
    assert out.splitlines()[0] == f"source {host} added for {fake.base_url}"
    assert out.splitlines()[1].startswith(f"{host}: success (full): 8 added")
    code, out, _ = cli("harvest", fake.base_url)
    assert code == 0 and out.startswith(f"{host}: success (incremental")
    code, out, _ = cli("harvest", fake.base_url, "--set", "c")
    assert code == 0 and out.startswith(f"source {host}-2 added")


def test_a_source_held_by_another_process_is_skipped(store_url, partners):
    """Two processes: this test holds the claim, the command is turned away; then two
    commands at once, and only one of them harvests."""
    from store import RecordStore

    fake = partners()
    fake.fault("slow", times=0, seconds=0.3)
    store = RecordStore(store_url)
    store.upgrade()
    store.harvest.add_source("fake", fake.base_url)
    command = [sys.executable, "harvest_cli.py", "harvest", "fake"]
    try:
        with store.harvest.claim("fake", "the test") as held:
            assert held
            done = subprocess.run(command, cwd=ROOT, env=cli_env(store_url),
                                  capture_output=True, text=True, timeout=120)
        assert done.returncode == 0
        assert done.stdout.strip() == ("fake: skipped: another process is harvesting this "
                                       "source right now")
        assert fake.requests == [] and store.harvest.runs("fake") == []

        first = subprocess.Popen(command, cwd=ROOT, env=cli_env(store_url),
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 60
        while not fake.requests:       # it holds the claim before its first request
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        second = subprocess.run(command, cwd=ROOT, env=cli_env(store_url),
                                capture_output=True, text=True, timeout=120)
        out, _ = first.communicate(timeout=120)
        assert "skipped: another process" in second.stdout and second.returncode == 0
        assert first.returncode == 0 and out.startswith("fake: success (full)")
        assert len(store.harvest.runs("fake")) == 1
    finally:
        store.close()


def test_a_bad_admin_email_is_a_usage_error(cli, monkeypatch):
    monkeypatch.setenv("OAI_ADMIN_EMAIL", "nobody")
    code, _, err = cli("harvest", "--all")
    assert code == 2 and "OAI_ADMIN_EMAIL: 'nobody' is not an email address" in err
