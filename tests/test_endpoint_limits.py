"""Every answer under /oai is OAI-PMH XML: over-long requests, bad encodings, compressed bodies,
wrong methods, paths that are not the endpoint, and failures inside a verb (oai/views.py)."""
from __future__ import annotations

import dataclasses
import gzip
import logging

import pytest
from lxml import etree

from oai import verbs, views
from tests import catalogue
from tests.oaitest import NS, SAFE_PARSER, assert_error, oai


@pytest.fixture
def app(store_url, store, clock):
    from oai import create_app

    catalogue.build(store, clock, n=3)
    app = create_app({"OAI_DATABASE_URL": store_url, "OAI_PAGE_SIZE": 2,
                      "OAI_REPOSITORY_IDENTIFIER": catalogue.REPO_ID})
    opened = app.extensions["granary"].store  # a test may swap it for a broken one
    yield app
    opened.close()


@pytest.fixture
def client(app):
    return app.test_client()


def _xml(resp, validate) -> etree._Element:
    """The body is OAI-PMH XML, never Werkzeug's HTML page: parsed and schema-valid."""
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = resp.get_data()
    assert b"<html" not in body.lower() and b"<!doctype" not in body.lower()
    validate(body)
    return etree.fromstring(body, SAFE_PARSER)


def _messages(tree: etree._Element) -> str:
    return " ".join(e.text for e in tree.xpath("/o:OAI-PMH/o:error", namespaces=NS))


def test_a_100_kb_post_is_bad_argument(client, validate):
    resp = client.post("/oai", data="verb=Identify&x=" + "a" * 100_000,
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200
    tree = _xml(resp, validate)
    assert [e.get("code") for e in tree.xpath("//o:error", namespaces=NS)] == ["badArgument"]
    assert f"longer than {views.MAX_BODY_BYTES} bytes" in _messages(tree)
    assert not tree.xpath("//o:request/@*", namespaces=NS)  # §3.2: no echo after badArgument


def test_a_70_kb_get_value_is_bad_argument(client, validate):
    resp = client.get("/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:"
                      + "a" * 70_000)
    assert resp.status_code == 200
    assert "longer than" in _messages(_xml(resp, validate))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_one_value_over_the_limit_is_named(client, validate, method):
    value = "a" * (views.MAX_VALUE_CHARS + 1)
    r = oai(client, {"verb": "ListRecords", "resumptionToken": value}, method=method,
            validate=validate)
    assert_error(r, "badArgument", echo=False)
    assert "'resumptionToken' is longer than" in _messages(r.tree)
    # a value at the limit is read, and is then only a bad token
    r = oai(client, {"verb": "ListRecords", "resumptionToken": value[1:]}, method=method,
            validate=validate)
    assert_error(r, "badResumptionToken")


def test_too_many_arguments(client, validate):
    query = "verb=Identify&" + "&".join(f"x{i}=1" for i in range(views.MAX_ARGUMENTS))
    r = oai(client, query, validate=validate)
    assert_error(r, "badArgument", echo=False)
    assert r.error_codes == ["badArgument"] and "more than" in _messages(r.tree)


@pytest.mark.parametrize("raw", [b"%ED%A0%80", b"\xed\xa0\x80", b"%FF", b"\xe9"])
def test_arguments_that_are_not_utf8_are_refused(client, validate, raw):
    qs = b"verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:" + raw
    resp = client.get("/oai", environ_overrides={"QUERY_STRING": qs.decode("latin-1")})
    assert resp.status_code == 200
    assert "not percent-encoded UTF-8" in _messages(_xml(resp, validate))
    resp = client.post("/oai", data=qs, content_type="application/x-www-form-urlencoded")
    assert "not percent-encoded UTF-8" in _messages(_xml(resp, validate))


def test_a_compressed_body_is_bad_argument(client, validate):
    resp = client.post("/oai", data=gzip.compress(b"verb=Identify"),
                       headers={"Content-Encoding": "gzip"},
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200
    assert "must not be compressed" in _messages(_xml(resp, validate))


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_are_405_with_an_oai_body(client, validate, method):
    resp = client.open("/oai?verb=Identify", method=method)
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    tree = _xml(resp, validate)
    assert "GET or POST" in _messages(tree)
    assert tree.findtext("o:request", namespaces=NS) == "http://localhost/oai"


@pytest.mark.parametrize("path", ["/oai/", "/oai/anything", "/oai/a/b?verb=Identify"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_paths_under_oai_are_404_with_an_oai_body(client, validate, path, method):
    resp = client.open(path, method=method)
    assert resp.status_code == 404
    tree = _xml(resp, validate)
    assert "the base URL is http://localhost/oai" in _messages(tree)
    assert tree.findtext("o:request", namespaces=NS) == "http://localhost/oai"


def test_other_paths_keep_werkzeugs_answer(client):
    assert client.get("/elsewhere").status_code == 404


def test_head_and_options_answer_as_http_defines(client):
    head = client.head("/oai?verb=Identify")
    assert head.status_code == 200 and head.get_data() == b""
    options = client.options("/oai")
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def _fail_in_verb(monkeypatch, exc: Exception) -> None:
    def broken(req, ctx):
        raise exc
    monkeypatch.setitem(verbs.HANDLERS, verbs.Verb.IDENTIFY, broken)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_exception_in_a_verb_is_503_with_retry_after(client, monkeypatch, caplog, method):
    _fail_in_verb(monkeypatch, RuntimeError("boom in the handler"))
    with caplog.at_level(logging.ERROR):
        r = client.open("/oai", method=method, data="verb=Identify" if method == "POST" else None,
                        query_string=None if method == "POST" else "verb=Identify",
                        content_type="application/x-www-form-urlencoded")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == str(views.RETRY_AFTER_SECONDS)
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    body = r.get_data()
    tree = etree.fromstring(body, SAFE_PARSER)  # well-formed
    assert tree.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    assert tree.findtext("o:request", namespaces=NS) == "http://localhost/oai"
    assert not tree.xpath("o:error", namespaces=NS)  # no OAI error pretends the request was bad
    assert b"Traceback" not in body and b"boom" not in body and b"RuntimeError" not in body
    assert "boom in the handler" in caplog.text and "Traceback" in caplog.text


def test_an_exception_while_writing_the_first_chunk_is_503(client, monkeypatch):
    from oai import xmlwriter

    def broken(envelope, reply):
        raise ValueError("cannot write")
        yield b""  # a generator, like the real writer
    monkeypatch.setattr(xmlwriter, "write", broken)
    r = client.get("/oai?verb=Identify")
    assert r.status_code == 503 and r.headers["Retry-After"]


class _BrokenStore:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            from sqlalchemy.exc import OperationalError

            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        return fail


def test_database_failure_is_503_and_logged(app, caplog, validate):
    svc = app.extensions["granary"]
    app.extensions["granary"] = dataclasses.replace(svc, store=_BrokenStore())
    with caplog.at_level(logging.ERROR):
        resp = app.test_client().get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
    assert resp.status_code == 503 and resp.headers["Retry-After"].isdigit()
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "OperationalError" not in body and len(body) < 600
    assert "database is locked" in caplog.text  # logged with its cause
    # bad requests are still answered without touching the database
    r = oai(app.test_client(), "verb=nope", validate=validate)
    assert_error(r, "badVerb", echo=False)
