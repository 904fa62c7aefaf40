"""The Flask endpoint: GET/POST, every response kind schema-valid, echo rules, compression,
configuration (failures and limits: test_endpoint_limits.py)."""
from __future__ import annotations

import gzip
import zlib

import pytest

from oai import config
from tests import catalogue
from tests.oaitest import assert_error, oai

PAGE = 4


@pytest.fixture
def facts(store, clock):
    return catalogue.build(store, clock, n=10, deleted=(4,))


def make_app(url: str, **settings):
    from oai import create_app

    return create_app({"OAI_DATABASE_URL": url, "OAI_PAGE_SIZE": PAGE,
                       "OAI_REPOSITORY_IDENTIFIER": catalogue.REPO_ID, "TESTING": True,
                       **settings})


@pytest.fixture
def client(store_url, facts):
    return make_app(store_url).test_client()


@pytest.fixture
def get(client, validate):
    return lambda query="", **kw: oai(client, query, validate=validate, **kw)


@pytest.mark.parametrize("query", [
    "verb=Identify", "verb=ListSets", "verb=ListMetadataFormats",
    f"verb=ListMetadataFormats&identifier={catalogue.ident(1)}",
    f"verb=GetRecord&identifier={catalogue.ident(1)}&metadataPrefix=oai_dc",
    f"verb=GetRecord&identifier={catalogue.ident(4)}&metadataPrefix=oai_dc",
    "verb=ListRecords&metadataPrefix=oai_dc", "verb=ListIdentifiers&metadataPrefix=oai_dc",
    "verb=ListRecords&metadataPrefix=oai_dc&set=human-rights&from=2024-01-01",
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_kind_of_answer_is_valid(get, query, method):
    r = get(query, method=method)
    assert r.status == 200 and not r.error_codes
    assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert r.request_attrs == dict(p.split("=", 1) for p in query.split("&"))
    assert r.text("/o:OAI-PMH/o:request") == "http://localhost/oai"


@pytest.mark.parametrize("query,codes,echo", [
    ("", ["badVerb"], False),
    ("verb=Identify&verb=Identify", ["badVerb"], False),
    ("verb=Identify&x=1", ["badArgument"], False),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=junk&until=junk",
     ["badArgument", "badArgument"], False),
    ("verb=ListRecords&resumptionToken=junk", ["badResumptionToken"], True),
    ("verb=ListSets&resumptionToken=junk", ["badResumptionToken"], True),
    ("verb=ListRecords&metadataPrefix=ead", ["cannotDisseminateFormat"], True),
    ("verb=GetRecord&identifier=oai:nope:1&metadataPrefix=ead",
     ["idDoesNotExist", "cannotDisseminateFormat"], True),
    ("verb=ListMetadataFormats&identifier=oai:nope:1", ["idDoesNotExist"], True),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&until=1990-01-01", ["noRecordsMatch"], True),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&set=nope", ["noRecordsMatch"], True),
])
def test_errors_and_echo(get, query, codes, echo):
    r = get(query)
    assert r.status == 200
    assert r.error_codes == codes
    # §3.2: no attributes after badVerb/badArgument; otherwise exactly the request's arguments
    expected = dict(p.split("=", 1) for p in query.split("&")) if echo else {}
    assert r.request_attrs == expected


def test_post_form_and_query_together(get, client, validate):
    r = oai(client, "verb=ListSets", method="POST", validate=validate)
    assert not r.error_codes
    resp = client.post("/oai?verb=Identify", data="verb=Identify",
                       content_type="application/x-www-form-urlencoded")
    assert b'code="badVerb"' in resp.get_data()  # one verb in each place: repeated


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "text/xml"])
def test_post_with_another_content_type(client, validate, content_type):
    resp = client.post("/oai", data="verb=Identify", content_type=content_type)
    validate(resp.get_data())
    assert resp.status_code == 200 and b'code="badArgument"' in resp.get_data()
    assert b"x-www-form-urlencoded" in resp.get_data()


def test_empty_post_is_bad_verb(client):
    assert b'code="badVerb"' in client.post("/oai").get_data()


@pytest.mark.parametrize("accept,expected", [
    (None, None), ("gzip", "gzip"), ("deflate", "deflate"), ("gzip, deflate", "gzip"),
    ("deflate;q=1, gzip;q=0.5", "deflate"), ("gzip;q=0", None), ("gzip;q=0, deflate", "deflate"),
    ("*", "gzip"), ("*;q=0", None), ("identity", None), ("br", None), ("GZIP", "gzip"),
])
def test_compression_negotiation(client, validate, accept, expected):
    headers = {"Accept-Encoding": accept} if accept else {}
    resp = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc", headers=headers)
    assert resp.headers.get("Content-Encoding") == expected
    assert "Accept-Encoding" in resp.headers["Vary"]
    body = resp.get_data()
    decode = {None: lambda b: b, "gzip": gzip.decompress, "deflate": zlib.decompress}[expected]
    validate(decode(body))


def test_base_url_is_the_url_used(client, validate):
    r = oai(client, "verb=Identify", validate=validate,
            headers={"Host": "oai.library.example.org:8080"})
    assert r.text("//o:baseURL") == "http://oai.library.example.org:8080/oai"
    assert r.text("/o:OAI-PMH/o:request") == "http://oai.library.example.org:8080/oai"


def test_configured_base_url_and_identity(store_url, facts, validate):
    app = make_app(store_url, OAI_BASE_URL="https://library.example.org/oai",
                   OAI_REPOSITORY_NAME="The Library",
                   OAI_ADMIN_EMAIL="one@library.example.org, two@library.example.org")
    r = oai(app.test_client(), "verb=Identify", validate=validate)
    assert r.text("//o:baseURL") == "https://library.example.org/oai"
    assert r.text("/o:OAI-PMH/o:request") == "https://library.example.org/oai"
    assert r.text("//o:repositoryName") == "The Library"
    assert [e.text for e in r.xpath("//o:adminEmail")] == [
        "one@library.example.org", "two@library.example.org"]


def test_environment_is_read_and_test_config_wins(store_url, facts, monkeypatch, validate):
    monkeypatch.setenv("OAI_REPOSITORY_NAME", "From the environment")
    monkeypatch.setenv("OAI_PAGE_SIZE", "2")
    from oai import create_app

    app = create_app({"OAI_DATABASE_URL": store_url, "TESTING": True})
    r = oai(app.test_client(), "verb=ListIdentifiers&metadataPrefix=oai_dc", validate=validate)
    assert len(r.xpath("//o:header")) == 2
    assert oai(app.test_client(), "verb=Identify").text("//o:repositoryName") == \
        "From the environment"
    app = create_app({"OAI_DATABASE_URL": store_url, "OAI_REPOSITORY_NAME": "Override"})
    assert oai(app.test_client(), "verb=Identify").text("//o:repositoryName") == "Override"


def test_defaults():
    s = config.load({}, {})
    assert s.database_url == "sqlite:///granary.db" and s.auto_migrate is True
    assert s.identity.page_size == 500 and s.identity.base_url is None
    assert s.identity.repository_identifier == "granary.example.org"
    assert s.identity.admin_emails == ("admin@granary.example.org",)
    assert s.secret_key is None


@pytest.mark.parametrize("key,value", [
    ("OAI_PAGE_SIZE", "ten"), ("OAI_PAGE_SIZE", "0"), ("OAI_ADMIN_EMAIL", "nobody"),
    ("OAI_REPOSITORY_IDENTIFIER", "not a domain"), ("OAI_AUTO_MIGRATE", "maybe"),
    ("OAI_REPOSITORY_NAME", "  "), ("OAI_DATABASE_URL", ""),
])
def test_bad_settings_stop_the_start(key, value):
    with pytest.raises(config.ConfigError) as got:
        config.load({key: value})
    assert key in str(got.value)  # the message names the setting to fix


def test_processes_on_one_database_share_token_secrets(store_url, facts, validate):
    one, two = make_app(store_url).test_client(), make_app(store_url).test_client()
    tok = oai(one, "verb=ListRecords&metadataPrefix=oai_dc").token.text
    r = oai(two, {"verb": "ListRecords", "resumptionToken": tok}, validate=validate)
    assert not r.error_codes and r.xpath("//o:record")
    other = make_app(store_url, OAI_SECRET_KEY="a configured secret").test_client()
    assert_error(oai(other, {"verb": "ListRecords", "resumptionToken": tok}),
                 "badResumptionToken")


def test_other_methods(client):
    assert client.put("/oai?verb=Identify").status_code == 405
    head = client.head("/oai?verb=Identify")
    assert head.status_code == 200 and head.get_data() == b""


@pytest.mark.parametrize("accept", ["identity", "gzip"])
def test_responses_are_streamed(client, validate, accept):
    # Issue 2: the writer's chunks go out as they are made; nothing holds the whole page.
    resp = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc",
                      headers={"Accept-Encoding": accept}, buffered=False)
    assert resp.is_streamed and "Content-Length" not in resp.headers
    body = b"".join(resp.response)
    validate(gzip.decompress(body) if accept == "gzip" else body)
