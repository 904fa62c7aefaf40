"""Fixtures of the format tests: the fake partner and fast clients (tests/harvest), the run
loop and our own endpoint on loopback (tests/harvest_run), and the real responses folder."""
from __future__ import annotations

import os
from pathlib import Path

from tests.harvest.conftest import make_client, partner, sleeps  # noqa: F401
from tests.harvest_run.conftest import run_harvest, serve_granary  # noqa: F401

REALWORLD = Path(os.environ.get("OAI_REALWORLD_DIR",
                                Path(__file__).resolve().parents[3] / "shared" / "realworld"))
