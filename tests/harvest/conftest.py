"""Fixtures for the harvester tests: a started fake partner and clients with instant sleeps.

``sleeps`` records every pause the client asks for (backoff, Retry-After, politeness delay)
instead of sleeping, so retry tests are fast and can assert the waits themselves.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from oai.harvest import HarvestPolicy, HttpClient, HttpConfig, OAIClient
from tests.harvest.fakepartner import FakePartner

ADMIN = "harvest-admin@library.example"


@pytest.fixture
def partner():
    fake = FakePartner().start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps):
    """make_client(partner_or_url, policy=None, retries=3, **HttpConfig overrides) ->
    OAIClient; *retries* is the policy's."""
    made: list[OAIClient] = []

    def make(target, policy: HarvestPolicy | None = None, retries: int = 3,
             **overrides) -> OAIClient:
        settings = dict(admin_email=ADMIN, connect_timeout=2.0, read_timeout=10.0,
                        backoff_factor=0.5, backoff_max=4.0, retry_after_max=30.0)
        settings.update(overrides)
        policy = replace(policy or HarvestPolicy(), retries=retries)
        http = HttpClient(HttpConfig(**settings), policy=policy, sleep=sleeps.append)
        http.session.trust_env = False  # loopback only: no proxy from the environment
        url = target if isinstance(target, str) else target.base_url
        client = OAIClient(url, http)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client, partner) -> OAIClient:
    return make_client(partner)
