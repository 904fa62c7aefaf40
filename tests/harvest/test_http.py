"""HTTP against the fake partner: who we say we are, how we wait, when we give up.

``sleeps`` (conftest) records each pause instead of sleeping: the tests assert the waits
(backoff, Retry-After, politeness delay) without ever timing anything.
"""
from __future__ import annotations

import socket

import pytest

from oai.harvest import AccessDenied, HttpConfig, PartnerError, ResponseTooLarge, TransportError
from tests.harvest.conftest import ADMIN


def test_user_agent_and_from_name_granary_and_its_admin(client, partner):
    client.identify()
    headers = partner.requests[0].headers
    assert headers["User-Agent"].startswith("Granary/")
    assert f"mailto:{ADMIN}" in headers["User-Agent"]
    assert headers["From"] == ADMIN
    assert "gzip" in headers["Accept-Encoding"] and "deflate" in headers["Accept-Encoding"]


def test_user_agent_names_a_contact_page(make_client, partner):
    make_client(partner, contact_url="https://library.example/harvesting").identify()
    assert partner.requests[0].headers["User-Agent"].endswith(
        "(+https://library.example/harvesting)")


@pytest.mark.parametrize("code", [503, 429])
def test_retry_after_in_seconds_is_honoured(client, partner, sleeps, code):
    partner.fault("status", on=1, code=code, retry_after=7)
    assert client.identify().repository_name == "Fake partner"
    assert sleeps == [7]
    assert len(partner.requests) == 2


def test_retry_after_as_http_date_is_honoured(client, partner, sleeps):
    partner.fault("status", on=1, code=503, retry_after=20, http_date=True)
    client.identify()
    assert len(sleeps) == 1 and 15 <= sleeps[0] <= 20


@pytest.mark.parametrize("http_date", [False, True])
def test_retry_after_is_clamped(make_client, partner, sleeps, http_date):
    partner.fault("status", on=1, code=503, retry_after=86400, http_date=http_date)
    make_client(partner, retry_after_max=12.5).identify()
    assert sleeps == [12.5]


def test_unreadable_retry_after_falls_back_to_backoff(client, partner, sleeps):
    partner.fault("status", times=3, code=503, retry_after="after lunch")
    client.identify()
    # No usable Retry-After: exponential backoff 0, 1, 2 (factor 0.5 in conftest).
    assert sleeps == [1.0, 2.0]
    assert len(partner.requests) == 4


def test_retry_after_zero_falls_back_to_backoff(client, partner, sleeps):
    # arXiv sends "Retry-After: 0" with its 503s; hammering it at once would be rude.
    partner.fault("status", times=3, code=503, retry_after=0)
    client.identify()
    assert sleeps == [1.0, 2.0]


def test_5xx_retried_with_exponential_backoff(client, partner, sleeps):
    partner.fault("status", on=None, times=3, code=500)
    assert client.identify().protocol_version == "2.0"
    assert sleeps == [1.0, 2.0]
    assert len(partner.requests) == 4


def test_exhausted_retries_raise_a_typed_error(client, partner):
    partner.fault("status", times=0, code=503, retry_after=1)
    with pytest.raises(TransportError) as caught:
        client.identify()
    assert caught.value.status == 503
    assert partner.base_url in str(caught.value) and "503" in str(caught.value)
    assert len(partner.requests) == 4  # 1 + retries


@pytest.mark.parametrize("status", [401, 403])
def test_access_denied_stops_at_once(client, partner, sleeps, status):
    partner.fault("status", times=0, code=status)
    with pytest.raises(AccessDenied) as caught:
        client.identify()
    assert caught.value.status == status
    assert str(status) in str(caught.value) and partner.base_url in str(caught.value)
    assert len(partner.requests) == 1 and sleeps == []


def test_connection_reset_is_retried(client, partner):
    partner.fault("reset", on=1)
    assert client.identify().repository_name == "Fake partner"
    assert len(partner.requests) == 2


def test_endless_resets_end_in_a_transport_error(client, partner):
    partner.fault("reset", times=0)
    with pytest.raises(TransportError):
        client.identify()
    assert len(partner.requests) == 4


def test_body_breaking_off_is_retried(client, partner):
    partner.fault("short_body", on=1)
    assert client.identify().repository_name == "Fake partner"
    assert len(partner.requests) == 2


def test_body_always_breaking_off_ends_in_a_transport_error(client, partner):
    partner.fault("short_body", times=0)
    with pytest.raises(TransportError, match="breaking off"):
        client.identify()


def test_slow_answer_times_out_and_is_retried(make_client, partner):
    partner.fault("slow", on=1, seconds=1.5)
    client = make_client(partner, read_timeout=0.3)
    assert client.identify().repository_name == "Fake partner"
    assert len(partner.requests) == 2


def test_always_slow_partner_gives_a_transport_error(make_client, partner):
    partner.fault("slow", times=0, seconds=1.0)
    with pytest.raises(TransportError, match="timed out"):
        make_client(partner, read_timeout=0.2, retries=1).identify()


def test_unreachable_partner_gives_a_transport_error(make_client):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        make_client(f"http://127.0.0.1:{port}/oai", retries=1).identify()
    assert f"127.0.0.1:{port}" in str(caught.value)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_negotiated_compression(client, partner, encoding):
    partner.compress = encoding
    assert client.identify().repository_name == "Fake partner"
    assert partner.sent[-1]["headers"]["Content-Encoding"] == encoding


def test_gzip_sent_without_being_asked_is_recognised(client, partner):
    partner.fault("gzip_unasked", on=1)
    assert client.identify().repository_name == "Fake partner"
    assert "Content-Encoding" not in partner.sent[-1]["headers"]


def test_size_limit(make_client, partner):
    with pytest.raises(ResponseTooLarge):
        make_client(partner, max_bytes=200).identify()


def test_size_limit_applies_after_sniffed_gzip(make_client, partner):
    partner.fault("gzip_unasked", on=1)
    with pytest.raises(ResponseTooLarge, match="decompressed"):
        make_client(partner, max_bytes=600).identify()


def test_delay_between_requests(make_client, partner, sleeps):
    client = make_client(partner, delay=5.0)
    client.list_metadata_formats()
    client.list_metadata_formats()
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 5.0


@pytest.mark.parametrize("status", [400, 422])
def test_oai_error_with_a_non_200_status(client, partner, status):
    partner.fault("oai_error", on=1, code="badArgument", status=status)
    with pytest.raises(PartnerError) as caught:
        client.identify()
    assert caught.value.code == "badArgument" and caught.value.http_status == status
    assert len(partner.requests) == 1


def test_oai_error_with_500_is_still_an_oai_error(client, partner):
    partner.fault("oai_error", times=0, code="badArgument", status=500)
    with pytest.raises(PartnerError) as caught:
        client.identify()
    assert caught.value.code == "badArgument" and caught.value.http_status == 500


@pytest.mark.parametrize("settings", [dict(admin_email="nobody"), dict(admin_email=""),
                                      dict(admin_email="a@b.c", delay=-1.0),
                                      dict(admin_email="a@b\r\nX-Evil: 1")])
def test_bad_configuration_is_refused_clearly(settings):
    with pytest.raises(ValueError):
        HttpConfig(**settings)
