"""The Flask app: JSON API, search page and article page over one live searcher per worker.

gunicorn calls the factory: ``gunicorn 'search.web:create_app()'``. Configuration comes from
defaults, then ``ARABIC_SEARCH_*`` environment variables, then the caller's overrides.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, NotFound

from .errors import IndexMissing, SearchError
from .errors import NotFound as DocumentNotFound
from .highlight import NOT_HTML_RE, Marks, highlight_text
from .index import generation_marker, index_stemmer, open_index, read_build_info
from .logs import ACCESS, install
from .openapi import OPENAPI
from .query import SearchRequest, compile_marks, document, search
from .writes import writes

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS)
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # a caller's id is kept only if this tame
QUERY_LOG_LIMIT = 2000  # characters of the query string kept in an access log line
api = Blueprint("api", __name__)
pages = Blueprint("pages", __name__)


class LiveSearcher:
    """One open searcher per worker, reopened when the index on disk changes.

    Opening a Whoosh searcher reads the segment list; doing it per request would cost more
    than most searches. The marker (live generation + newest TOC) is a cheap stat.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._marker: str | None = None
        self._searcher = None
        self.stemmer = "light"
        self.opened_at = 0.0

    def get(self):
        marker = generation_marker(self.folder)
        if marker != self._marker or self._searcher is None:
            with self._lock:
                if marker != self._marker or self._searcher is None:
                    ix = open_index(self.folder)
                    old, self._searcher = self._searcher, ix.searcher()
                    self.stemmer = index_stemmer(ix)
                    self._marker = marker
                    self.opened_at = time.time()
                    if old is not None:
                        old.close()
        return self._searcher


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; tests pass ``{"INDEX_DIR": ...}``."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR="index",
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.from_prefixed_env("ARABIC_SEARCH")
    # read as text: from_prefixed_env would turn a token such as "1234" into a number
    app.config["ADMIN_TOKEN"] = os.environ.get("ARABIC_SEARCH_ADMIN_TOKEN", "")
    app.config.update(overrides or {})
    if not app.testing and app.config.get("LOG_JSON", True):
        install()
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["live_searcher"] = LiveSearcher(app.config["INDEX_DIR"])
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(writes)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SearchError, search_error)
    app.register_error_handler(Exception, unexpected_error)
    app.jinja_env.filters.update(
        arabic_number=arabic_number,
        arabic_date=arabic_date,
        results_word=results_word,
        results_count=results_count,
        took_phrase=took_phrase,
        text_dir=text_dir,
        url_host=url_host,
        web_url=web_url,
    )
    app.jinja_env.globals.update(page_url=page_url, page_numbers=page_numbers)
    app.jinja_env.finalize = html_text  # before any template compiles: it is compiled in
    app.before_request(_start_clock)
    app.after_request(_headers)
    return app


def live() -> LiveSearcher:
    return current_app.extensions["live_searcher"]


# --- Cross-cutting ---------------------------------------------------------------------------

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _start_clock() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex[:16]


def _headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1")[:QUERY_LOG_LIMIT],
            "status": response.status_code,
            "ms": round(elapsed, 2),
            "bytes": response.calculate_content_length(),
            "remote": request.remote_addr,
            "pid": os.getpid(),
        },
    )
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/api", "/healthz")


def error_body(code: str, message: str, status: int, details: dict | None = None):
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message, **(details or {})}}), status
    return render_template("error.html", code=code, message=message, status=status), status


def http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    response = error_body(code, error.description or error.name, error.code or 500)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response[0].headers["Allow"] = ", ".join(error.valid_methods)
    return response


def search_error(error: SearchError):
    response, status = error_body(error.code, str(error), error.status, dict(error.details))
    response = current_app.make_response((response, status))
    response.headers.update(error.headers)
    return response


def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unhandled error on %s", request.path, extra={"request_id": g.get("request_id")})
    return error_body("internal_error", "the server failed to answer this request", 500)


# --- JSON API ------------------------------------------------------------------------------


@api.get("/api/search")
def api_search():
    search_request = SearchRequest.from_args(request.args)
    searcher = live().get()
    return search(searcher, search_request, live().stemmer)


@api.get("/api/documents/<path:doc_id>")
def api_document(doc_id: str):
    found = document(live().get(), doc_id)
    if found is None:
        raise DocumentNotFound(f"no document with id {doc_id!r}")
    return found


@api.get("/healthz")
def healthz():
    """Liveness for load balancers: 503 when the index cannot be opened, else its age."""
    try:
        searcher = live().get()
        documents = searcher.doc_count()
    except Exception as error:  # any failure to open or read the index means "not serving"
        log.warning("health check failed: %s", error)
        message = str(error) if isinstance(error, SearchError) else "the index cannot be opened"
        return jsonify({"status": "unavailable", "error": message}), 503
    info = read_build_info(live().folder)
    updated = info.get("updated_at") or info.get("built_at")
    age = None
    if updated:
        age = round((dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(updated)).total_seconds())
    return {
        "status": "ok",
        "documents": documents,
        "built_at": info.get("built_at"),
        "updated_at": updated,
        "index_age_seconds": age,
    }


@api.get("/api/openapi.json")
def openapi():
    return OPENAPI


# --- Pages ---------------------------------------------------------------------------------

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONTHS = (  # Egyptian (Gregorian-derived) month names, January first
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
PAGE_WINDOW = 10  # numbered page links shown at once, as SearXNG does
TAG_RE = re.compile(r"<[^>]*>")
SEARCH_PARAMS = ("q", "sort", "source", "year", "from", "to", "per_page", "page")  # link order


def html_text(value):
    """Every ``{{ ... }}`` of a page, with the characters HTML forbids turned into spaces.

    Jinja's ``finalize`` hook runs on each printed value before it is escaped, so a query,
    a stored title or an error message echoed anywhere (``<title>``, an attribute, the text)
    cannot carry a NUL, a C0/C1 control or a noncharacter into the page. The rule is the
    highlighter's, so ``title_html`` and the plain ``title`` agree. Markup stays markup.

    >>> html_text("كوريا\x01"), html_text(3)
    ('كوريا ', 3)
    """
    if hasattr(value, "__html__"):
        return Markup(NOT_HTML_RE.sub(" ", value.__html__()))
    if isinstance(value, str):
        return NOT_HTML_RE.sub(" ", value)
    if value is None or isinstance(value, int | float):
        return value
    return NOT_HTML_RE.sub(" ", str(value))  # an exception or other object, as Jinja prints it


def arabic_number(value) -> str:
    """Numbers in the page's chrome are written with Arabic-Indic digits: ٢٠٢٣.

    >>> arabic_number(2023)
    '٢٠٢٣'
    """
    return str(value).translate(ARABIC_DIGITS)


def arabic_date(iso: str | None) -> str:
    """2023-10-20 -> ٢٠ أكتوبر ٢٠٢٣ (Egyptian month names, the most widely read).

    >>> arabic_date("2023-10-20")
    '٢٠ أكتوبر ٢٠٢٣'
    """
    try:
        year, month, day = (int(part) for part in str(iso).split("-"))
        return arabic_number(f"{day} {MONTHS[month - 1]} {year}")
    except (ValueError, IndexError):
        return str(iso or "")


def results_word(count: int) -> str:
    """The noun after a number, by Arabic number agreement."""
    if count == 1:
        return "نتيجة"
    if count == 2:
        return "نتيجتان"
    if 3 <= count % 100 <= 10:
        return "نتائج"
    return "نتيجة"


def results_count(count: int) -> str:
    """The whole count phrase: لا نتائج, نتيجة واحدة, نتيجتان, ٥ نتائج, ١١ نتيجة.

    >>> results_count(5)
    '٥ نتائج'
    """
    if count == 0:
        return "لا نتائج"
    if count == 1:
        return "نتيجة واحدة"
    if count == 2:
        return "نتيجتان"
    return f"{arabic_number(count)} {results_word(count)}"


def took_phrase(ms: float) -> str:
    """Search time for the summary line: ٣ ملّي ثانية, or أقل من ملّي ثانية."""
    if ms < 0.5:
        return "أقل من ملّي ثانية"
    return f"{arabic_number(round(ms))} ملّي ثانية"


def text_dir(text) -> str:
    """``rtl`` or ``ltr`` by the majority of strong letters, ``auto`` when there are none.

    ``dir="auto"`` looks only at the first strong letter, so an Arabic headline that opens
    with "F-16" or "CNN:" would be laid out left to right; counting letters does not.
    Markup (the highlighter's ``<mark>``) is ignored.

    >>> text_dir("F-16 تصل إلى أوكرانيا"), text_dir("Reuters"), text_dir("3000")
    ('rtl', 'ltr', 'auto')
    """
    plain = TAG_RE.sub("", str(text or ""))
    rtl = ltr = 0
    for char in plain:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    if not rtl and not ltr:
        return "auto"
    return "rtl" if rtl >= ltr else "ltr"


def url_host(url: str | None) -> str:
    """The host name shown for an article's original link (www. dropped)."""
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


def web_url(url: str | None) -> str | None:
    """The URL when it is http(s), so a stored ``javascript:`` link never becomes a link."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def page_url(page: int | None = None, **changes) -> str:
    """This search's URL with ``page`` and other parameters changed; empty values dropped.

    Every link on the results page goes through here, so q, sort, source, year and
    per_page survive pagination, facets and suggestions. Any other change starts again at
    page one, and page one has a single address (no ``page=1``).
    """
    values = {name: request.args.get(name) for name in SEARCH_PARAMS}
    values.update(changes, page=page)
    if str(values["page"]) == "1":
        values["page"] = None
    kept = {name: str(value) for name, value in values.items() if value not in (None, "")}
    return f"{url_for('pages.search_page')}?{urlencode(kept)}"


def page_numbers(page: int, last: int) -> list[int]:
    """A window of at most PAGE_WINDOW page numbers around ``page``.

    >>> page_numbers(1, 3), page_numbers(9, 40)[:2]
    ([1, 2, 3], [5, 6])
    """
    first = max(1, min(page - 4, last - PAGE_WINDOW + 1))
    return list(range(first, min(last, first + PAGE_WINDOW - 1) + 1))


# --- Pages (views) -------------------------------------------------------------------------


def _facets_without(searcher, args, name: str, stemmer: str) -> dict[str, int]:
    """Facet counts for ``name`` with its own filter lifted, so other values stay choosable."""
    others = {key: value for key, value in args.items() if key not in (name, "page")}
    others["per_page"] = "1"
    return search(searcher, SearchRequest.from_args(others), stemmer)["facets"][name]


@pages.get("/")
def search_page():
    text = request.args.get("q", "")
    body, error, status = None, None, 200
    if text.strip():
        try:
            search_request = SearchRequest.from_args(request.args)
            searcher = live().get()
            body = search(searcher, search_request, live().stemmer)
            for name in ("source", "year"):
                if request.args.get(name):
                    body["facets"][name] = _facets_without(
                        searcher, request.args, name, live().stemmer
                    )
        except IndexMissing:
            raise
        except SearchError as failure:
            error, status = failure, failure.status
    last_page = 0
    if body:
        last_page = max(1, -(-body["total"] // body["per_page"]))
    return render_template(
        "search.html", q=text, body=body, error=error, args=request.args, last_page=last_page
    ), status


@pages.get("/articles/<path:doc_id>")
def article_page(doc_id: str):
    searcher = live().get()
    found = document(searcher, doc_id)
    if found is None:
        raise NotFound(f"no article with id {doc_id!r}")
    text = request.args.get("q", "")
    marks = compile_marks(searcher, text, live().stemmer) if text.strip() else Marks()
    title_html = highlight_text(found["title"], marks, live().stemmer)
    paragraphs = [
        highlight_text(line, marks, live().stemmer)
        for line in found["body"].split("\n")
        if line.strip()
    ]
    return render_template(
        "article.html", doc=found, q=text, title_html=title_html, paragraphs=paragraphs
    )
