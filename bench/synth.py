"""synth: fill a store with N deterministic synthetic records, through the normal write path.

``python bench/synth.py N --database URL`` writes N records (seeded: the same N and seed give
the same catalogue) with about fifteen Dublin Core values and ~1 KB of oai_dc each, spread over
several years of datestamps, in a few sets including a hierarchy, and 1% tombstones. Records go
through ``RecordStore.writer()`` and ``put_many`` exactly as an import does, rendered in every
format ``schemas.default_registry()`` renders from Dublin Core (oai_dc, marc21, mods), as an
import renders them; ``--formats oai_dc`` renders fewer (for benchmarks of something else).
The store stamps each transaction with its clock at commit, so the clock given to the store
is moved forward between transactions: one transaction per batch, one datestamp per batch.

It prints records/s, and how the time split between building drafts (DC values + rendering),
rendering alone, and the store's write.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas import default_registry  # noqa: E402
from store import RecordStore  # noqa: E402
from store.record_types import DCValue, RecordDraft

ID_PREFIX = "oai:granary.example.org:synth-"
START = datetime(2019, 1, 1, tzinfo=timezone.utc)
YEARS = 5
# Top-level sets by share of records, and a three-level hierarchy some records are also in.
KINDS = ("articles", "articles", "articles", "theses", "books", "datasets")
COLLECTIONS = ("collections:maps", "collections:maps:historic", "collections:photos")
_SYLLABLES = ("ka", "lo", "mi", "ren", "sta", "vo", "tu", "bel", "gra", "nor", "qui", "des",
              "fan", "ho", "jun", "pe", "ris", "tal", "um", "zed")


def identifier(n: int) -> str:
    return f"{ID_PREFIX}{n:08d}"


class BatchClock:
    """The store's clock: returns ``now`` until ``advance`` moves it (between transactions)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, step: timedelta) -> None:
        self.now += step


class Synthesizer:
    """Deterministic drafts: record *n*'s content depends only on the seed and *n*.

    Phrases are drawn once from a seeded generator into pools; a record picks from the pools
    with a multiplicative hash of *n*, so making a draft costs little next to the store's own
    work and the measured rate is the import path's, not the random generator's.
    """

    def __init__(self, seed: int = 4, formats: Sequence[str] | None = None) -> None:
        rng = random.Random(seed)
        words = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
                        for _ in range(600)})

        def phrases(count: int, low: int, high: int) -> list[str]:
            return [" ".join(rng.choices(words, k=rng.randint(low, high))) for _ in range(count)]

        self.titles = [p.capitalize() for p in phrases(1021, 2, 5)]
        self.subtitles = phrases(509, 2, 4)
        self.names = [f"{w.capitalize()}, {rng.choice(words)[:1].upper()}." for w in words]
        self.subjects = phrases(251, 1, 3)
        self.sentences = [p.capitalize() + "." for p in phrases(1021, 8, 16)]
        self.publishers = [f"{p.title()} Press" for p in phrases(61, 1, 2)]
        self.seed = seed
        registry = default_registry()
        if formats is None:     # what an import writes: every format made from Dublin Core
            self.formats = registry.renderable()
        else:
            found = [registry.get(p) for p in formats]
            if any(f is None or f.render is None for f in found):
                raise ValueError(f"not formats rendered from Dublin Core: {formats}")
            self.formats = [f for f in found if f is not None]
        self.render_seconds = 0.0

    def dc(self, n: int, edition: int = 0) -> tuple[DCValue, ...]:
        h = (n + self.seed) * 2654435761 % 2**61
        title = f"{self.titles[h % 1021]}: {self.subtitles[(h >> 10) % 509]}"
        if edition:
            title += f" (revision {edition})"
        names, subjects, sentences = self.names, self.subjects, self.sentences
        values = [DCValue("title", title, "en")]
        values += [DCValue("creator", names[(h >> (12 + 4 * i)) % len(names)])
                   for i in range(1 + (h >> 20) % 3)]
        values += [DCValue("subject", subjects[(h >> (24 + 3 * i)) % 251])
                   for i in range(2 + (h >> 36) % 3)]
        description = " ".join(sentences[(h >> (7 * i)) % 1021] for i in range(3))
        values += [
            DCValue("description", description, "en"),
            DCValue("publisher", self.publishers[(h >> 40) % 61]),
            DCValue("date", f"{1950 + n % 75}-{1 + n % 12:02d}-{1 + n % 28:02d}"),
            DCValue("type", "Text"),
            DCValue("format", "application/pdf"),
            DCValue("identifier", f"https://library.example.org/items/{n}"),
            DCValue("identifier", f"urn:isbn:978{n:010d}"),
            DCValue("language", "en"),
            DCValue("relation", f"https://library.example.org/series/{n % 97}"),
            DCValue("rights", "CC BY 4.0"),
        ]
        return tuple(values)

    def sets(self, n: int) -> tuple[str, ...]:
        kind = KINDS[n % len(KINDS)]
        if n % 5 == 0:      # a fifth are also in a collection (some two levels down)
            return kind, COLLECTIONS[(n // 5) % len(COLLECTIONS)]
        return (kind,)

    def draft(self, n: int, edition: int = 0) -> RecordDraft:
        """Record *n*; every hundredth is a tombstone. *edition* > 0 makes a changed version."""
        ident, sets = identifier(n), self.sets(n)
        if n % 100 == 99 and not edition:
            # Listed as deleted in each format: the prefixes are named, their bytes not used.
            return RecordDraft(ident, sets=sets, deleted=True,
                               disseminations={f.prefix: b"" for f in self.formats})
        dc = self.dc(n, edition)
        t0 = time.perf_counter()
        xml = {f.prefix: f.serialize(dc) for f in self.formats}
        self.render_seconds += time.perf_counter() - t0
        return RecordDraft(ident, dc=dc, sets=sets, disseminations=xml)


@dataclass
class SynthResult:
    records: int
    seconds: float              # wall time of the whole fill (drafts + writes)
    build_seconds: float        # making drafts, rendering included
    render_seconds: float       # oai_dc rendering (lxml) alone
    write_seconds: float        # put_many + commit
    transactions: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def synth(url: str, count: int, *, seed: int = 4, batch: int = 1000, start: int = 0,
          years: float = YEARS, progress: bool = False,
          formats: Sequence[str] | None = None) -> SynthResult:
    """Write records start..start+count-1 to the store at *url* (upgraded first)."""
    clock = BatchClock()
    store = RecordStore(url, clock=clock)
    store.upgrade()
    maker = Synthesizer(seed, formats)
    batches = max(1, -(-count // batch))
    step = timedelta(seconds=int(years * 365.25 * 86400 / batches))
    build = write = 0.0
    began = time.perf_counter()
    try:
        for b in range(batches):
            t0 = time.perf_counter()
            first = start + b * batch
            drafts = [maker.draft(n) for n in range(first, min(first + batch, start + count))]
            t1 = time.perf_counter()
            with store.writer() as w:
                w.put_many(drafts, batch_size=1000)
            write += time.perf_counter() - t1
            build += t1 - t0
            clock.advance(step)
            if progress and (b + 1) % max(1, batches // 20) == 0:
                done = min(count, (b + 1) * batch)
                print(f"  {done} records, {done / (time.perf_counter() - began):,.0f}/s",
                      file=sys.stderr)
    finally:
        store.close()
    return SynthResult(count, time.perf_counter() - began, build, maker.render_seconds, write,
                       batches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of records to write")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of the store")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000,
                        help="records per transaction (one datestamp each); default 1000")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--progress", action="store_true", help="progress lines on stderr")
    parser.add_argument("--formats", help="comma-separated prefixes to render (default: every "
                        "format rendered from Dublin Core, as an import does)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.batch < 1:
        parser.error("count and --batch must be at least 1")
    formats = args.formats.split(",") if args.formats else None
    try:
        result = synth(args.database, args.count, seed=args.seed, batch=args.batch,
                       progress=args.progress, formats=formats)
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        print(json.dumps({**asdict(result), "rate": result.rate}))
    else:
        print(f"{result.records} records in {result.seconds:.1f} s: {result.rate:,.0f} records/s "
              f"(drafts {result.build_seconds:.1f} s, of which rendering "
              f"{result.render_seconds:.1f} s; store writes {result.write_seconds:.1f} s; "
              f"{result.transactions} transactions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
