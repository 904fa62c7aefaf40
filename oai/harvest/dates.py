"""Partners' datestamps in the harvester: lenient reading, strict writing.

Builds on ``oai.datestamps`` (the project's one datestamp vocabulary). Partners send
milliseconds (DSpace ``2017-11-09T12:50:22.485Z``), offsets, bare dates or nothing at all, so
reading never raises here; the caller always keeps the verbatim string as well. Writing
``from``/``until`` is strict: OAI-PMH §3.3.1 allows ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ``
only, and a partner whose Identify declares days answers anything finer with badArgument
(dataverse#11020), so a bound is never sent finer than the partner's granularity.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from oai.datestamps import Granularity, format_datestamp, parse_granularity, parse_lenient


def read_datestamp(text: str | None) -> datetime | None:
    """*text* as an aware UTC datetime for comparisons, or None when it cannot be read."""
    if text is None:
        return None
    try:
        return parse_lenient(text)
    except ValueError:
        return None


def partner_granularity(declared: str | None) -> Granularity:
    """Identify's ``granularity``, compared case-insensitively.

    A value that is neither legal form (empty, misspelt, ``YYYY-MM-DDThh:mm:ss.SZ``) counts
    as DAY unless it plainly names seconds: sending a day where seconds would do only widens
    the window a little, while sending seconds to a day partner gets badArgument.
    """
    known = parse_granularity(declared or "")
    if known is not None:
        return known
    if (declared or "").strip().lower().startswith("yyyy-mm-ddthh:mm:ss"):
        return Granularity.SECONDS
    return Granularity.DAY


def as_utc(value: datetime | date | str) -> datetime:
    """A bound given as a datetime, a date or a (partner's) datestamp string, in UTC.

    ValueError with the offending value when a string cannot be read.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    return parse_lenient(value)


def format_bound(value: datetime | date | str, granularity: Granularity) -> str:
    """A ``from``/``until`` argument at *granularity*, never finer.

    Truncating (never rounding up) is safe for both bounds: ``from`` only moves earlier, so
    nothing is missed, and a day-granular ``until`` covers its whole day (§3.3.1).
    """
    return format_datestamp(as_utc(value), granularity)
