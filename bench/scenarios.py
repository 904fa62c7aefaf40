"""The benchmark's two compound scenarios.

* ``concurrent_harvests``: many full ListRecords harvests at once (separate processes) while a
  writer edits records; afterwards every harvester must have seen each record that was NOT
  edited exactly once, and none may have failed. Edited records may come once, twice or not at
  all in a list that started before the edit (their datestamp moved past the list's end).
* ``store_to_store``: our own harvester (``oai-harvest harvest``) takes a served store into a
  second one; records/s and the harvester process's peak RSS (its VmHWM).
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time

from harvest_client import harvest
from server import ROOT, children, peak_rss_mb
from synth import Synthesizer, identifier


def _one_harvest(base_url: str) -> tuple[int, list[str], list[str], str | None, float]:
    try:
        result = harvest(base_url, "ListRecords", timeout=600)
    except Exception as exc:  # noqa: BLE001 - every failure is a finding to report
        return 0, [], [], f"{type(exc).__name__}: {exc}", 0.0
    return result.items, result.ids, result.repeats, None, result.seconds


class Editor(threading.Thread):
    """Edits *batch* random live records per transaction until stopped; remembers which."""

    def __init__(self, url: str, count: int, *, batch: int = 10, pause: float = 0.05,
                 seed: int = 7) -> None:
        super().__init__(daemon=True)
        self.url, self.count, self.batch, self.pause, self.seed = url, count, batch, pause, seed
        self.stop = threading.Event()
        self.first_edit = threading.Event()
        self.edited: set[str] = set()
        self.transactions = 0
        self.error: str | None = None

    def run(self) -> None:
        from store import RecordStore

        store = RecordStore(self.url)      # the real clock: edits get today's datestamps
        maker, rng = Synthesizer(), random.Random(self.seed)
        try:
            while not self.stop.is_set():
                numbers = [n for n in rng.sample(range(self.count), self.batch) if n % 100 != 99]
                with store.writer() as w:
                    for n in numbers:
                        w.put(maker.draft(n, edition=self.transactions + 1))
                self.edited.update(identifier(n) for n in numbers)
                self.transactions += 1
                self.first_edit.set()
                self.stop.wait(self.pause)
        except Exception as exc:  # noqa: BLE001
            self.error = f"{type(exc).__name__}: {exc}"
            self.first_edit.set()
        finally:
            store.close()


def concurrent_harvests(base_url: str, url: str, count: int, harvesters: int = 20) -> dict:
    """*harvesters* full harvests of the store of *count* synth records at once, under edits."""
    editor = Editor(url, count)
    editor.start()
    # The harvests start once edits are under way, so every one of them runs under edits.
    if not editor.first_edit.wait(60):
        raise RuntimeError(f"the editor made no edit within 60 s: {editor.error}")
    began = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(harvesters) as pool:
        outcomes = pool.map(_one_harvest, [base_url] * harvesters)
    seconds = time.perf_counter() - began
    editor.stop.set()
    editor.join()
    expected = {identifier(n) for n in range(count)} - editor.edited
    problems: list[str] = []
    for i, (_items, ids, repeats, error, _) in enumerate(outcomes):
        if error:
            problems.append(f"harvester {i}: {error}")
            continue
        seen = set(ids)
        skipped = expected - seen
        repeated = set(repeats) & expected
        if skipped or repeated:
            problems.append(f"harvester {i}: {len(skipped)} unchanged records skipped "
                            f"(e.g. {sorted(skipped)[:3]}), {len(repeated)} repeated")
    if editor.error:
        problems.append(f"editor: {editor.error}")
    served = sum(o[0] for o in outcomes)
    return {"harvesters": harvesters, "seconds": seconds, "records_served": served,
            "rate": served / seconds, "edits": len(editor.edited),
            "edit_transactions": editor.transactions, "problems": problems,
            "ok": not problems and editor.transactions > 0}


def harvester_available() -> str | None:
    """None when our own harvester's run loop and CLI are there; otherwise why not."""
    if importlib.util.find_spec("oai.harvest.run") is None:
        return "oai.harvest.run does not exist yet"
    sys.path.insert(0, str(ROOT))
    import harvest_cli

    if "harvest" not in getattr(harvest_cli, "COMMANDS", {}):
        return "harvest_cli has no harvest command yet"
    return None


def _run_measured(args: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Run a command; (exit status, seconds, peak RSS in MB, output tail). The peak is the
    process's own VmHWM, read until it exits (it only grows): wait4's ru_maxrss would not
    do, as Linux carries the forking parent's resident size over into the child's. Processes
    it starts (the renderer's workers) count too: each one's peak, added up."""
    began = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        peaks: dict[int, float] = {}
        while proc.poll() is None:
            for pid in _tree(proc.pid):
                peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid) or 0.0)
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        log.seek(0)
        out = log.read().decode(errors="replace")[-800:]
    return proc.returncode, seconds, sum(peaks.values()), out


def _tree(pid: int) -> list[int]:
    """*pid* and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def store_to_store(base_url: str, target_url: str, count: int) -> dict:
    """``oai-harvest sources add bench BASE && oai-harvest harvest bench`` into *target_url*;
    the rate is over the harvest process's whole life (start-up included), and the second
    store must then hold every record (tombstones included)."""
    why_not = harvester_available()
    if why_not:
        return {"skipped": why_not}
    env = {**os.environ, "OAI_DATABASE_URL": target_url}
    cli = [sys.executable, str(ROOT / "harvest_cli.py"), "--database", target_url]
    status, _, _, out = _run_measured(cli + ["sources", "add", "bench", base_url], env)
    if status != 0:
        return {"error": f"sources add exited {status}: {out}"}
    status, seconds, rss, out = _run_measured(cli + ["harvest", "bench"], env)
    if status != 0:
        return {"error": f"harvest exited {status}: {out}", "seconds": seconds, "rss_mb": rss}
    from store import RecordStore

    target = RecordStore(target_url)
    try:
        taken = target.stats()["records"]
    finally:
        target.close()
    if taken != count:
        return {"error": f"the second store holds {taken} records, not {count}: {out}"}
    return {"seconds": seconds, "rate": count / seconds, "rss_mb": rss, "output": out[-300:]}
