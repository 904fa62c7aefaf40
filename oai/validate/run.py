"""One validation run: Identify first (an endpoint that cannot be reached or does not speak
OAI-PMH ends the run), then formats, sets, the lists, records, errors and hostile requests,
within a budget of requests; and the ``Report`` it gives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.policy import HarvestPolicy
from oai.validate import schemas as schema_files
from oai.validate.checks import Outcome, Verdict, Verdicts
from oai.validate.errorcases import Known, check_errors, check_hostile
from oai.validate.identify import Identity, check_identify, check_transport
from oai.validate.lists import resend, walk
from oai.validate.probe import Overloaded, Probe, Stopped, oai
from oai.validate.quality import check_quality
from oai.validate.records import (
    OAI_DC_NS,
    check_fixed_windows,
    check_get_record,
    check_items,
    check_set_members,
    check_windows,
    pick,
)
from store.syntax import is_setspec

OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
FIXED_REQUESTS = 70     # Identify and transport, formats, the bad and hostile requests
WALKS = 6               # ListSets, ListIdentifiers (twice), ListRecords, two windows


@dataclass(frozen=True)
class Options:
    admin_email: str                 # our From header
    max_pages: int = 10
    set_spec: str | None = None
    prefix: str = "oai_dc"
    delay: float = 0.0
    timeout: float = 30.0
    fetch_schemas: bool = True       # into the cache folder, when none is found

    @property
    def budget(self) -> int:
        return FIXED_REQUESTS + WALKS * self.max_pages


@dataclass
class Report:
    base_url: str
    verdicts: list[Verdict]
    requests: int
    budget: int
    fatal: str | None = None          # why the endpoint could not be judged at all
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return 3
        return 1 if any(v.outcome is Outcome.FAIL for v in self.verdicts) else 0

    def counts(self) -> dict[str, int]:
        return {o.value: sum(v.outcome is o for v in self.verdicts) for o in Outcome}

    def as_data(self) -> dict:
        return {"base_url": self.base_url, "exit_code": self.exit_code, "fatal": self.fatal,
                "requests": self.requests, "budget": self.budget, "notes": self.notes,
                "counts": self.counts(), "checks": [v.as_data() for v in self.verdicts]}


def validate(base_url: str, options: Options,
             client_factory: Callable[[HttpConfig, HarvestPolicy], HttpClient] | None = None
             ) -> Report:
    config = HttpConfig(admin_email=options.admin_email, connect_timeout=options.timeout,
                        read_timeout=options.timeout, delay=options.delay,
                        backoff_factor=0.5, backoff_max=10.0, retry_after_max=10.0)
    # Two retries, and a Retry-After of more than 10 s is cut down to that: a validator
    # should notice an overloaded or flaky endpoint, not wait for it.
    policy = HarvestPolicy(retries=2)
    client = (client_factory or (lambda c, p: HttpClient(c, policy=p)))(config, policy)
    verdicts, notes = Verdicts(), list[str]()
    try:
        schemas = _schemas(client, options, notes)
        probe = Probe(base_url, client, verdicts, schemas, options.budget)
        fatal = _run(probe, options, notes)
    finally:
        client.close()
    return Report(base_url, verdicts.all(), probe.sent, options.budget, fatal, notes)


def _schemas(client: HttpClient, options: Options, notes: list[str]):  # noqa: ANN202
    loaded, reason = schema_files.find_and_load()
    if loaded is None and options.fetch_schemas:
        def get(url: str) -> bytes:
            fetched = client.get(url)
            if fetched.status != 200:
                raise ValueError(f"HTTP {fetched.status}")
            return fetched.body
        problems = schema_files.fetch_missing(schema_files.cache_dir(), get)
        loaded, reason = schema_files.find_and_load()
        notes.extend(f"schema not fetched: {p}" for p in problems[:3])
    if loaded is None:
        notes.append(f"A2 skipped: {reason}")
    return loaded


def _run(probe: Probe, options: Options, notes: list[str]) -> str | None:
    try:
        first = probe.get([("verb", "Identify")])
    except Overloaded as exc:
        return str(exc)
    if first.status == 0:
        return f"{probe.base_url} cannot be reached: {first.problem}"
    if first.root is None:
        return f"{probe.base_url} does not speak OAI-PMH: {first.describe()}"
    try:
        ident = check_identify(probe, first)
        check_transport(probe, first, ident)
        _lists(probe, options, ident)
    except Overloaded as exc:
        return str(exc)
    except Stopped as exc:
        notes.append(f"stopped early: {exc}; the checks not reached are SKIP")
    return None


def _formats(probe: Probe, prefix: str) -> None:
    v = probe.verdicts
    ex = probe.get([("verb", "ListMetadataFormats")])
    body = ex.verb("ListMetadataFormats")
    formats = [tuple((f.findtext(oai(n)) or "").strip()
                     for n in ("metadataPrefix", "schema", "metadataNamespace"))
               for f in (body.findall(oai("metadataFormat")) if body is not None else [])]
    v.ok("D8", ("oai_dc", OAI_DC_SCHEMA, OAI_DC_NS) in formats, ex.request,
         ex.describe() + f": {formats}")
    prefixes = [f[0] for f in formats]
    v.ok("D8", len(set(prefixes)) == len(prefixes), ex.request, f"repeated prefixes {prefixes}")


def _lists(probe: Probe, options: Options, ident: Identity) -> None:
    v, pages, prefix = probe.verdicts, options.max_pages, options.prefix
    _formats(probe, prefix)
    sets = walk(probe, "ListSets", [], pages, "C2")
    has_sets = sets.errors != ["noSetHierarchy"]
    specs = [i.identifier for i in sets.items]
    v.ok("C1", (not has_sets) or (bool(specs) and len(set(specs)) == len(specs)
                                  and all(is_setspec(s) for s in specs)),
         sets.first.request, sets.first.describe() + f": setSpecs {specs[:5]}")
    set_spec = options.set_spec or (specs[0] if specs else None)

    ids = walk(probe, "ListIdentifiers", [("metadataPrefix", prefix)], pages, "D3")
    v.ok("D1", bool(ids.items), ids.first.request, ids.first.describe())
    check_items(probe, ids.items, ident, records=False)
    if ids.tokens:
        resend(probe, "ListIdentifiers", ids.tokens[0], ids.pages[1] if len(ids.pages) > 1
               else [])
    else:
        v.skip("G8", "no list took more than one page")
    if set_spec and has_sets:
        in_set = walk(probe, "ListIdentifiers", [("metadataPrefix", prefix),
                                                 ("set", set_spec)], pages, "D3")
        v.ok("D2", bool(in_set.items) or in_set.errors == ["noRecordsMatch"],
             in_set.first.request, in_set.first.describe())
        check_set_members(probe, in_set.items, set_spec)
    recs = walk(probe, "ListRecords", [("metadataPrefix", prefix)], pages, "G3")
    v.ok("F6", bool(recs.items), recs.first.request, recs.first.describe())
    check_items(probe, recs.items, ident, records=True)
    if prefix == "oai_dc":
        check_quality(probe, recs.items)
    item = pick(ids.items) or pick(recs.items)
    if item is not None:
        check_get_record(probe, item, prefix, ident)
        check_windows(probe, item, prefix, ident, pages)
    check_fixed_windows(probe, prefix, set_spec if has_sets else None)
    year = ident.earliest.year if ident.earliest is not None else None
    check_errors(probe, Known(prefix, item.identifier if item else None,
                              ids.tokens[0] if ids.tokens else None, set_spec, has_sets,
                              ident.granularity, ident.earliest_text, year))
    check_hostile(probe, prefix)
