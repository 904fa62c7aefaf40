"""Request dates are strict (§3.3.1), ranges are checked (§2.7.1), responses never carry
fractions (§3.3.2), and partners' datestamps are read leniently."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oai.datestamps import (
    EPOCH,
    Granularity,
    RequestDate,
    check_range,
    format_datestamp,
    parse_granularity,
    parse_lenient,
    parse_request_date,
)

DAY, SEC = Granularity.DAY, Granularity.SECONDS


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,moment,gran", [
    ("2016-08-20", utc(2016, 8, 20), DAY),
    ("2016-08-20T13:45:09Z", utc(2016, 8, 20, 13, 45, 9), SEC),
    ("2024-02-29", utc(2024, 2, 29), DAY),
    ("0001-01-01", utc(1, 1, 1), DAY),
    ("9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59), SEC),
])
def test_legal_request_dates(text, moment, gran):
    assert parse_request_date(text) == RequestDate(moment, gran)


@pytest.mark.parametrize("text", [
    "", "junk", "2016", "2016-08", "16-08-20", "2016/08/20", "2016-8-20", "20160820",
    "2016-08-20T13:45:09", "2016-08-20T13:45Z", "2016-08-20T13:45:09.5Z",
    "2016-08-20T13:45:09+00:00", "2016-08-20T13:45:09z", "2016-08-20 13:45:09Z",
    "2016-08-20t13:45:09Z", " 2016-08-20", "2016-08-20\n", "2023-02-29", "2016-13-01",
    "2016-00-10", "2016-08-32", "2016-08-20T24:00:00Z", "2016-08-20T12:60:00Z",
    "2016-08-20T12:00:60Z", "0000-01-01", "２０１６-08-20", "2016-08-20T13:45:09ZZ",
])
def test_illegal_request_dates(text):
    with pytest.raises(ValueError):
        parse_request_date(text)


def test_day_until_covers_the_whole_utc_day():
    assert parse_request_date("2016-08-20").as_until() == utc(2016, 8, 20, 23, 59, 59)
    assert parse_request_date("2016-08-20T10:00:00Z").as_until() == utc(2016, 8, 20, 10)


def _codes(from_: str | None, until: str | None, supported: Granularity = SEC) -> list[str]:
    f = parse_request_date(from_) if from_ else None
    u = parse_request_date(until) if until else None
    return [e.message for e in check_range(f, u, supported)]


def test_range_checks():
    assert _codes(None, None) == []
    assert _codes("2016-08-20", "2016-08-20") == []          # inclusive: equal is fine
    assert _codes("2016-08-20T00:00:00Z", "2016-08-20T00:00:00Z") == []
    assert _codes("2016-08-20", None) == [] and _codes(None, "2016-08-20T00:00:00Z") == []
    assert "same granularity" in _codes("2002-02-05", "2002-02-06T05:35:00Z")[0]
    assert "later than" in _codes("2005-01-02", "2005-01-01")[0]
    assert "later than" in _codes("2005-01-01T00:00:01Z", "2005-01-01T00:00:00Z")[0]


def test_finer_than_supported_is_an_error():
    assert _codes("2005-01-01", "2005-01-02", DAY) == []
    msgs = _codes("2005-01-01T00:00:00Z", "2005-01-02T00:00:00Z", DAY)
    assert len(msgs) == 2 and all("finer" in m for m in msgs)
    assert len(_codes("2005-01-01T00:00:00Z", None, DAY)) == 1


def test_format_datestamp():
    moment = datetime(2017, 11, 9, 12, 50, 22, 485000, tzinfo=timezone.utc)
    assert format_datestamp(moment) == "2017-11-09T12:50:22Z"     # never fractions
    assert format_datestamp(moment, DAY) == "2017-11-09"
    assert format_datestamp(datetime(2017, 11, 9, 12)) == "2017-11-09T12:00:00Z"  # naive = UTC
    plus2 = timezone(timedelta(hours=2))
    assert format_datestamp(datetime(2017, 11, 9, 1, 0, tzinfo=plus2)) == "2017-11-08T23:00:00Z"
    assert format_datestamp(EPOCH) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize("text,expected", [
    ("2017-11-09T12:50:22Z", utc(2017, 11, 9, 12, 50, 22)),
    ("2017-11-09T12:50:22.485Z", datetime(2017, 11, 9, 12, 50, 22, 485000, timezone.utc)),
    ("2017-11-09T14:50:22+02:00", utc(2017, 11, 9, 12, 50, 22)),
    ("2017-11-09T12:50:22z", utc(2017, 11, 9, 12, 50, 22)),
    ("2017-11-09T12:50:22", utc(2017, 11, 9, 12, 50, 22)),
    ("2017-11-09 12:50:22", utc(2017, 11, 9, 12, 50, 22)),
    ("  2017-11-09\n", utc(2017, 11, 9)),
    ("2017-11-09", utc(2017, 11, 9)),
])
def test_lenient_partner_datestamps(text, expected):
    got = parse_lenient(text)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize("text", ["", "   ", "junk", "3", "yesterday", "2017-13-09"])
def test_lenient_still_refuses_garbage(text):
    with pytest.raises(ValueError):
        parse_lenient(text)


def test_parse_granularity():
    assert parse_granularity("YYYY-MM-DD") is DAY
    assert parse_granularity(" yyyy-mm-ddThh:mm:ssZ ") is SEC
    assert parse_granularity("YYYY") is None
