"""The pages' routes (a Flask blueprint, registered by oai.app): the home page, browsing the
catalogue and a set newest first, search, a page per record, the sitemaps and robots.txt.

Data comes from store reads (store/reads/browse.py, RecordStore.get_stored) in one short
read each; oai/web/present.py shapes it; Jinja templates (autoescaped) render it. Lists are
keyset-paged: a next link carries ``after=<seconds>~<identifier>``, the last row shown;
a link no page made is 400, an unknown set or record 404, a deleted record 410 (a tombstone
page, discovery.md §3.4). Every answer here is HTML, XML or text made by us: never a
traceback. The OAI-PMH endpoint (/oai, oai/views.py) is a separate blueprint, unchanged.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from oai.web import present, sitemap
from store.reads import browse
from store.syntax import MAX_IDENTIFIER_BYTES, is_identifier, seconds_text

bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

PAGE_SIZE = 20          # rows of a list page
NEWEST = 10             # newest records on the home page
MAX_QUERY_CHARS = 256   # a search box's text beyond this is ignored
_READ_BATCH = 5000      # sitemap rows per read
_PATH_SAFE = "!$&'()*+,/:;=@"     # what werkzeug's converters leave unquoted in a path
# discovery.md §5: no script at all (the JSON-LD data block is not script), no framing.
_CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'")


def _store() -> Any:
    return current_app.extensions["granary"].store


def _read(fn: Any, *args: Any) -> Any:
    return _store().database.read(fn, *args)


def _identity() -> Any:
    return current_app.extensions["granary"].identity


def _oai_base() -> str:
    return _identity().base_url or url_for("oai.endpoint", _external=True)


@bp.after_request
def _headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", _CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return resp


@bp.app_context_processor
def _common() -> dict[str, Any]:
    return {"site_name": _identity().repository_name}


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def _problem(status: int, title: str, message: str) -> tuple[str, int]:
    return _page("problem.html", status, title=title, message=message)


def _cursor() -> tuple[tuple[int, str] | None, tuple[str, int] | None]:
    try:
        return present.parse_cursor(request.args.get("after")), None
    except present.BadCursor as exc:
        return None, _problem(400, "This page link does not work", str(exc))


def _list_page(rows: list[browse.Summary], endpoint: str, **args: Any) -> dict[str, Any]:
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    nxt = (url_for(endpoint, after=present.cursor_text(rows[-1].cursor), **args)
           if more else None)
    return {"rows": rows, "next_url": nxt, "first_url": url_for(endpoint, **args),
            "paged": "after" in request.args}


# -- pages ---------------------------------------------------------------------------------
@bp.get("/")
def home() -> tuple[str, int]:
    counts = _read(browse.list_counts)
    formats = sorted(current_app.extensions["granary"].formats, key=lambda f: f.prefix)
    sized = {prefix: n for (prefix, spec), n in counts.items() if spec == ""}
    # The records of the list every record is in (oai_dc, §3.4: every record has it).
    main = "oai_dc" if "oai_dc" in sized else max(sized, key=sized.__getitem__, default="")
    rows = [(spec, name, description, counts.get((main, spec), 0))
            for spec, name, description in _read(browse.all_sets)]
    return _page("home.html", records=sized.get(main, 0), set_count=len(rows),
                 tree=present.set_tree(rows), formats=[(f, sized.get(f.prefix, 0))
                                                      for f in formats],
                 newest=_read(browse.newest, None, NEWEST), oai_base=_oai_base())


@bp.get("/browse")
def catalogue() -> tuple[str, int]:
    cursor, problem = _cursor()
    if problem:
        return problem
    rows = _read(browse.newest, cursor, PAGE_SIZE + 1)
    return _page("list.html", heading="All records, newest first",
                 **_list_page(rows, "pages.catalogue"))


@bp.get("/sets/<path:spec>")
def in_set(spec: str) -> tuple[str, int]:
    found = (_read(browse.get_set, spec) if len(spec) <= 512 and spec.isprintable()
             else None)
    if found is None:
        return _problem(404, "No such set", "This catalogue has no set by that name.")
    cursor, problem = _cursor()
    if problem:
        return problem
    rows = _read(browse.in_set, spec, cursor, PAGE_SIZE + 1)
    return _page("list.html", heading=found[1], set_info=found,
                 **_list_page(rows, "pages.in_set", spec=spec))


@bp.get("/search")
def search() -> tuple[str, int]:
    query = request.args.get("q", "")[:MAX_QUERY_CHARS].strip()
    cursor, problem = _cursor()
    if problem:
        return problem
    rows = _read(browse.search, query, cursor, PAGE_SIZE + 1) if query else []
    return _page("list.html", heading="Search" if not query else f"Results for “{query}”",
                 query=query, searching=True, **_list_page(rows, "pages.search", q=query))


@bp.get("/records/<path:identifier>")
def record(identifier: str) -> tuple[str, int]:
    if (len(identifier.encode("utf-8", "surrogatepass")) > MAX_IDENTIFIER_BYTES
            or not is_identifier(identifier)):
        return _problem(404, "No such record", "This catalogue has no record by that name.")
    rec = _store().get_stored(identifier)
    if rec is None:
        return _problem(404, "No such record", "This catalogue has no record by that name.")
    oai = _oai_base()
    get_record = [(prefix, f"{oai}?verb=GetRecord&metadataPrefix={prefix}&identifier="
                           + _quote(identifier)) for prefix in rec.formats]
    if rec.deleted:
        return _page("gone.html", 410, rec=rec, get_record=get_record)
    page_url = url_for("pages.record", identifier=identifier, _external=True)
    view = present.record_view(rec)
    stamp = seconds_text(rec.datestamp)
    origin = rec.origin
    return _page("record.html", rec=rec, view=view, page_url=page_url, datestamp=stamp,
                 citation=present.citation_tags(view, stamp, page_url),
                 jsonld=present.json_ld(view, page_url), get_record=get_record,
                 origin=origin, origin_href=_origin_href(origin),
                 link=present.safe_href, set_names=_set_names(rec.set_specs))


def _quote(value: str) -> str:
    return quote(value, safe="")


def _origin_href(origin: Any) -> str | None:
    if origin is None:
        return None
    base = present.safe_href(origin.base_url)
    if base is None:
        return None
    return f"{base}?verb=GetRecord&metadataPrefix=oai_dc&identifier={_quote(origin.identifier)}"


def _set_names(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    names = []
    for spec in specs:
        found = _read(browse.get_set, spec)
        names.append((spec, found[1] if found else spec))
    return names


# -- for crawlers --------------------------------------------------------------------------
@bp.get("/robots.txt")
def robots() -> Response:
    # discovery.md §1.7: records and browse pages open; search results are not for crawling.
    body = ("User-agent: *\nAllow: /\nDisallow: /search\n\n"
            f"Sitemap: {url_for('pages.sitemap_root', _external=True)}\n")
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get("/sitemap.xml")
def sitemap_root() -> Response:
    pages_needed = -(-_read(browse.last_id) // sitemap.PAGE_SIZE)
    if pages_needed <= 1:
        return _xml(sitemap.urlset(_entries(1)))
    return _xml(sitemap.sitemap_index(
        url_for("pages.sitemap_page", page=k, _external=True)
        for k in range(1, pages_needed + 1)))


@bp.get("/sitemap-records.xml")
def sitemap_page() -> Response | tuple[str, int]:
    page = request.args.get("page", "")
    if not (page.isascii() and page.isdigit() and 0 < len(page) <= 9 and int(page) > 0):
        return _problem(400, "This sitemap link does not work", "The page is not one of ours.")
    return _xml(sitemap.urlset(_entries(int(page))))


def _entries(page: int) -> Iterator[tuple[str, datetime]]:
    """(page URL, datestamp) of the live records of sitemap page *page* (ids
    (page-1)*PAGE_SIZE+1 .. page*PAGE_SIZE), read _READ_BATCH ids at a time."""
    # One url_for, then the identifier quoted as the route's converter quotes it (werkzeug
    # BaseConverter.to_url): the same URL as the page's canonical link, 50,000 times cheaper.
    prefix = url_for("pages.record", identifier="x", _external=True)[:-1]
    low, high = (page - 1) * sitemap.PAGE_SIZE, page * sitemap.PAGE_SIZE
    while low < high:
        top = min(low + _READ_BATCH, high)
        for identifier, stamp in _read(browse.live_in_id_range, low, top):
            yield prefix + quote(identifier, safe=_PATH_SAFE), stamp
        low = top


def _xml(chunks: Iterator[bytes]) -> Response:
    # The rows are read as the body is sent, so the request's context must outlive the view.
    return Response(stream_with_context(chunks), content_type="application/xml; charset=utf-8")
