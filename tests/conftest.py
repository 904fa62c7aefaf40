"""Shared fixtures: a store on SQLite and (when OAI_TEST_POSTGRES_URL is set) on PostgreSQL,
a controllable clock, and the schema validator.

Each PostgreSQL test runs in a scratch schema of its own (search_path set through the URL),
dropped afterwards, so tests never see each other's rows. Under CI=true an unreachable
PostgreSQL fails the test instead of skipping it (DEVELOPERS.md).
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from tests.xsd import load_validator

PG_ENV = "OAI_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_conninfo(url: str) -> str:
    # SQLAlchemy's "postgresql+psycopg://" -> libpq's "postgresql://"
    return "postgresql://" + url.split("://", 1)[1]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"this test cannot run under CI: {reason}")
    pytest.skip(reason)


@contextmanager
def _postgres_schema():
    """A SQLAlchemy URL to a fresh, empty PostgreSQL schema; dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        _unavailable(f"{PG_ENV} is not set")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with psycopg.connect(_pg_conninfo(base), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {base} is unreachable: {exc}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote('-csearch_path=' + schema)}"
    finally:
        with psycopg.connect(_pg_conninfo(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def postgres_url():
    with _postgres_schema() as url:
        yield url


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_store_url(request, tmp_path_factory):
    """Like store_url, but shared by the tests of one module (for read-only catalogues)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'granary.db'}"
    else:
        with _postgres_schema() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'granary.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request):
    """The same test on both engines."""
    return request.getfixturevalue(f"{request.param}_url")


class FakeClock:
    """The store's clock, moved by hand: tests decide when a second passes."""

    def __init__(self, start: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(store_url, clock):
    from store import RecordStore

    s = RecordStore(store_url, clock=clock)
    s.upgrade()
    yield s
    s.close()


@pytest.fixture(scope="session")
def validate():
    """validate(xml_bytes) asserts the response is valid against OAI-PMH.xsd and every payload
    schema we serve; skips (outside CI) when the schema folder is not there."""
    validator, reason = load_validator()
    if validator is None:
        _unavailable(reason)
    return validator


_ENGINES_NEW: list = []     # engines made since the last test ended
_ENGINES_ALL: list = []     # every engine made: held, so none is collected with open connections


@pytest.fixture(autouse=True, scope="session")
def _track_engines():
    """Every engine the suite makes (a store, or an app's store) is recorded, so that its pooled
    connections are closed when a test ends (_dispose_engines) rather than by the garbage
    collector at a random later moment, with a ResourceWarning there (an error under the suite's
    warnings-as-errors): an app has no close of its own. Engines are held until the session ends,
    since a store shared by a module's tests opens new connections when it is next used."""
    import store.database

    real = store.database.make_engine

    def tracking(*args, **kwargs):
        engine = real(*args, **kwargs)
        _ENGINES_NEW.append(engine)
        return engine

    store.database.make_engine = tracking
    yield
    store.database.make_engine = real
    for engine in _ENGINES_ALL + _ENGINES_NEW:
        engine.dispose()


@pytest.fixture(autouse=True)
def _dispose_engines(_track_engines):
    yield
    for engine in _ENGINES_NEW:
        engine.dispose()
    _ENGINES_ALL.extend(_ENGINES_NEW)
    _ENGINES_NEW.clear()
