"""What a check is, the catalogue of checks, and the verdicts a run collects.

Every check has an id (the letters and numbers of the conformance list: A1... I2), the spec
section it enforces, a level and a one-line title. A MUST that is broken FAILs, a SHOULD (or a
recommendation of the guidelines and public validators) WARNs. A check runs against many
responses; its verdict is the worst one, and a failure keeps the first request that showed it
and what came back, so the operator can ask it again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Check:
    id: str
    section: str
    level: Level
    title: str


M, S = Level.MUST, Level.SHOULD
_TABLE = [
    # A. every response
    ("A1", "§3.2", M, "well-formed XML in UTF-8 with an XML declaration"),
    ("A2", "§3.2.1", M, "valid against OAI-PMH.xsd and every payload schema"),
    ("A3", "§3.2", M, "root xsi:schemaLocation names the official OAI-PMH.xsd"),
    ("A4", "§3.3.2", M, "responseDate is YYYY-MM-DDThh:mm:ssZ"),
    ("A5", "§3.1.2.1", M, "HTTP 200, OAI-PMH errors included; no 301 on the baseURL"),
    ("A6", "§3.1.2.1", M, "Content-Type is text/xml"),
    ("A7", "§3.2", M, "<request> holds the baseURL and echoes exactly the arguments"),
    ("A8", "§3.5", S, "responses stay small (large lists use resumptionTokens)"),
    ("A9", "§3.1.2.2", S, "a 503 says when to come back: Retry-After in seconds, at most 1 h"),
    # B. Identify
    ("B1", "§4.2", M, "Identify answers with every required element once"),
    ("B2", "§4.2", M, "baseURL equals the URL harvested"),
    ("B3", "§4.2", M, "protocolVersion is 2.0"),
    ("B4", "§3.3", M, "granularity is YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
    ("B5", "§4.2", M, "earliestDatestamp is a date at the declared granularity"),
    ("B6", "§4.2", M, "deletedRecord is no, transient or persistent"),
    ("B7", "§4.2", M, "adminEmail is a real e-mail address"),
    ("B8", "oai-identifier", M, "oai-identifier description: one, with a domain name"),
    ("B9", "§4.2", M, "Identify with an extra argument is badArgument"),
    ("B10", "§3.1.1", M, "POST gives the same Identify as GET"),
    ("B11", "§3.1.3", M, "identity encoding is supported (no Content-Encoding unasked)"),
    ("B12", "§3.1.3", S, "every compression Identify announces is used when asked for"),
    # C. ListSets
    ("C1", "§4.6", M, "ListSets lists unique, well-formed setSpecs, or noSetHierarchy"),
    ("C2", "§4.6", M, "ListSets resumptionToken gives the next page"),
    # D. ListIdentifiers, ListMetadataFormats
    ("D1", "§4.3", M, "ListIdentifiers oai_dc lists headers"),
    ("D2", "§4.3", M, "ListIdentifiers with set lists headers or noRecordsMatch"),
    ("D3", "§4.3", M, "ListIdentifiers resumptionToken gives the next page"),
    ("D4", "§4.3", M, "resumptionToken with metadataPrefix is badArgument"),
    ("D5", "§4.3", M, "ListIdentifiers from=until=2000-01-01: list or noRecordsMatch"),
    ("D6", "§4.3", M, "the same with a set: list or noRecordsMatch"),
    ("D7", "§4.3", M, "illegal set, from and until are badArgument"),
    ("D8", "§4.4", M, "ListMetadataFormats includes oai_dc with its official schema"),
    ("D9", "§4.4", M, "ListMetadataFormats for an item lists its formats"),
    # E. errors
    *[(f"E{n}", "§3.6", M, text) for n, text in [
        (1, "no verb is badVerb"), (2, "an unknown verb is badVerb"),
        (3, "GetRecord without identifier is badArgument"),
        (4, "GetRecord without metadataPrefix is badArgument"),
        (5, "an illegal identifier is badArgument or idDoesNotExist, well-formed"),
        (6, "until=junk is badArgument"), (7, "from=junk is badArgument"),
        (8, "resumptionToken with until is badArgument or badResumptionToken"),
        (9, "ListRecords from=junk is badArgument"),
        (10, "an unknown resumptionToken is badResumptionToken"),
        (11, "resumptionToken with other arguments is an error"),
        (12, "ListRecords until=junk is badArgument"),
        (13, "ListRecords without metadataPrefix is badArgument"),
        (14, "from and until of different granularities are badArgument"),
        (15, "until before earliestDatestamp is noRecordsMatch"),
        (16, "GetRecord in an unknown format is cannotDisseminateFormat"),
        (17, "a repeated verb is badVerb"), (18, "a repeated argument is badArgument"),
        (19, "from after until is badArgument"),
        (20, "seconds on a day-granularity repository are badArgument"),
        (21, "ListRecords in an unknown format is cannotDisseminateFormat"),
        (22, "an unknown ListSets token is badResumptionToken"),
        (23, "a repository without sets answers noSetHierarchy"),
        (24, "ListMetadataFormats for an unknown item is idDoesNotExist"),
        (25, "GetRecord for an unknown item is idDoesNotExist"),
        (26, "an item without formats is noMetadataFormats"),
        (27, "badVerb and badArgument answers echo no attributes")]],
    # F. records
    ("F1", "§4.1", M, "GetRecord returns the record with header and oai_dc metadata"),
    ("F2", "§3.3.2", M, "datestamps are at the declared granularity"),
    ("F3", "§4.3", M, "a set-selected header carries that setSpec or a descendant"),
    ("F4", "§3.1.1", M, "POST GetRecord gives the record"),
    ("F5", "§2.7.1", M, "from=until=datestamp includes the record (inclusive range)"),
    ("F6", "§4.5", M, "ListRecords oai_dc returns complete records"),
    ("F7", "§2.7.1", M, "a one-datestamp window returns only that datestamp"),
    ("F8", "§2.5.1", M, "deleted records follow deletedRecord and carry no metadata"),
    ("F9", "§4.2", M, "no datestamp is earlier than earliestDatestamp"),
    # G. resumption tokens
    ("G1", "§3.5", M, "at most one resumptionToken; non-empty on a first page"),
    ("G2", "§3.5", M, "cursor is 0 on a first page"),
    ("G3", "§3.5", M, "a resumptionToken gives the next page, with items"),
    ("G4", "§3.5", M, "the last page of a list has an empty resumptionToken"),
    ("G5", "§3.5", S, "first page: expirationDate 23 h ahead, completeListSize sensible"),
    ("G6", "G§5", S, "ListRecords/ListIdentifiers pages of 100 to 500 items"),
    ("G7", "§3.5", M, "cursor and completeListSize agree with the items served"),
    ("G8", "§3.5.1", M, "re-sending a token gives the same page"),
    # H. metadata quality (recommendations of OVAL / DRIVER)
    ("H1", "DRIVER", S, "records have identifier, title, date, type and creator"),
    ("H2", "DRIVER", S, "dc:date is ISO 8601"),
    ("H3", "DRIVER", S, "dc:language is an ISO 639 code"),
    ("H4", "DRIVER", S, "records have their own absolute http(s) dc:identifier"),
    ("H5", "DRIVER", S, "no double-encoded UTF-8 in dc:description"),
    ("H6", "DRIVER", S, "handles are real (not the 123456789 placeholder)"),
    # I. robustness
    ("I1", "§3.6", M, "hostile arguments get a well-formed OAI-PMH error, never a 5xx"),
    ("I2", "§3.2", M, "no external entity is resolved"),
]
CATALOGUE: dict[str, Check] = {row[0]: Check(*row) for row in _TABLE}


@dataclass
class Verdict:
    """One check's verdict over the run."""

    check: Check
    outcome: Outcome
    runs: int = 0
    request: str | None = None    # the request that showed the failure
    got: str | None = None        # what came back
    note: str | None = None       # why it was skipped, or a passing remark

    def as_data(self) -> dict:
        return {"id": self.check.id, "section": self.check.section,
                "level": self.check.level.value, "title": self.check.title,
                "outcome": self.outcome.value, "runs": self.runs, "request": self.request,
                "got": self.got, "note": self.note}


@dataclass
class Verdicts:
    """The verdicts collected so far, in catalogue order."""

    by_id: dict[str, Verdict] = field(default_factory=dict)

    def _get(self, check_id: str) -> Verdict:
        if check_id not in self.by_id:
            self.by_id[check_id] = Verdict(CATALOGUE[check_id], Outcome.SKIP)
        return self.by_id[check_id]

    def ok(self, check_id: str, passed: bool, request: str | None = None,
           got: str | None = None) -> bool:
        """One run of *check_id*: a failure FAILs a MUST and WARNs a SHOULD. Returns *passed*."""
        verdict = self._get(check_id)
        verdict.runs += 1
        if passed:
            if verdict.outcome is Outcome.SKIP:
                verdict.outcome, verdict.note = Outcome.PASS, None
        elif verdict.outcome not in (Outcome.FAIL, Outcome.WARN):
            verdict.outcome = Outcome.FAIL if verdict.check.level is Level.MUST else Outcome.WARN
            verdict.request, verdict.got = request, got
        return passed

    def fail(self, check_id: str, request: str | None, got: str) -> None:
        self.ok(check_id, False, request, got)

    def skip(self, check_id: str, why: str) -> None:
        verdict = self._get(check_id)
        if verdict.runs == 0 and verdict.note is None:
            verdict.note = why

    def all(self) -> list[Verdict]:
        for check_id in CATALOGUE:
            verdict = self._get(check_id)
            if verdict.outcome is Outcome.SKIP and verdict.note is None:
                verdict.note = "nothing of the kind at this endpoint"
        return [self.by_id[c] for c in CATALOGUE]

    def failed(self) -> list[Verdict]:
        return [v for v in self.all() if v.outcome is Outcome.FAIL]
