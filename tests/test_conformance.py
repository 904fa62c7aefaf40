"""The checks public validators run (shared/docs/conformance-checks.md, sections A-G and I), as
tests against the app on both engines. Every response is validated against the official schemas.
"""
from __future__ import annotations

import gzip
import re
import zlib
from datetime import datetime, timedelta

import pytest

from tests import catalogue
from tests.oaitest import NS, SECONDS_RE, assert_error, harvest, header_ids, oai

BASE = "http://localhost/oai"
PAGE = 10


@pytest.fixture(scope="module")
def catalogue_db(module_store_url):
    """One catalogue per engine for the whole module: these tests only read."""
    from store import RecordStore
    from tests.conftest import FakeClock

    clock = FakeClock()
    s = RecordStore(module_store_url, clock=clock)
    s.upgrade()
    facts = catalogue.build(s, clock)
    s.close()
    return module_store_url, facts


@pytest.fixture
def facts(catalogue_db):
    return catalogue_db[1]


@pytest.fixture
def store_url(catalogue_db):
    return catalogue_db[0]


@pytest.fixture(scope="module")
def app(catalogue_db):
    from oai import create_app

    return create_app({
        "OAI_DATABASE_URL": catalogue_db[0], "OAI_PAGE_SIZE": PAGE,
        "OAI_REPOSITORY_IDENTIFIER": catalogue.REPO_ID,
        "OAI_REPOSITORY_NAME": "Granary test library",
        "OAI_ADMIN_EMAIL": "librarian@library.example.org",
        "TESTING": True,
    })


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def get(client, validate):
    return lambda query="", **kw: oai(client, query, validate=validate, **kw)


def first_live_id(get) -> tuple[str, str]:
    r = get("verb=ListIdentifiers&metadataPrefix=oai_dc")
    for h in r.xpath("//o:header[not(@status)]"):
        return h.findtext("{*}identifier"), h.findtext("{*}datestamp")
    raise AssertionError("no live record")


# ---- A. every response ------------------------------------------------------------------
EVERY_KIND = [
    "verb=Identify", "verb=ListSets", "verb=ListMetadataFormats",
    "verb=ListIdentifiers&metadataPrefix=oai_dc", "verb=ListRecords&metadataPrefix=oai_dc",
    f"verb=GetRecord&metadataPrefix=oai_dc&identifier={catalogue.ident(1)}",
    f"verb=GetRecord&metadataPrefix=oai_dc&identifier={catalogue.ident(4)}",  # deleted
    "verb=junk", "verb=ListRecords&metadataPrefix=oai_dc&set=history&from=1990-01-01",
]


@pytest.mark.parametrize("query", EVERY_KIND)
def test_A_envelope(get, query):
    r = get(query)                                               # A2: validated by `get`
    assert r.status == 200                                       # A5
    assert r.headers["Content-Type"].lower() == "text/xml; charset=utf-8"  # A6
    assert re.match(rb"<\?xml version=['\"]1.0['\"] encoding=['\"]UTF-8['\"]\?>", r.body)  # A1
    r.body.decode("utf-8")
    loc = r.tree.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
    assert loc == ["http://www.openarchives.org/OAI/2.0/",
                   "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"]   # A3
    assert SECONDS_RE.match(r.text("/o:OAI-PMH/o:responseDate"))          # A4
    assert r.text("/o:OAI-PMH/o:request") == BASE                          # A7


def test_A7_echo_matches_request(get):
    r = get("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&set=history")
    assert r.request_attrs == {"verb": "ListRecords", "metadataPrefix": "oai_dc",
                               "from": "2024-01-01", "set": "history"}


def test_A8_pages_are_bounded(get):
    r = get("verb=ListRecords&metadataPrefix=oai_dc")
    assert len(r.xpath("//o:record")) == PAGE and r.token is not None


# ---- B. Identify ------------------------------------------------------------------------
def test_B1_to_B8_identify(get):
    r = get("verb=Identify")
    for el in ("repositoryName", "baseURL", "protocolVersion", "earliestDatestamp",
               "deletedRecord", "granularity"):
        assert len(r.xpath(f"/o:OAI-PMH/o:Identify/o:{el}")) == 1, el
    assert r.text("//o:repositoryName") == "Granary test library"
    assert r.text("//o:baseURL") == BASE                                     # B2
    assert r.text("//o:protocolVersion") == "2.0"                           # B3
    assert r.text("//o:granularity") == "YYYY-MM-DDThh:mm:ssZ"              # B4
    earliest = r.text("//o:earliestDatestamp")
    assert SECONDS_RE.match(earliest)                                       # B5
    datetime.strptime(earliest, "%Y-%m-%dT%H:%M:%SZ")
    assert r.text("//o:deletedRecord") == "persistent"                      # B6
    emails = [e.text for e in r.xpath("//o:adminEmail")]
    assert emails == ["librarian@library.example.org"]                      # B7
    assert sorted(c.text for c in r.xpath("//o:compression")) == ["deflate", "gzip"]
    ids = r.xpath("//o:description/id:oai-identifier")                      # B8
    assert len(ids) == 1
    repo_id = ids[0].findtext("{*}repositoryIdentifier")
    assert re.match(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]+)+$", repo_id, re.I)
    assert ids[0].findtext("{*}sampleIdentifier").startswith(f"oai:{repo_id}:")


def test_B5_earliest_is_a_lower_bound(get, validate, client):
    earliest = get("verb=Identify").text("//o:earliestDatestamp")
    items, _ = harvest(client, "ListIdentifiers", validate, metadataPrefix="oai_dc")
    assert min(h.findtext("{*}datestamp") for h in items) == earliest


def test_B9_identify_with_argument(get):
    assert_error(get("verb=Identify&test=test"), "badArgument", echo=False)


def test_B10_post(get):
    assert get("verb=Identify", method="POST").text("//o:baseURL") == BASE


# ---- C. ListSets ------------------------------------------------------------------------
def test_C1_C2_list_sets(client, validate):
    items, pages = harvest(client, "ListSets", validate)
    specs = [s.findtext("{*}setSpec") for s in items]
    assert len(specs) == len(set(specs))
    assert set(specs) == {"human-rights", "human-rights:trafficking", "history", "empty-set"}
    described = [s for s in items if s.findtext("{*}setSpec") == "human-rights"][0]
    assert described.xpath("o:setDescription/oai_dc:dc/dc:description/text()", namespaces=NS) == [
        "Publications on human rights."]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request):
    return request.getfixturevalue(f"{request.param}_url")


def test_C2_list_sets_pages(fresh_url, validate):
    from oai import create_app
    from store import RecordStore
    from store.record_types import SetInfo
    from tests.conftest import FakeClock

    clock = FakeClock()
    store = RecordStore(fresh_url, clock=clock)
    store.upgrade()
    catalogue.build(store, clock, n=4, deleted=())
    with store.writer() as w:
        for i in range(7):
            w.put_set(SetInfo(f"extra-{i}", f"Extra {i}"))
    store.close()
    c = create_app({"OAI_DATABASE_URL": fresh_url, "OAI_PAGE_SIZE": 3,
                    "TESTING": True}).test_client()
    items, pages = harvest(c, "ListSets", validate)
    assert len(items) == 11 and len(pages) == 4
    assert pages[0].token.get("cursor") == "0" and pages[0].token.get("completeListSize") == "11"
    assert pages[-1].token is not None and not (pages[-1].token.text or "").strip()


# ---- D. ListIdentifiers and ListMetadataFormats ----------------------------------------
def test_D1_D3_list_identifiers(client, validate, facts):
    items, pages = harvest(client, "ListIdentifiers", validate, metadataPrefix="oai_dc")
    ids = header_ids(items)
    assert len(ids) == len(set(ids)) == facts["n"]
    deleted = {h.findtext("{*}identifier") for h in items if h.get("status") == "deleted"}
    assert deleted == facts["deleted"]
    assert len(pages) == -(-facts["n"] // PAGE)


def test_D2_set_selective(client, validate):
    items, _ = harvest(client, "ListIdentifiers", validate, metadataPrefix="oai_dc",
                       set="human-rights")
    # §2.6: set=X includes X's descendants, deleted records included; headers are minimal
    expected = {catalogue.ident(i) for i in range(35)
                if any(s.startswith("human-rights") for s in catalogue.sets_for(i))}
    assert set(header_ids(items)) == expected
    for h in items:
        specs = [s.text for s in h.findall("{*}setSpec")]
        assert not ("human-rights" in specs and "human-rights:trafficking" in specs)


def test_D4_token_is_exclusive(get):
    tok = get("verb=ListIdentifiers&metadataPrefix=oai_dc").token.text
    r = get({"verb": "ListIdentifiers", "resumptionToken": tok, "metadataPrefix": "oai_dc"})
    assert_error(r, "badArgument", echo=False)


@pytest.mark.parametrize("query", [
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01&until=2000-01-01",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&set=history&from=2000-01-01&until=2000-01-01",
])
def test_D5_D6_empty_ranges(get, query):
    assert_error(get(query), "noRecordsMatch")


def test_D7_illegal_arguments(get):
    r = get("verb=ListIdentifiers&metadataPrefix=oai_dc&set=a%20b&from=junk&until=junk")
    assert_error(r, "badArgument", echo=False)
    assert len(r.error_codes) >= 2  # §3.6: report every error found


def test_D8_D9_metadata_formats(get):
    for q in ("verb=ListMetadataFormats",
              f"verb=ListMetadataFormats&identifier={catalogue.ident(1)}"):
        r = get(q)
        fmts = {f.findtext("{*}metadataPrefix"): f for f in r.xpath("//o:metadataFormat")}
        dc = fmts["oai_dc"]
        assert dc.findtext("{*}schema") == "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
        assert dc.findtext("{*}metadataNamespace") == "http://www.openarchives.org/OAI/2.0/oai_dc/"


# ---- E. exception handling --------------------------------------------------------------
NO_ECHO = [  # E1-E4, E6-E9, E12, E13, E17, E18, E19, E14 (bad syntax): no attributes (E27)
    ("junk", "badVerb"),
    ("verb=junk", "badVerb"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    (f"verb=GetRecord&identifier={catalogue.ident(1)}", "badArgument"),
    ("verb=ListIdentifiers&until=junk", "badArgument"),
    ("verb=ListIdentifiers&from=junk", "badArgument"),
    ("verb=ListIdentifiers&resumptionToken=junk&until=2000-02-05", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=junk", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=junk&until=1990-01-10", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&until=junk", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2002-02-05&until=2002-02-06T05:35:00Z",
     "badArgument"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2005-01-02&until=2005-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2005-01-01T00:00:00.5Z", "badArgument"),
    ("verb=ListSets&set=x", "badArgument"),
]


@pytest.mark.parametrize("query,code", NO_ECHO)
def test_E_bad_requests_no_echo(get, query, code):
    assert_error(get(query), code, echo=False)


def test_E5_quote_in_identifier(get):
    r = get('verb=GetRecord&identifier=invalid"id&metadataPrefix=oai_dc')
    assert_error(r, "badArgument", "idDoesNotExist")
    if r.error_codes == ["idDoesNotExist"]:
        assert r.request_attrs["identifier"] == 'invalid"id'


def test_E10_E22_junk_tokens(get):
    assert_error(get("verb=ListRecords&resumptionToken=junk"), "badResumptionToken")
    assert_error(get("verb=ListSets&resumptionToken=junk"), "badResumptionToken")
    assert_error(get("verb=ListIdentifiers&resumptionToken=junk"), "badResumptionToken")


def test_E10_token_of_another_verb(get):
    tok = get("verb=ListIdentifiers&metadataPrefix=oai_dc").token.text
    assert_error(get({"verb": "ListRecords", "resumptionToken": tok}), "badResumptionToken")


def test_E15_until_before_earliest(get):
    earliest = datetime.strptime(get("verb=Identify").text("//o:earliestDatestamp"),
                                 "%Y-%m-%dT%H:%M:%SZ")
    until = (earliest - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_error(get(f"verb=ListRecords&metadataPrefix=oai_dc&until={until}"), "noRecordsMatch")


def test_E16_E21_unknown_format(get):
    r = get(f"verb=GetRecord&identifier={catalogue.ident(1)}&metadataPrefix=ead")
    assert_error(r, "cannotDisseminateFormat")
    assert r.request_attrs["metadataPrefix"] == "ead"   # not badArgument: attributes kept
    assert_error(get("verb=ListRecords&metadataPrefix=nonexistent"), "cannotDisseminateFormat")
    assert_error(get("verb=ListIdentifiers&metadataPrefix=nonexistent"), "cannotDisseminateFormat")


def test_E24_E25_unknown_identifier(get):
    assert_error(get("verb=ListMetadataFormats&identifier=oai:nonexistent:1"), "idDoesNotExist")
    assert_error(get("verb=GetRecord&identifier=oai:nonexistent:1&metadataPrefix=oai_dc"),
                 "idDoesNotExist")


def test_unknown_set_is_no_records_match(get):
    r = get("verb=ListRecords&metadataPrefix=oai_dc&set=no-such-set")
    assert_error(r, "noRecordsMatch")


def test_E23_no_set_hierarchy(tmp_path, validate):
    from oai import create_app
    from store import RecordStore

    url = f"sqlite:///{tmp_path / 'nosets.db'}"
    s = RecordStore(url)
    s.upgrade()
    with s.writer() as w:
        w.put(catalogue.draft(1, sets=()))
    c = create_app({"OAI_DATABASE_URL": url, "TESTING": True}).test_client()
    assert_error(oai(c, "verb=ListSets", validate=validate), "noSetHierarchy")
    assert_error(oai(c, "verb=ListRecords&metadataPrefix=oai_dc&set=x", validate=validate),
                 "noSetHierarchy")


# ---- F. GetRecord and ListRecords -------------------------------------------------------
def test_F1_F2_F4_get_record(get):
    rid, ds = first_live_id(get)
    for method in ("GET", "POST"):
        r = get(f"verb=GetRecord&identifier={rid}&metadataPrefix=oai_dc", method=method)
        assert r.text("//o:header/o:identifier") == rid
        assert SECONDS_RE.match(r.text("//o:header/o:datestamp"))
        assert r.xpath("//o:metadata/oai_dc:dc/dc:title")


def test_F3_set_membership_in_header(client, validate, get):
    items, _ = harvest(client, "ListIdentifiers", validate, metadataPrefix="oai_dc",
                       set="human-rights")
    rid = [h for h in items if h.get("status") is None][0].findtext("{*}identifier")
    r = get(f"verb=GetRecord&identifier={rid}&metadataPrefix=oai_dc")
    assert any(s.text.startswith("human-rights") for s in r.xpath("//o:header/o:setSpec"))


def test_deleted_record_is_header_only(get):
    r = get(f"verb=GetRecord&identifier={catalogue.ident(4)}&metadataPrefix=oai_dc")
    assert r.xpath("//o:record/o:header/@status") == ["deleted"]
    assert not r.xpath("//o:metadata") and not r.xpath("//o:about")


def test_F5_from_until_inclusive(client, validate, get):
    rid, ds = first_live_id(get)
    items, _ = harvest(client, "ListRecords", validate, metadataPrefix="oai_dc", **{
        "from": ds, "until": ds})
    assert rid in header_ids(items)


@pytest.mark.parametrize("day", [False, True])
def test_F7_incremental(client, validate, get, day):
    items, _ = harvest(client, "ListIdentifiers", validate, metadataPrefix="oai_dc")
    ds = items[len(items) // 2].findtext("{*}datestamp")
    d = ds[:10] if day else ds
    got, _ = harvest(client, "ListRecords", validate, metadataPrefix="oai_dc", **{
        "from": d, "until": d})
    assert got
    assert all(g.findtext("{*}header/{*}datestamp")[: len(d)] == d for g in got)


def test_F6_records_complete(client, validate, facts):
    items, _ = harvest(client, "ListRecords", validate, metadataPrefix="oai_dc")
    assert len(items) == facts["n"]
    for rec in items:
        deleted = rec.find("{*}header").get("status") == "deleted"
        assert (rec.find("{*}metadata") is None) == deleted


# ---- G. resumption tokens ---------------------------------------------------------------
def test_G1_to_G5_tokens(client, validate, facts):
    items, pages = harvest(client, "ListRecords", validate, metadataPrefix="oai_dc")
    first = pages[0].token
    assert first is not None and first.text.strip()                       # G1
    assert first.get("cursor") == "0"                                      # G2
    assert int(first.get("completeListSize")) == facts["n"] > PAGE         # G5
    assert first.get("expirationDate") is None  # stateless keyset tokens do not expire
    assert re.match(r"^[A-Za-z0-9_.\-]+$", first.text)                     # URL-safe
    for n, page in enumerate(pages[1:], start=1):                         # G3
        assert page.xpath("//o:record")
        assert page.token.get("cursor") == str(n * PAGE)
    last = pages[-1].token                                                 # G4
    assert last is not None and not (last.text or "").strip()
    assert last.get("completeListSize") == str(facts["n"])


def test_single_page_list_has_no_token(get):
    r = get("verb=ListIdentifiers&metadataPrefix=oai_dc&set=history")
    assert len(r.xpath("//o:header")) <= PAGE and r.token is None


def test_G_resent_token_returns_same_page(get):
    tok = get("verb=ListRecords&metadataPrefix=oai_dc").token.text
    a = get({"verb": "ListRecords", "resumptionToken": tok})
    b = get({"verb": "ListRecords", "resumptionToken": tok})
    assert header_ids(a.xpath("//o:record")) == header_ids(b.xpath("//o:record"))
    assert a.token.text == b.token.text


# ---- compression (§3.1.3) ---------------------------------------------------------------
@pytest.mark.parametrize("encoding,decode", [
    ("gzip", gzip.decompress), ("deflate", zlib.decompress)])
def test_compression(client, validate, encoding, decode):
    resp = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc",
                      headers={"Accept-Encoding": encoding})
    assert resp.headers["Content-Encoding"] == encoding
    validate(decode(resp.get_data()))


def test_identity_without_accept_encoding(client):
    resp = client.get("/oai?verb=Identify")
    assert "Content-Encoding" not in resp.headers


# ---- I. robustness ----------------------------------------------------------------------
PAYLOADS = [
    "<script>alert(1)</script>", "\"><svg onload=alert(1)>", "' OR '1'='1' --",
    "1; DROP TABLE records; --", "$(cat /etc/passwd)", "`id`", "| ls -la",
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    "%00", "\x00", "\x0b", "\ufffe",
    "../../../../etc/passwd", "A" * 5000, "ñ€𝄞", "&amp;&lt;", "oai:x:1\r\nX-Injected: 1",
]
ALLOWED = {"badArgument", "idDoesNotExist", "badResumptionToken", "badVerb", "noRecordsMatch",
           "cannotDisseminateFormat"}


def _targets(p):
    return [
        {"verb": "GetRecord", "identifier": p, "metadataPrefix": "oai_dc"},
        {"verb": "ListMetadataFormats", "identifier": p},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": p},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": p},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": p},
        {"verb": "ListRecords", "metadataPrefix": p},
        {"verb": "ListSets", "resumptionToken": p},
        {"verb": "ListRecords", "resumptionToken": p},
        {"verb": p},
    ]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_I1_fuzz(get, payload):
    for query in _targets(payload):
        for method in ("GET", "POST"):
            r = get(query, method=method)
            assert r.status == 200
            assert set(r.error_codes) <= ALLOWED and r.error_codes, (query, r.body[:300])
            assert b"<script>" not in r.body and b"<svg" not in r.body
            assert b"root:" not in r.body


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C0%AF", "%00%0B"])
def test_I1_invalid_utf8_in_query(client, validate, raw):
    for query in (f"verb=GetRecord&metadataPrefix=oai_dc&identifier={raw}",
                  f"verb=ListRecords&metadataPrefix=oai_dc&set={raw}", f"verb={raw}"):
        r = oai(client, query, validate=validate)
        assert r.status == 200 and set(r.error_codes) <= ALLOWED and r.error_codes


def test_I2_no_external_entities(get):
    body = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    for query in ({"verb": "Identify", "x": body}, {"verb": body}):
        r = get(query, method="POST")
        assert b"root:" not in r.body and r.error_codes
