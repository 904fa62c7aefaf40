"""The benchmark's report: the targets of issue 4 against the measured medians, as Markdown,
with the conditions of the measurement (machine, engines, commit) above the tables.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAT = 1.2   # target 2: the page at the end within 1.2x the first


def median(values) -> float | None:
    """The median of the measured values (None ones left out), None when there are none."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _git(*args: str) -> str:
    try:
        return subprocess.run(("git", *args), cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def commit() -> str:
    """The checked-out commit, short, with "+" when the work tree has changes."""
    head = _git("rev-parse", "--short", "HEAD") or "?"
    return head + ("+" if _git("status", "--porcelain", "--untracked-files=no") else "")


def environment(args, began: float, first_commit: str) -> dict:
    pg = ""
    if "postgres" in args.engines:
        try:
            import psycopg

            with psycopg.connect("postgresql://" + args.postgres_url.split("://", 1)[1]
                                 .split("?")[0], connect_timeout=5) as conn:
                pg = conn.execute("SHOW server_version").fetchone()[0]
        except Exception:  # noqa: BLE001 - the version is only informative
            pg = "?"
    return {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(began)),
            "minutes": round((time.time() - began) / 60, 1),
            # The code is read as each process starts, so a commit made during a long run
            # can reach its later parts: both ends are named when they differ.
            "commit": first_commit if commit() == first_commit else f"{first_commit}..{commit()}",
            "page_size": _default_page_size(),
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "postgres": pg, "runs": args.runs,
            "load": [round(x, 1) for x in os.getloadavg()],
            "concurrent_workers": args.concurrent_workers}


def _default_page_size() -> str:
    import sys
    sys.path.insert(0, str(ROOT))
    from oai.config import DEFAULTS
    return DEFAULTS["OAI_PAGE_SIZE"]   # the server is started without OAI_PAGE_SIZE


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}/s"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def target_rows(r: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows for one engine and size."""
    lists = r["lists"]
    rows = []
    lr, li = lists["ListRecords"], lists["ListIdentifiers"]
    rows.append(("1. ListRecords ≥ 30,000 records/s", _rate(lr["rate"]),
                 _verdict(lr["rate"] >= 30_000)))
    rows.append(("1. ListIdentifiers ≥ 60,000 headers/s", _rate(li["rate"]),
                 _verdict(li["rate"] >= 60_000)))
    for name, found in lists.items():
        if found["end"] is None:
            continue
        # The first page also counts completeListSize; "early" (pages 2-51) is the fair base.
        ratio_first = found["end"] / found["first"]
        ratio_early = found["end"] / found["early"]
        rows.append((f"2. {name}: end page ≤ {FLAT}x first",
                     f"end {_ms(found['end'])}; first {_ms(found['first'])} "
                     f"({ratio_first:.2f}x); pages 2-51 {_ms(found['early'])} "
                     f"({ratio_early:.2f}x)",
                     _verdict(ratio_first <= FLAT and ratio_early <= FLAT)))
    rss = r.get("server_peak_rss_mb")
    rows.append(("3. server worker peak RSS < 150 MB",
                 "—" if rss is None else f"{rss:.0f} MB", _verdict(None if rss is None
                                                                   else rss < 150)))
    s2s = r.get("store_to_store", {})
    if "rate" in s2s:
        rows.append(("3. harvester peak RSS < 200 MB", f"{s2s['rss_mb']:.0f} MB",
                     _verdict(s2s["rss_mb"] < 200)))
    rows.append(("4. bulk import ≥ 20,000 records/s",
                  f"{_rate(r['import_rate'])} (store writes alone {_rate(r['write_rate'])})",
                  _verdict(r["import_rate"] >= 20_000)))
    if "rate" in s2s:
        rows.append(("5. store-to-store harvest ≥ 15,000 records/s", _rate(s2s["rate"]),
                     _verdict(s2s["rate"] >= 15_000)))
    else:
        note = s2s.get("skipped") or s2s.get("error") or "not run"
        rows.append(("3/5. our harvester: store-to-store", f"not measured: {note}"[:160], "n/a"))
    conc = r.get("concurrent")
    if conc:
        measured = (f"{conc['harvesters']} harvests, {conc['records_served']:,} records in "
                    f"{conc['seconds']:.0f} s ({_rate(conc['rate'])} in all), "
                    f"{conc['edits']} records edited in {conc['edit_transactions']} "
                    f"transactions; problems: {len(conc['problems'])}")
        rows.append(("6. concurrent harvests under edits: no error, skip or repeat",
                     measured, _verdict(conc["ok"])))
    return rows


def markdown(results: list[dict], meta: dict) -> str:
    out = [
        "# Benchmark results",
        "",
        f"Run {meta['started']} ({meta['minutes']} min) at commit {meta['commit']}; "
        f"{meta['cpus']} cores shared by the server, the database and the harvesting "
        f"client(s); Python {meta['python']}"
        + (f", PostgreSQL {meta['postgres']}" if meta["postgres"] else "") + ". "
        f"Medians of {meta['runs']} runs. gunicorn, 1 sync worker "
        f"({meta['concurrent_workers']} for the concurrent harvests), default page size "
        f"({meta.get('page_size', '?')}), "
        "no compression (the client sends Accept-Encoding: identity). The targets are for "
        "1,000,000 records; rows at other sizes say how far the trend goes. Load average "
        f"at the end (1/5/15 min): {' / '.join(map(str, meta.get('load', [])))}; above about 2, "
        "other work was sharing the cores and the rates are low.",
        "",
        "| engine | records | target | measured (median) | verdict |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for r in results:
        for target, measured, verdict in target_rows(r):
            out.append(f"| {r['engine']} | {r['size']:,} | {target} | {measured} | {verdict} |")
    out += ["", "## Page times (median of runs)", "",
            "| engine | records | list | items | rate | first | pages 2-51 | middle | end | last |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        for name, f in r["lists"].items():
            out.append(f"| {r['engine']} | {r['size']:,} | {name} | {f['items']:,.0f} | "
                       f"{_rate(f['rate'])} | {_ms(f['first'])} | {_ms(f['early'])} | "
                       f"{_ms(f['middle'])} | {_ms(f['end'])} | {_ms(f['last'])} |")
    out += ["", "## Bulk import (synth)", "",
            "| engine | records | records/s | store writes alone | drafts (s) | "
            "of which oai_dc rendering (s) | writes (s) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        for i in r["imports"]:
            out.append(f"| {r['engine']} | {r['size']:,} | {_rate(i['rate'])} | "
                       f"{_rate(i['write_rate'])} | {i['build_seconds']:.1f} | "
                       f"{i['render_seconds']:.1f} | {i['write_seconds']:.1f} |")
    problems = [(r["engine"], p) for r in results for p in r.get("concurrent", {})
                .get("problems", [])]
    if problems:
        out += ["", "## Problems seen by the concurrent harvesters", ""]
        out += [f"- {engine}: {p}" for engine, p in problems[:40]]
    return "\n".join(out) + "\n"
