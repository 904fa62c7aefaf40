"""The peer comparison's report (issue 12): each target's measured medians and ratio, one
table an engine, as Markdown. Ratios are the medians of the ratios of each run (both sides
of a ratio are measured one right after the other), not ratios of medians.
"""
from __future__ import annotations

from report import median

# Issue 12's targets: (wanted ratio, "ge" when Granary's figure must be at least that many
# times the peer's, "le" when its time must be at most that many times the reference's).
LISTS_AHEAD = 4.0
SMALL_AHEAD = 2.0
IMPORT_WITHIN = 2.0
STORE_TO_STORE_WITHIN = 2.5
FLAT_WITHIN = 1.2
WORKER_MB = 150
HARVESTER_MB = 200


def _verdict(value: float | None, wanted: float, how: str) -> str:
    if value is None:
        return "n/a"
    ok = value >= wanted if how == "ge" else value <= wanted if how == "le" else value < wanted
    return "met" if ok else "**missed**"


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _n(value: float | None, unit: str = "/s") -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:.2f}{unit}"


def rows(result: dict) -> list[tuple[str, str, str, str, str]]:
    """(what, Granary, reference, ratio, verdict) rows for one engine."""
    out = []
    for name, runs in result["lists"].items():
        verb, size = name.rsplit(" ", 1)
        ratio = median([r["granary"]["rate"] / r["peer"]["rate"] for r in runs])
        out.append((f"1. {verb}, page {size} (≥ {LISTS_AHEAD:g}x the peer)",
                    _n(median(r["granary"]["rate"] for r in runs)),
                    "peer " + _n(median(r["peer"]["rate"] for r in runs)),
                    _x(ratio), _verdict(ratio, LISTS_AHEAD, "ge")))
    small = result.get("small") or {}
    for key, verb in (("getrecord", "GetRecord"), ("identify", "Identify")):
        if not small:
            break
        pairs = list(zip(small["granary"], small["peer"], small["floor"], strict=True))
        ratio = median([g[key] / p[key] for g, p, _ in pairs])
        best = median([f[key] / p[key] for _, p, f in pairs])
        out.append((f"2. {verb}, one after another (≥ {SMALL_AHEAD:g}x the peer)",
                    _n(median(g[key] for g, _, _ in pairs), " req/s"),
                    "peer " + _n(median(p[key] for _, p, _ in pairs), " req/s"),
                    _x(ratio), _verdict(ratio, SMALL_AHEAD, "ge")))
        out.append((f"2. {verb}: a constant app under the same gunicorn (the floor)",
                    _n(median(f[key] for _, _, f in pairs), " req/s"), "",
                    _x(best), "the most any server reaches here"))
    imports = result["import"]
    ratio = median([i["seconds"] / i["floor"] for i in imports])
    out.append((f"3. import of the saved response (≤ {IMPORT_WITHIN:g}x a bare lxml pass)",
                 _n(median(i["seconds"] for i in imports), " s"),
                 "lxml pass " + _n(median(i["floor"] for i in imports), " s"),
                 _x(ratio), _verdict(ratio, IMPORT_WITHIN, "le")))
    s2s = result.get("store_to_store") or []
    if s2s:
        ratio = median([r["seconds"] / r["plain_seconds"] for r in s2s])
        out.append((f"4. our harvester, store to store, page {s2s[0]['page_size']} "
                    f"(≤ {STORE_TO_STORE_WITHIN:g}x a plain client)",
                    _n(median(r["seconds"] for r in s2s), " s"),
                    "plain client " + _n(median(r["plain_seconds"] for r in s2s), " s"),
                    _x(ratio), _verdict(ratio, STORE_TO_STORE_WITHIN, "le")))
    flat = max((median(r["granary"]["flat"] for r in runs)
                for runs in result["lists"].values()), default=None)
    out.append((f"5. last pages vs first (≤ {FLAT_WITHIN:g}x), worst list", _x(flat), "", "",
                _verdict(flat, FLAT_WITHIN, "le")))
    worker = max((m for m in result.get("worker_rss_mb") or [] if m is not None), default=None)
    out.append((f"5. server worker peak RSS (< {WORKER_MB} MB)", _n(worker, " MB"), "", "",
                _verdict(worker, WORKER_MB, "lt")))
    if s2s:
        harvester = max(r["rss_mb"] for r in s2s)
        out.append((f"5. harvester peak RSS (< {HARVESTER_MB} MB)", _n(harvester, " MB"), "",
                    "", _verdict(harvester, HARVESTER_MB, "lt")))
    return out


def markdown(results: list[dict], meta: dict) -> str:
    lines = ["# Granary beside the peer (oaipmh, the pyoai fork)", "",
             f"{meta['started']}, {meta['minutes']} min, commit {meta['commit']}; "
             f"{meta['cpus']} cores, Python {meta['python']}"
             + (f", PostgreSQL {meta['postgres']}" if meta.get("postgres") else "")
             + f"; load at the end {meta['load']}. Medians of {meta['runs']} runs; each ratio "
             "is the median of the runs' ratios. Granary: gunicorn, one "
             f"{meta['worker_class']} worker; the peer: peer_pyoai_server.py (wsgiref, "
             "one process); the client: harvest_timed.py and small_requests.py of "
             "shared/peer-bench, one requests session.", ""]
    for result in results:
        lines += [f"## {result['engine']}, {result['records']:,} records", "",
                  "| target | Granary | reference | ratio | verdict |",
                  "| --- | ---: | ---: | ---: | --- |"]
        lines += [f"| {' | '.join(row)} |" for row in rows(result)]
        lines.append("")
    return "\n".join(lines)
