"""The Flask app: JSON API, search page and article page over one live searcher per worker.

gunicorn calls the factory: ``gunicorn 'search.web:create_app()'``. Configuration comes from
defaults, then ``ARABIC_SEARCH_*`` environment variables, then the caller's overrides.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from pathlib import Path

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
from werkzeug.exceptions import HTTPException, NotFound

from .errors import IndexMissing, SearchError
from .errors import NotFound as DocumentNotFound
from .index import generation_marker, index_stemmer, open_index, read_build_info
from .openapi import OPENAPI
from .highlight import Marks, highlight_text
from .query import SearchRequest, compile_marks, document, search

log = logging.getLogger(__name__)
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
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["live_searcher"] = LiveSearcher(app.config["INDEX_DIR"])
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SearchError, search_error)
    app.register_error_handler(Exception, unexpected_error)
    app.jinja_env.filters.update(
        arabic_number=arabic_number, arabic_date=arabic_date, results_word=results_word
    )
    app.jinja_env.globals["page_url"] = page_url
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
    g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]


def _headers(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    log.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round(elapsed, 2),
        },
    )
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(code: str, message: str, status: int):
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", code=code, message=message, status=status), status


def http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    response = error_body(code, error.description or error.name, error.code or 500)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response[0].headers["Allow"] = ", ".join(error.valid_methods)
    return response


def search_error(error: SearchError):
    return error_body(error.code, str(error), error.status)


def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    log.exception("unhandled error on %s", request.path)
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
    try:
        searcher = live().get()
    except IndexMissing as error:
        return jsonify({"status": "unavailable", "error": str(error)}), 503
    info = read_build_info(live().folder)
    return {
        "status": "ok",
        "documents": searcher.doc_count(),
        "built_at": info.get("built_at"),
    }


@api.get("/api/openapi.json")
def openapi():
    return OPENAPI


# --- Pages ---------------------------------------------------------------------------------

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONTHS = (
    "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر"
).split()


def arabic_number(value) -> str:
    """Numbers in the page's chrome are written with Arabic-Indic digits: ٢٠٢٣."""
    return str(value).translate(ARABIC_DIGITS)


def arabic_date(iso: str) -> str:
    """2023-10-20 -> ٢٠ أكتوبر ٢٠٢٣ (Egyptian month names, the most widely read)."""
    year, month, day = (int(part) for part in iso.split("-"))
    return arabic_number(f"{day} {MONTHS[month - 1]} {year}")


def results_word(count: int) -> str:
    """The noun after a number, by Arabic number agreement."""
    if count == 1:
        return "نتيجة"
    if count == 2:
        return "نتيجتان"
    if 3 <= count % 100 <= 10:
        return "نتائج"
    return "نتيجة"


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for("pages.search_page", **args)


# --- Pages (views) ---------------------------------------------------------------------------------


@pages.get("/")
def search_page():
    text = request.args.get("q", "")
    body, error = None, None
    if text.strip():
        try:
            search_request = SearchRequest.from_args(request.args)
            body = search(live().get(), search_request, live().stemmer)
        except IndexMissing:
            raise
        except SearchError as failure:
            error = failure
    return render_template("search.html", q=text, body=body, error=error, args=request.args)


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
