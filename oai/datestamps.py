"""UTC datestamps: strict parsing of request dates, formatting of response dates, and a lenient
parser for partners' datestamps (the harvester's side).

Requests are parsed strictly because the spec allows exactly two forms (§3.3.1); what partners
send is parsed leniently because real servers emit milliseconds, offsets and bare dates
(pyoai#30, metha#38) and a harvest should not die on them.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, time, timezone

from dateutil import parser as _dateutil_parser

from oai.errors import BadArgument
from store.syntax import DAY_FORMAT, SECONDS_FORMAT


class Granularity(enum.Enum):
    """The two granularities of §3.3; the value is the Identify <granularity> text."""

    DAY = "YYYY-MM-DD"
    SECONDS = "YYYY-MM-DDThh:mm:ssZ"

    @property
    def rank(self) -> int:
        return 0 if self is Granularity.DAY else 1


# §3.3.1: the only legal request forms. [0-9] rather than \d, which also matches other scripts'
# digits in Python.
_DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_SECONDS_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")

# A fixed lower bound for an empty repository's earliestDatestamp (§4.2 asks only for a bound).
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class RequestDate:
    """A from/until value as the harvester sent it: the moment it names and its granularity."""

    moment: datetime          # aware UTC; midnight for day granularity
    granularity: Granularity

    def as_until(self) -> datetime:
        """The inclusive upper bound this value stands for: until=2016-08-20 covers the whole
        UTC day, i.e. up to 2016-08-20T23:59:59Z (§2.7.1, inclusive ranges)."""
        if self.granularity is Granularity.DAY:
            return datetime.combine(self.moment.date(), time(23, 59, 59), timezone.utc)
        return self.moment


def parse_request_date(text: str) -> RequestDate:
    """Parse a from/until argument; ValueError for anything but the two §3.3.1 forms."""
    match = _SECONDS_RE.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(p) for p in match.groups())
        # datetime() itself rejects 2023-02-30, hour 24, second 60 and year 0.
        return RequestDate(datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc),
                           Granularity.SECONDS)
    match = _DAY_RE.fullmatch(text)
    if match:
        year, month, day = (int(p) for p in match.groups())
        return RequestDate(datetime(year, month, day, tzinfo=timezone.utc), Granularity.DAY)
    raise ValueError(f"{text!r} is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ")


def check_range(from_: RequestDate | None, until: RequestDate | None,
                supported: Granularity) -> list[BadArgument]:
    """The badArgument errors of a from/until pair (empty when the pair is fine)."""
    errors: list[BadArgument] = []
    for name, value in (("from", from_), ("until", until)):
        # §3.3.1: a granularity finer than the repository supports must produce an error.
        if value is not None and value.granularity.rank > supported.rank:
            errors.append(BadArgument(
                f"'{name}' is finer than this repository's granularity {supported.value}"))
    if from_ is not None and until is not None:
        if from_.granularity is not until.granularity:
            # §3.3.1: from and until must have the same granularity.
            errors.append(BadArgument("'from' and 'until' must have the same granularity"))
        elif from_.moment > until.moment:
            # §2.7.1: from must be less than or equal to until.
            errors.append(BadArgument("'from' is later than 'until'"))
    return errors


def format_datestamp(moment: datetime, granularity: Granularity = Granularity.SECONDS) -> str:
    """YYYY-MM-DDThh:mm:ssZ (or YYYY-MM-DD) in UTC; fractions are dropped, never written (§3.3.2).
    A naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if granularity is Granularity.DAY:
        return moment.strftime(DAY_FORMAT)
    return moment.strftime(SECONDS_FORMAT)


def parse_granularity(text: str) -> Granularity | None:
    """A partner's Identify <granularity>, compared case-insensitively (some servers vary the
    case); None when it is neither form."""
    cleaned = text.strip().upper()
    for gran in Granularity:
        if gran.value.upper() == cleaned:
            return gran
    return None


def parse_lenient(text: str) -> datetime:
    """A partner's datestamp as an aware UTC datetime, microseconds kept.

    Accepts what real servers send besides the two legal forms: fractional seconds
    (2017-11-09T12:50:22.485Z), numeric offsets, a lower-case z, a space instead of T, and
    date-only or zone-less values (taken as UTC, the only zone OAI-PMH knows). ValueError
    for an empty or unreadable value.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty datestamp")
    if cleaned[-1] == "z":
        cleaned = cleaned[:-1] + "Z"
    try:
        moment = _dateutil_parser.isoparse(cleaned)
    except (ValueError, OverflowError):
        # isoparse wants 'T'; accept the common "YYYY-MM-DD hh:mm:ss" too, but nothing vaguer
        # (dateutil's free-form parser would read "3" as the 3rd of this month).
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+(Z|[+-][0-9:]+)?", cleaned):
            raise ValueError(f"unreadable datestamp {text!r}") from None
        try:
            moment = _dateutil_parser.isoparse(cleaned.replace(" ", "T", 1))
        except (ValueError, OverflowError):
            raise ValueError(f"unreadable datestamp {text!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    """The current time, UTC, whole seconds (the grain of every datestamp we write)."""
    return datetime.now(timezone.utc).replace(microsecond=0)
