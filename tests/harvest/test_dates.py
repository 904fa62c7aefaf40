"""Lenient reading of partners' datestamps, strict writing of from/until."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from oai.datestamps import Granularity
from oai.harvest.dates import format_bound, partner_granularity, read_datestamp

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2017-11-09T12:50:22.485Z", datetime(2017, 11, 9, 12, 50, 22, 485000, tzinfo=UTC)),
    ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
    ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("", None), ("   ", None), (None, None), ("soon", None),
])
def test_read_datestamp(text, expected):
    assert read_datestamp(text) == expected


@pytest.mark.parametrize("declared, expected", [
    ("YYYY-MM-DDThh:mm:ssZ", Granularity.SECONDS), ("yyyy-mm-ddthh:mm:ssz", Granularity.SECONDS),
    ("YYYY-MM-DDThh:mm:ss.SZ", Granularity.SECONDS), ("YYYY-MM-DD", Granularity.DAY),
    (" yyyy-mm-dd ", Granularity.DAY), ("", Granularity.DAY), (None, Granularity.DAY),
    ("days", Granularity.DAY),
])
def test_partner_granularity(declared, expected):
    assert partner_granularity(declared) is expected


@pytest.mark.parametrize("value, gran, expected", [
    (datetime(2024, 1, 2, 23, 59, 59, 900000, tzinfo=UTC), Granularity.SECONDS,
     "2024-01-02T23:59:59Z"),
    (datetime(2024, 1, 2, 23, 59, 59, tzinfo=UTC), Granularity.DAY, "2024-01-02"),
    (datetime(2024, 1, 3, 1, 0, tzinfo=timezone.utc).astimezone(), Granularity.DAY,
     "2024-01-03"),
    (date(2024, 1, 2), Granularity.SECONDS, "2024-01-02T00:00:00Z"),
    ("2024-01-02T05:04:05.123+02:00", Granularity.SECONDS, "2024-01-02T03:04:05Z"),
    ("2024-01-02", Granularity.DAY, "2024-01-02"),
    (datetime(2024, 1, 2, 3, 4, 5), Granularity.SECONDS, "2024-01-02T03:04:05Z"),  # naive=UTC
])
def test_format_bound(value, gran, expected):
    assert format_bound(value, gran) == expected


def test_unreadable_bound_is_a_clear_error():
    with pytest.raises(ValueError, match="soon"):
        format_bound("soon", Granularity.DAY)
