"""Fixtures of the store's harvest-state tests."""
from __future__ import annotations

import pytest

from tests.store.helpers import PARTNER_URL


@pytest.fixture
def running(store):
    """A source "p" (two partner sets) with a run in progress."""
    store.harvest.add_source("p", PARTNER_URL, sets=("math", "physics:quantum"), delay=0.5)
    return store.harvest.start_run("p", mode="full", from_=None, until=None)
