"""The official schemas, offline: found, fetched into an empty cache when missing, compiled
into one driver, and judging whole responses."""
from __future__ import annotations

from pathlib import Path

import pytest

from oai.validate import schemas
from tests.xsd import load_validator

MODS = "http://www.loc.gov/mods/v3"
IDENTIFY = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2026-01-01T00:00:00Z</responseDate><request verb="Identify">http://x.example.org/oai</request>
<Identify><repositoryName>X</repositoryName><baseURL>http://x.example.org/oai</baseURL>
<protocolVersion>2.0</protocolVersion><adminEmail>a@x.example.org</adminEmail>
<earliestDatestamp>2020-01-01</earliestDatestamp><deletedRecord>no</deletedRecord>
<granularity>YYYY-MM-DD</granularity>%s</Identify></OAI-PMH>"""


def test_the_driver_checks_payloads_and_reports_every_problem(offline_schemas):
    loaded = schemas.load(offline_schemas)
    assert MODS in loaded.namespaces and schemas.OAI_NS in loaded.namespaces
    assert loaded.problems(IDENTIFY % b"") == []
    problems = loaded.problems(IDENTIFY % b"<colour>green</colour>")
    assert problems and "colour" in problems[0]


def test_missing_schemas_are_fetched_once_into_the_cache(offline_schemas, tmp_path):
    cache = tmp_path / "xsd"
    asked: list[str] = []

    def get(url: str) -> bytes:   # the official URLs, answered from the shared copies
        asked.append(url)
        path = Path(offline_schemas) / schemas.file_name(url)
        if not path.is_file() or "friends" in url:
            raise OSError("404")
        return path.read_bytes()

    problems = schemas.fetch_missing(cache, get)
    assert len(problems) == 1 and "friends.xsd" in problems[0]
    assert (cache / "OAI-PMH.xsd").is_file() and (cache / "xml.xsd").is_file()
    assert not list(cache.glob("*.part"))
    fetched = len(asked)
    schemas.fetch_missing(cache, get)
    assert len(asked) == fetched + 1           # only the one that failed is asked again
    assert schemas.schema_dir([]) == Path(offline_schemas)   # $OAI_SCHEMA_DIR comes first


def test_no_schemas_is_a_reason_not_an_exception(monkeypatch, tmp_path):
    monkeypatch.setenv("OAI_SCHEMA_DIR", str(tmp_path / "nothing"))
    loaded, reason = schemas.find_and_load()
    assert loaded is None and "OAI_SCHEMA_DIR" in reason


def test_tests_xsd_keeps_its_api(offline_schemas):
    validate, reason = load_validator()
    assert validate is not None and reason == ""
    validate(IDENTIFY % b"")
    with pytest.raises(AssertionError, match="not schema-valid"):
        validate(IDENTIFY % b"<colour/>")


def test_without_a_network_the_fetch_stops_at_the_first_schema(tmp_path):
    asked: list[str] = []

    def get(url: str) -> bytes:
        asked.append(url)
        raise OSError("no network")

    problems = schemas.fetch_missing(tmp_path / "xsd", get)
    assert asked == ["http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"] and len(problems) == 1
