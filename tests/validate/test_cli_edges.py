"""``oai-harvest validate``: exit 3 for what cannot be judged, 2 for bad usage, and a polite
guest (bounded requests, the harvester's User-Agent and From, the delay)."""
from __future__ import annotations

import socket
import time

import pytest

from tests.validate.fakeendpoint import Endpoint, Flaws, serve


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]   # nothing listens once the socket is closed


def test_an_unreachable_endpoint_is_exit_3(run_cli):
    run = run_cli(f"http://127.0.0.1:{_closed_port()}/oai")
    assert run.code == 3
    assert "cannot be reached" in run.out
    assert run.data["fatal"] and run.data["exit_code"] == 3


def _html(environ, start_response):  # noqa: ANN001,ANN202 - WSGI
    body = b"<!DOCTYPE html><html><body><h1>Welcome to our library</h1></body></html>"
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]


def _other_xml(environ, start_response):  # noqa: ANN001,ANN202 - WSGI
    body = b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel/></rss>'
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.mark.parametrize("app", [_html, _other_xml], ids=["html", "rss"])
def test_a_page_that_is_not_oai_pmh_is_exit_3(run_cli, app):
    with serve(app) as url:
        run = run_cli(url)
    assert run.code == 3
    assert "does not speak OAI-PMH" in run.out


def test_an_endpoint_whose_identify_is_an_error_is_judged(run_cli):
    with serve(Endpoint(Flaws(identify_error=True))) as url:
        run = run_cli(url)
    assert run.code == 1
    assert "B1" in run.failed()


@pytest.mark.parametrize("args", [[], ["ftp://example.org/oai"], ["not a url"],
                                  ["http://127.0.0.1:1/oai", "--max-pages", "0"],
                                  ["http://127.0.0.1:1/oai", "--delay", "-1"],
                                  ["http://127.0.0.1:1/oai", "--max-pages", "many"],
                                  ["http://127.0.0.1:1/oai", "--timeout", "0"]])
def test_bad_usage_is_exit_2(capsys, args):
    from harvest_cli import main

    assert main(["validate", *args]) == 2
    assert "Traceback" not in capsys.readouterr().err


class Recorder:
    """An endpoint that notes when each request came and who sent it."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):  # noqa: ANN001,ANN204 - WSGI
        self.seen.append((time.monotonic(), environ.get("HTTP_USER_AGENT", ""),
                          environ.get("HTTP_FROM", "")))
        return self.app(environ, start_response)


def test_a_polite_guest(run_cli, monkeypatch):
    monkeypatch.setenv("OAI_ADMIN_EMAIL", "curator@library.example.org")
    recorder = Recorder(Endpoint(Flaws()))
    with serve(recorder) as url:
        run = run_cli(url, "--max-pages", "2", "--delay", "0.02")
    assert run.code == 0, run.out
    assert len(recorder.seen) == run.data["requests"] <= run.data["budget"]
    assert f"at most {run.data['budget']} requests" in run.out
    assert all(ua.startswith("Granary/") and who == "curator@library.example.org"
               for _, ua, who in recorder.seen)
    gaps = [b[0] - a[0] for a, b in zip(recorder.seen, recorder.seen[1:], strict=False)]
    assert min(gaps) >= 0.015


def test_max_pages_bounds_the_requests(run_cli):
    with serve(Endpoint(Flaws(page_size=1))) as url:
        small = run_cli(url, "--max-pages", "1")
        large = run_cli(url, "--max-pages", "20")
    assert small.data["budget"] < large.data["budget"]
    assert small.data["requests"] < large.data["requests"] <= large.data["budget"]
    # One page only: the lists were not followed, so their ends are not judged.
    assert small.outcome("G4") == "SKIP" and large.outcome("G4") == "PASS"
