"""The short look ``sources add`` takes at a new partner: Identify, ListMetadataFormats, the
first pages of the list to harvest and one bad token. It refuses nothing; it says what the
harvester will have to work around, so the administrator hears it once, at the start, and not
from a failed run at night.
"""
from __future__ import annotations

from dataclasses import dataclass

from oai.datestamps import Granularity
from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.policy import HarvestPolicy
from oai.validate.checks import Verdicts
from oai.validate.probe import Exchange, Overloaded, Probe, oai
from oai.validate.records import OAI_DC_NS

PAGES = 3          # first pages followed, to see how a short list ends
BUDGET = 4 + PAGES   # Identify, ListMetadataFormats, a bad token, the pages, a 503 again


@dataclass(frozen=True)
class Finding:
    kind: str        # unreachable, identify, day-granularity, http-errors, no-empty-token,
                     # oai-dc-namespace, no-such-prefix, unreadable-page, busy
    message: str


def preflight(base_url: str, admin_email: str, *, prefix: str = "oai_dc",
              sets: tuple[str, ...] = (), timeout: float = 30.0,
              client: HttpClient | None = None) -> list[Finding]:
    """What the harvester will have to work around at *base_url*; [] when nothing."""
    own = client is None
    if client is None:
        # One retry and a short wait at most: adding a source must not hang on a busy partner.
        client = HttpClient(HttpConfig(admin_email=admin_email, connect_timeout=timeout,
                                       read_timeout=timeout, backoff_factor=0.5,
                                       retry_after_max=10.0),
                            policy=HarvestPolicy(retries=1))
    probe = Probe(base_url, client, Verdicts(), None, BUDGET)
    found: list[Finding] = []
    try:
        _look(probe, prefix, sets, found)
    except Overloaded as exc:
        found.append(Finding("busy", f"{exc}; harvests wait as its Retry-After asks"))
    finally:
        if own:
            client.close()
    return found


def _look(probe: Probe, prefix: str, sets: tuple[str, ...], found: list[Finding]) -> None:
    ident = probe.get([("verb", "Identify")], judge=False)
    if ident.status == 0:
        found.append(Finding("unreachable", f"not reachable now ({ident.problem}); the source "
                                            "is kept, the first harvest will tell"))
        return
    _http_errors(ident, found)
    body = ident.verb("Identify")
    granularity = (body.findtext(oai("granularity")) or "").strip() if body is not None else ""
    if body is None:
        found.append(Finding("identify", f"Identify is unusable ({ident.describe()}): harvests "
                                         "will use day granularity and no earliest date"))
    elif granularity == Granularity.DAY.value:
        found.append(Finding("day-granularity", "day granularity: incremental harvests ask "
                                                "whole days, so some records come twice"))
    elif granularity != Granularity.SECONDS.value:
        found.append(Finding("identify", f"granularity {granularity!r} is neither form of "
                                         "§3.3: harvests will use day granularity"))
    formats = probe.get([("verb", "ListMetadataFormats")], judge=False)
    _http_errors(formats, found)
    body = formats.verb("ListMetadataFormats")
    listed = {(f.findtext(oai("metadataPrefix")) or "").strip():
              (f.findtext(oai("metadataNamespace")) or "").strip()
              for f in (body.findall(oai("metadataFormat")) if body is not None else [])}
    if listed and prefix not in listed:
        found.append(Finding("no-such-prefix", f"the format {prefix!r} is not listed "
                                               f"(only {', '.join(sorted(listed))})"))
    if "oai_dc" in listed and listed["oai_dc"] != OAI_DC_NS:
        found.append(Finding("oai-dc-namespace", f"oai_dc is declared in "
                             f"{listed['oai_dc']!r}, not {OAI_DC_NS!r}: records are read "
                             "by their own namespace"))
    # One bad token, the cheapest request that must be an error: is it sent with HTTP 200?
    _http_errors(probe.get("verb=ListRecords&resumptionToken=granary-preflight", judge=False),
                 found)
    _first_pages(probe, prefix, sets, found)


def _http_errors(ex: Exchange, found: list[Finding]) -> None:
    if ex.errors and ex.status != 200 and not any(f.kind == "http-errors" for f in found):
        found.append(Finding("http-errors", f"OAI-PMH errors come with HTTP {ex.status} "
                             "(§3.1.2.1 says 200): the harvester reads the body anyway"))


def _first_pages(probe: Probe, prefix: str, sets: tuple[str, ...],
                 found: list[Finding]) -> None:
    args = [("metadataPrefix", prefix)] + ([("set", sets[0])] if sets else [])
    ex = probe.get([("verb", "ListRecords"), *args], judge=False)
    _http_errors(ex, found)
    for page in range(PAGES):
        body = ex.verb("ListRecords")
        if body is None:
            if not ex.errors:
                found.append(Finding("unreadable-page",
                                     f"page {page + 1} of ListRecords: {ex.describe()}"))
            return
        for payload in body.iterfind(f"{oai('record')}/{oai('metadata')}/*"):
            if prefix == "oai_dc" and payload.tag != f"{{{OAI_DC_NS}}}dc":
                found.append(Finding("oai-dc-namespace", f"records in oai_dc come as "
                                     f"{payload.tag!r}: they are kept as what they are"))
                break
        token = body.find(oai("resumptionToken"))
        if token is None:
            if page:
                # §3.5: the last page carries an empty token; the harvester copes without.
                found.append(Finding("no-empty-token", "the last page has no empty "
                                                       "resumptionToken"))
            return
        text = (token.text or "").strip()
        if not text or page + 1 == PAGES:
            return
        ex = probe.get([("verb", "ListRecords"), ("resumptionToken", text)], judge=False)
        _http_errors(ex, found)
