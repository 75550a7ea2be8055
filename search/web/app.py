"""The Flask app factory and what every request shares: request ids, security headers, the
access log, and JSON errors.

gunicorn calls the factory: ``gunicorn 'search.web:create_app()'``. Configuration comes from
the settings table (`search.settings`: defaults, then ``ARABIC_SEARCH_*`` environment
variables), then the caller's overrides.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

import orjson
from flask import Flask, current_app, g, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_compress import Compress
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from ..errors import SearchError
from ..query.synonyms import SynonymFile
from ..settings import from_environment
from . import runtime
from .api import api
from .caching import cache_control, static_url
from .clients import client_address, trusted_networks
from .cors import add_headers as add_cors_headers
from .cors import origins
from .filters import FILTERS, GLOBALS, html_text
from .live import LiveReader
from .logs import ACCESS, install
from .metrics import count_request, metrics
from .pages import pages
from .parameters import check as check_parameters
from .ratelimit import RateLimiter
from .results_cache import ResultCache
from .writes import writes

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS)
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # a caller's id is kept only if this tame
COMPRESS_MIN_SIZE = 500  # bytes; below this a compressed answer saves less than its headers
QUERY_LOG_LIMIT = 2000  # characters of the query string kept in an access log line
USER_AGENT_LOG_LIMIT = 300


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app; tests pass ``{"INDEX_DIR": ...}``."""
    app = Flask(__name__)
    app.url_map.converters["path"] = AnyPath
    app.config.update(from_environment())  # search.settings: every setting, typed
    app.config.update(overrides or {})
    if not app.testing:
        install(as_json=app.config["LOG_JSON"])
    app.json = FastJSON(app)
    app.extensions["live_reader"] = LiveReader(app.config["INDEX_DIR"])
    app.extensions["result_cache"] = ResultCache(app.config["RESULT_CACHE_MB"] * 1024 * 1024)
    app.extensions["trusted_proxies"] = trusted_networks(app.config["TRUSTED_PROXIES"])
    app.extensions["rate_limiter"] = RateLimiter(app.config["RATE_LIMIT"], runtime.run_dir())
    app.extensions["cors_origins"] = origins(app.config["CORS_ORIGINS"])
    # a bad synonyms file stops the start here, naming the file and the line
    app.extensions["synonyms"] = SynonymFile(app.config.get("SYNONYMS") or None)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(writes)
    app.register_blueprint(metrics)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(SearchError, search_error)
    app.register_error_handler(Exception, unexpected_error)
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS, static_url=static_url)
    app.jinja_env.finalize = html_text  # before any template compiles: it is compiled in
    app.before_request(_start_clock)
    app.before_request(_rate_limit)
    app.before_request(check_parameters)
    # JSON and pages of COMPRESS_MIN_SIZE bytes or more are compressed for a client that
    # accepts zstd, br, gzip or deflate; _headers calls it (after an empty answer has become a
    # 204, which has no body to compress, and before the log line counts the bytes sent).
    app.config.setdefault("COMPRESS_MIN_SIZE", COMPRESS_MIN_SIZE)
    app.config["COMPRESS_REGISTER"] = False
    app.extensions["compress"] = Compress(app)
    app.after_request(_headers)
    return app


class FastJSON(DefaultJSONProvider):
    """Flask's JSON provider, its compact answers encoded by orjson: the same bytes as
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` for every body the app
    sends, in 2.4 µs where the standard encoder took 38 (a search page of ten hits).
    Dates, dataclasses and anything else orjson would render its own way go to Flask's
    ``default``, as before; with ``debug`` (indented answers) Flask's own encoder answers."""

    ensure_ascii = False
    sort_keys = False
    OPTIONS = (
        orjson.OPT_APPEND_NEWLINE
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        if args and kwargs:
            raise TypeError("jsonify() behavior undefined when passed both args and kwargs")
        obj = args[0] if len(args) == 1 else (args or kwargs or None)  # as Flask's jsonify
        try:
            data = orjson.dumps(obj, default=self.default, option=self.OPTIONS)
        except orjson.JSONEncodeError:  # an integer past 64 bits: the standard encoder's job
            return super().response(*args, **kwargs)
        return self._app.response_class(data, mimetype=self.mimetype)


class AnyPath(PathConverter):
    """Werkzeug's <path:...>, newlines included (its `.` stops at one): a document id that
    holds a newline reaches the id checks, a 400 that says why, instead of matching no route
    (a 404 the OpenAPI does not list for a write; the fuzz run found it)."""

    regex = "[^/][\\s\\S]*?"


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _start_clock() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex[:16]
    g.client = client_address(
        request.remote_addr,
        request.headers.get("X-Forwarded-For", ""),
        current_app.extensions["trusted_proxies"],
    )


def _rate_limit() -> None:
    current_app.extensions["rate_limiter"].check(request.path, g.client)


# On every answer, the app's and gunicorn's own (search.web.serving) and nginx's
# (deploy/errors.conf) alike.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
}


def _headers(response):
    if request.method == "OPTIONS" and response.status_code == 200 and not response.data:
        response.status_code = 204  # Flask's answer names the methods (Allow) and no more
        response.headers.pop("Content-Type", None)
        if _similar_list():
            response.headers["Allow"] = READ_ONLY
    if response.is_streamed or response.get_data():  # an empty body stays empty
        response = current_app.extensions["compress"].after_request(response)
    cache_control(response)
    add_cors_headers(response, current_app.extensions["cors_origins"])
    response.headers.update(SECURITY_HEADERS)
    response.headers["X-Request-Id"] = g.get("request_id", "")
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    elapsed = seconds * 1000
    count_request(request.method, _route(), response.status_code, seconds)
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "query": _query()[:QUERY_LOG_LIMIT],
            "status": response.status_code,
            "ms": round(elapsed, 2),
            "bytes": response.calculate_content_length(),
            "remote": g.get("client", request.remote_addr),
            "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_LOG_LIMIT],
            "pid": os.getpid(),
        },
    )
    return response


READ_ONLY = "GET, HEAD, OPTIONS"
ERRORS_SECTION = "errors"  # README.md's "### Errors": every code, its status and meaning


def _query() -> str:
    """The query string as the client meant it: percent-decoded UTF-8, + as a space."""
    raw = request.query_string.replace(b"+", b" ")
    return unquote_to_bytes(raw).decode("utf-8", errors="replace")


def _route() -> str:
    """The request's route as written in the code, never the raw URL: the metrics' labels
    stay few whatever URLs clients send."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _similar_list() -> bool:
    """/api/documents/<id>/similar: a read-only resource, though the document routes'
    <path:id> match it too (Allow would name their PUT and DELETE)."""
    return request.path.startswith("/api/documents/") and request.path.endswith("/similar")


def _wants_json() -> bool:
    """JSON errors for the API, for methods no page answers (OPTIONS *, PUT /x) and for
    clients that prefer JSON; the error page for a browser on a page's address."""
    if request.path.startswith("/api/") or request.path in ("/api", "/healthz"):
        return True
    if request.method not in ("GET", "HEAD"):
        return True
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html")


def docs_link(section: str = ERRORS_SECTION) -> str:
    """Where an error's code is explained: the README's section, at DOCS_URL."""
    return f"{current_app.config['DOCS_URL']}#{section}"


def error_body(code: str, message: str, status: int, details: dict | None = None):
    if _wants_json():
        error = {"code": code, "message": message, **(details or {}), "docs": docs_link()}
        return jsonify({"error": error}), status
    return render_template("error.html", code=code, message=message, status=status), status


def http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    response = error_body(code, error.description or error.name, error.code or 500)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        allowed = READ_ONLY if _similar_list() else ", ".join(error.valid_methods)
        response[0].headers["Allow"] = allowed
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
