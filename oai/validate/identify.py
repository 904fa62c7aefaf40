"""Identify (checks B1 to B12, and the 301 of A5): what the endpoint says about itself.

The rules are the project's own: granularities are ``oai.datestamps.Granularity``, dates are
read by ``parse_request_date`` (the strict §3.3.1 forms), e-mail addresses and repository
identifiers by ``store.syntax``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from oai.datestamps import Granularity, parse_request_date
from oai.validate.probe import Exchange, Probe, oai
from store.syntax import is_email, is_repository_identifier

OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
REQUIRED_ONCE = ("repositoryName", "baseURL", "protocolVersion", "earliestDatestamp",
                 "deletedRecord", "granularity")
DELETED_RECORD = ("no", "transient", "persistent")
_LOCAL_HOSTS = ("localhost", "localhost.localdomain", "127.0.0.1", "[127.0.0.1]")


@dataclass
class Identity:
    """What the rest of the run needs from Identify; safe defaults when it is unusable."""

    granularity: Granularity = Granularity.DAY   # §3.3.1: every repository supports days
    earliest: datetime | None = None
    earliest_text: str = ""
    deleted_record: str = ""
    compression: list[str] = field(default_factory=list)
    repository_name: str = ""


def _text(el: etree._Element, name: str) -> str:
    return (el.findtext(oai(name)) or "").strip()


def check_identify(probe: Probe, first: Exchange) -> Identity:
    """Judge the Identify answer *first* (already sent) and ask what B9-B12 need."""
    v, req = probe.verdicts, first.request
    ident = Identity()
    body = first.verb("Identify")
    if body is None:
        v.fail("B1", req, first.describe())
        return ident
    missing = [n for n in REQUIRED_ONCE if len(body.findall(oai(n))) != 1]
    emails = [(e.text or "").strip() for e in body.findall(oai("adminEmail"))]
    v.ok("B1", not missing and bool(emails), req,
         f"not exactly once: {', '.join(missing)}" if missing else "no adminEmail")
    ident.repository_name = _text(body, "repositoryName")
    base = _text(body, "baseURL")
    v.ok("B2", base == probe.base_url, req,
         f"baseURL {base!r}, harvested at {probe.base_url!r}")
    version = _text(body, "protocolVersion")
    v.ok("B3", version == "2.0", req, f"protocolVersion {version!r}")
    declared = _text(body, "granularity")
    try:
        ident.granularity = Granularity(declared)
        v.ok("B4", True)
    except ValueError:
        v.fail("B4", req, f"granularity {declared!r}")
    ident.earliest_text = _text(body, "earliestDatestamp")
    try:
        date = parse_request_date(ident.earliest_text)
        ident.earliest = date.moment
        # §3.3.2: earliestDatestamp is at the repository's finest granularity.
        v.ok("B5", date.granularity is ident.granularity, req,
             f"earliestDatestamp {ident.earliest_text!r} with granularity {declared!r}")
    except ValueError:
        v.fail("B5", req, f"earliestDatestamp {ident.earliest_text!r}")
    ident.deleted_record = _text(body, "deletedRecord")
    v.ok("B6", ident.deleted_record in DELETED_RECORD, req,
         f"deletedRecord {ident.deleted_record!r}")
    for email in emails:
        host = email.rpartition("@")[2].lower()
        v.ok("B7", is_email(email) and host not in _LOCAL_HOSTS, req, f"adminEmail {email!r}")
    ident.compression = [(c.text or "").strip() for c in body.findall(oai("compression"))]
    _oai_identifier(probe, body, req)
    return ident


def _oai_identifier(probe: Probe, body: etree._Element, req: str) -> None:
    found = [d for desc in body.findall(oai("description")) for d in desc
             if isinstance(d.tag, str) and etree.QName(d).localname == "oai-identifier"]
    if not found:
        probe.verdicts.skip("B8", "Identify has no oai-identifier description")
        return
    if not probe.verdicts.ok("B8", len(found) == 1, req, f"{len(found)} oai-identifier "
                             "descriptions"):
        return
    el = found[0]
    repo_id = (el.findtext(f"{{{OAI_IDENTIFIER_NS}}}repositoryIdentifier") or "").strip()
    probe.verdicts.ok("B8", etree.QName(el).namespace == OAI_IDENTIFIER_NS
                      and is_repository_identifier(repo_id), req,
                      f"oai-identifier in {etree.QName(el).namespace!r}, "
                      f"repositoryIdentifier {repo_id!r}")


def check_transport(probe: Probe, first: Exchange, ident: Identity) -> None:
    """B9-B12 and the redirect part of A5: more requests about Identify."""
    v = probe.verdicts
    extra = probe.get([("verb", "Identify"), ("test", "test")])
    v.ok("B9", extra.errors == ["badArgument"], extra.request, extra.describe())
    posted = probe.raw("POST", [("verb", "Identify")])
    body, same = posted.verb("Identify"), first.verb("Identify")
    v.ok("B10", body is not None and same is not None
         and _text(body, "baseURL") == _text(same, "baseURL"), posted.request, posted.describe())
    unfollowed = probe.raw("GET", [("verb", "Identify")], follow=False, judge=False)
    # OAI-VAL: a 301 on the base URL "is not widely supported by harvesters"; 302 is §3.1.2.2's.
    v.ok("A5", unfollowed.status not in (301, 308), unfollowed.request,
         f"HTTP {unfollowed.status} to {unfollowed.headers.get('Location')}")
    plain = probe.raw("GET", [("verb", "Identify")], headers={"Accept-Encoding": "identity"})
    coding = plain.headers.get("Content-Encoding", "identity").lower()
    v.ok("B11", coding == "identity", plain.request + " (Accept-Encoding: identity)",
         f"Content-Encoding: {coding}")
    announced = [c for c in ident.compression if c.lower() != "identity"]
    if not announced:
        v.skip("B12", "Identify announces no compression")
    for coding in announced[:3]:
        ex = probe.raw("GET", [("verb", "Identify")], headers={"Accept-Encoding": coding})
        used = ex.headers.get("Content-Encoding", "identity").lower()
        v.ok("B12", used == coding.lower() and ex.verb("Identify") is not None,
             f"{ex.request} (Accept-Encoding: {coding})",
             f"Content-Encoding: {used}; {ex.describe()}")
