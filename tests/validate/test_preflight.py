"""The preflight of ``sources add``: what the harvester will have to work around, found in a
handful of requests, refusing nothing."""
from __future__ import annotations

import pytest

from oai.datestamps import Granularity
from oai.validate.preflight import BUDGET, preflight
from tests.validate.fakeendpoint import Endpoint, Flaws, serve

ADMIN = "curator@library.example.org"


class Counting:
    def __init__(self, app) -> None:  # noqa: ANN001
        self.app, self.count = app, 0

    def __call__(self, environ, start_response):  # noqa: ANN001,ANN204 - WSGI
        self.count += 1
        return self.app(environ, start_response)


def test_a_correct_partner_has_nothing_to_work_around():
    app = Counting(Endpoint(Flaws()))
    with serve(app) as url:
        assert preflight(url, ADMIN) == []
    assert 0 < app.count <= BUDGET


@pytest.mark.parametrize("flaws,kind", [
    (Flaws(error_status=422), "http-errors"),
    (Flaws(empty_last_token=False), "no-empty-token"),
    (Flaws(granularity=Granularity.DAY), "day-granularity"),
    (Flaws(dc_namespace="http://www.openarchives.org/OAI/2.0/oai_dc"), "oai-dc-namespace"),
    (Flaws(identify_error=True), "identify"),
    (Flaws(busy="0"), "busy"),
], ids=["errors-422", "no-empty-token", "day", "oai_dc-namespace", "identify-unusable", "busy"])
def test_each_quirk_is_found(flaws, kind):
    with serve(Endpoint(flaws)) as url:
        found = preflight(url, ADMIN)
    assert [f.kind for f in found] == [kind], found
    assert found[0].message


def test_an_unknown_prefix_and_an_unreachable_partner_are_findings_not_errors():
    with serve(Endpoint(Flaws())) as url:
        found = preflight(url, ADMIN, prefix="marc21")
    assert "no-such-prefix" in [f.kind for f in found]
    with serve(Endpoint(Flaws())) as url:
        pass   # stopped: nothing listens there any more
    assert [f.kind for f in preflight(url, ADMIN, timeout=2)] == ["unreachable"]


def test_sources_add_prints_the_findings_as_warnings_and_keeps_the_source(capsys, tmp_path):
    from harvest_cli import main

    database = f"sqlite:///{tmp_path / 'sources.db'}"
    with serve(Endpoint(Flaws(granularity=Granularity.DAY, error_status=400))) as url:
        code = main(["--database", database, "sources", "add", "partner", url])
    out = capsys.readouterr().out
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "day granularity" in out and "HTTP 400" in out
    assert main(["--database", database, "sources", "list"]) == 0
    assert capsys.readouterr().out.startswith(f"partner\t{url}\toai_dc")
