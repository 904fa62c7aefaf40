"""``oai-harvest validate`` against fake endpoints: a correct one (with and without sets, at
both granularities) passes; each variant that breaks one rule fails, naming that rule."""
from __future__ import annotations

import pytest

from oai.datestamps import Granularity
from tests.validate.fakeendpoint import Endpoint, Flaws, serve


@pytest.mark.parametrize("flaws", [Flaws(), Flaws(sets=False), Flaws(granularity=Granularity.DAY),
                                   Flaws(page_size=100)],
                         ids=["sets", "no-sets", "day-granularity", "one-page"])
def test_a_correct_endpoint_passes(run_cli, flaws):
    with serve(Endpoint(flaws)) as url:
        run = run_cli(url)
    assert run.code == 0, run.out
    assert run.failed() == set()
    assert "0 failed (MUST)" in run.out
    assert run.data["requests"] <= run.data["budget"]
    assert run.outcome("G4") == ("SKIP" if flaws.page_size == 100 else "PASS")
    assert run.outcome("E23") == ("PASS" if not flaws.sets else "SKIP")
    assert run.outcome("E20") == ("PASS" if flaws.granularity is Granularity.DAY else "SKIP")
    assert run.outcome("A2") == "PASS"


BROKEN = [
    ("errors-with-http-400", Flaws(error_status=400), {"A5", "I1"}),
    ("no-empty-last-token", Flaws(empty_last_token=False), {"G4"}),
    ("repeated-arguments-accepted", Flaws(reject_repeated=False), {"E18"}),
    # verb="junk" echoed is schema-invalid too (the request attributes are typed).
    ("attributes-echoed-on-badArgument", Flaws(echo_on_error=True), {"A7", "E27", "A2"}),
    ("fractional-responseDate", Flaws(response_date="2026-01-01T10:00:00.123Z"), {"A4"}),
    ("offset-responseDate", Flaws(response_date="2026-01-01T10:00:00+01:00"), {"A4"}),
    ("text/html", Flaws(content_type="text/html; charset=ISO-8859-1"), {"A6"}),
    ("schema-invalid", Flaws(invalid_schema=True), {"A2"}),
    ("baseURL-mismatch", Flaws(base_url="http://elsewhere.example.org/oai"), {"B2"}),
    ("badVerb-missing", Flaws(bad_verb_code="badArgument"), {"E1", "E2", "E17"}),
    ("oai_dc-namespace", Flaws(dc_namespace="http://www.openarchives.org/OAI/2.0/oai_dc"),
     {"D8"}),
    ("deleted-but-deletedRecord-no", Flaws(deleted_record="no"), {"F8"}),
]


@pytest.mark.parametrize("name,flaws,expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_endpoint_fails_naming_the_rule(run_cli, name, flaws, expected):
    with serve(Endpoint(flaws)) as url:
        run = run_cli(url)
    assert run.code == 1, run.out
    assert run.failed() == expected, run.out
    for check_id in expected:
        failure = next(c for c in run.data["checks"] if c["id"] == check_id)
        assert failure["request"].startswith(("http://127.0.0.1", "POST http://127.0.0.1"))
        assert failure["got"]
        assert f"\n{check_id} " in "\n" + run.out or run.out.startswith(check_id)
    assert "summary:" in run.out


def test_compression_announced_is_checked_and_a_broken_should_only_warns(run_cli):
    with serve(Endpoint(Flaws(compression="gzip"))) as url:
        used = run_cli(url)
    assert used.code == 0 and used.outcome("B12") == "PASS" and used.outcome("B11") == "PASS"
    with serve(Endpoint(Flaws(compression="gzip", compression_ignored=True))) as url:
        ignored = run_cli(url)
    # §3.1.3 makes compression optional: announcing it and not using it is a warning.
    assert ignored.code == 0 and ignored.outcome("B12") == "WARN"
    assert "B12  §3.1.3         WARN" in ignored.out and "Content-Encoding: identity" in ignored.out


@pytest.mark.parametrize("retry_after,outcome", [("0", "PASS"), ("soon", "WARN"), ("", "WARN")])
def test_a_busy_endpoint_stops_the_run_and_its_retry_after_is_judged(run_cli, retry_after,
                                                                       outcome):
    with serve(Endpoint(Flaws(busy=retry_after))) as url:
        run = run_cli(url, "--max-pages", "2")
    # 503 is flow control (§3.1.2.2), not a broken rule: the endpoint cannot be judged now.
    assert run.code == 3 and "busy" in run.data["fatal"]
    assert run.outcome("A9") == outcome and run.outcome("A5") == "PASS"
    assert run.outcome("I1") == "SKIP"          # the run stopped at the first busy answer
