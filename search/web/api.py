"""The JSON API's read side: search, documents, health, and the OpenAPI description."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re

from flask import Blueprint, current_app, jsonify, request

from ..errors import BadParameter, SearchError
from ..errors import NotFound as DocumentNotFound
from ..results import (
    MAX_PAGE_DOCUMENTS,
    MAX_SIMILAR,
    PAGE_DEFAULT,
    SearchRequest,
    document,
    document_page,
    search,
    similar_articles,
    suggestions,
)
from ..results.body import SIMILAR_DEFAULT
from ..results.request import PARAMETERS as SEARCH_PARAMETERS
from ..store import read_build_info, replica_status
from .caching import not_modified, search_tag, tag
from .live import live, synonyms, synonyms_version
from .metrics import count_search, gauge
from .openapi import OPENAPI
from .parameters import takes

log = logging.getLogger(__name__)
api = Blueprint("api", __name__)


@api.get("/api/search")
@takes(*SEARCH_PARAMETERS)  # what SearchRequest.from_args reads
def api_search():
    search_request = SearchRequest.from_args(request.args, strict=True)
    reader = live().get()
    found = synonyms()  # an edited synonyms file changes what a search finds, and its tag
    version = f"{live().marker}|{synonyms_version()}"  # what the answer depends on
    etag = search_tag(version)
    unchanged = not_modified(etag, weak=True)
    if unchanged is not None:  # the same search of the same index: nothing to send
        return unchanged
    cache = current_app.extensions["result_cache"]
    key = cache.key(version, search_request)
    cached = cache.get(key)
    if cached is None:
        body = search(reader, search_request, found)
        response = jsonify(body)
        cache.put(key, response.get_data(), body["total"])
        total = body["total"]
    else:
        data, total = cached
        response = current_app.response_class(data, mimetype="application/json")
    count_search(total)
    response.set_etag(etag, weak=True)
    return response


CURSOR_RE = re.compile(r"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?")  # base64url, unpadded


def encode_cursor(doc_id: str) -> str:
    """The opaque `next` of a page: the last id's UTF-8 bytes in base64url.

    >>> encode_cursor("002_x")
    'MDAyX3g'
    """
    return base64.urlsafe_b64encode(doc_id.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> bytes:
    """The position a cursor names; 400 for text no page gave."""
    if not CURSOR_RE.fullmatch(cursor):
        raise BadParameter("after", "is not a cursor: pass the `next` of the previous page")
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise BadParameter(
            "after", "is not a cursor: pass the `next` of the previous page"
        ) from None


@api.get("/api/documents")
@takes("after", "limit")
def api_documents():
    """Every document, a page at a time, in id order: the dump of the API
    (`arabic-search export` is the command line's)."""
    raw = request.args.get("limit", str(PAGE_DEFAULT))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE_DOCUMENTS:
        raise BadParameter("limit", f"must be a whole number between 1 and {MAX_PAGE_DOCUMENTS}")
    after = decode_cursor(request.args.get("after", ""))
    documents, more = document_page(live().get(), after, int(raw))
    return {
        "documents": documents,
        "next": encode_cursor(documents[-1]["id"]) if more and documents else None,
    }


@api.get("/api/suggest")
@takes("q")
def api_suggest():
    """Completions of a query being typed: words, then titles."""
    text = request.args.get("q")
    if text is None:
        raise BadParameter("q", "missing; pass the text typed so far as ?q=...")
    return suggestions(live().get(), text)


@api.get("/api/documents/<path:doc_id>/similar")
@takes("limit")
def api_similar(doc_id: str):
    """The articles closest to one article; 404 for an unknown id."""
    raw = request.args.get("limit", str(SIMILAR_DEFAULT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SIMILAR:
        raise BadParameter("limit", f"must be a whole number between 1 and {MAX_SIMILAR}")
    found = similar_articles(live().get(), doc_id, int(raw))
    if found is None:
        raise DocumentNotFound(f"no document with id {doc_id!r}")
    return found


@api.get("/api/documents/<path:doc_id>")
def api_document(doc_id: str):
    found = document(live().get(), doc_id)
    if found is None:
        raise DocumentNotFound(f"no document with id {doc_id!r}")
    response = jsonify(found)
    response.set_etag(tag(response.get_data()))
    return response.make_conditional(request)


@api.get("/healthz")
def healthz():
    """Liveness for load balancers: 503 when the index cannot be opened, else its age; on a
    read replica, how far behind its primary it is."""
    replica = replica_status(live().folder)
    lag = {"replica": replica} if replica is not None else {}
    try:
        documents = live().get().documents
    except Exception as error:  # any failure to open or read the index means "not serving"
        log.warning("health check failed: %s", error)
        known = isinstance(error, SearchError)
        failure = {
            "code": error.code if known else "index_unavailable",
            "message": str(error) if known else "the index cannot be opened",
        }
        return jsonify({"status": "unavailable", "error": failure, **lag}), 503
    info = read_build_info(live().folder)
    updated = info.get("updated_at") or info.get("built_at")
    age = _age(updated)
    return {
        "status": "ok",
        "documents": documents,
        "built_at": info.get("built_at"),
        "updated_at": updated,
        "index_age_seconds": round(age) if age is not None else None,
        **lag,
    }


def _age(updated: str | None) -> float | None:
    """Seconds since an ISO time (the index's last change), or None without one."""
    if not updated:
        return None
    return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(updated)).total_seconds()


def _index_reading(read):
    """A scrape-time gauge's reader that leaves the gauge out when the index cannot be read
    (/healthz says why)."""

    def reading():
        try:
            return read()
        except Exception:  # no index, or an unreadable one: nothing to report
            return None

    return reading


gauge(
    "documents",
    "Documents in the live index",
    _index_reading(lambda: live().get().documents),
)
gauge(
    "index_generation",
    "The live index generation (its folder name), always 1",
    _index_reading(lambda: {(live().get().generation.name,): 1}),
    labels=("generation",),
)
gauge(
    "index_age_seconds",
    "Seconds since the live index was built or last written to",
    _index_reading(
        lambda: _age(
            (info := read_build_info(live().folder)).get("updated_at") or info.get("built_at")
        )
    ),
)


def _replica_reading(key: str):
    """A scrape-time gauge of a replica's lag (left out on a primary, or while unknown)."""
    return _index_reading(lambda: (replica_status(live().folder) or {}).get(key))


gauge(
    "replica_seconds_behind",
    "On a read replica: every write its primary committed longer ago than this is served here",
    _replica_reading("seconds_behind"),
)
gauge(
    "replica_commits_behind",
    "On a read replica: commits of its primary it lacks, as of the last contact",
    _replica_reading("commits_behind"),
)


@api.get("/api/openapi.json")
def openapi():
    return OPENAPI
