"""HTTP caching: one Cache-Control rule per kind of route, and the validators (ETag) that let
a client ask "has it changed?" and get a 304 instead of the body.

    search results, documents, pages   no-cache: stored, but checked each time, since any
                                       write may change them; ETags make the check cheap
    the page's static files            a year, immutable: their URLs carry a hash of the file
    /healthz, /metrics                 no-store: a probe must see the server, not a cache
    writes, errors, preflights         no-store

A search's ETag is the live index's generation marker with the query string: the same search
of the same index gives the same results, so a 304 is answered without searching. A
document's ETag is a hash of its JSON.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Response, current_app, request, url_for

REVALIDATE = "no-cache"
NEVER = "no-store"
STATIC_VERSIONED = "public, max-age=31536000, immutable"
STATIC_UNVERSIONED = "public, max-age=3600"  # a link to a file without its ?v= hash
NOT_STORED = ("/healthz", "/metrics")


def cache_control(response: Response) -> None:
    """Set the response's Cache-Control by its route, method and status."""
    if request.path.startswith("/static/") and response.status_code in (200, 304):
        versioned = request.args.get("v") == static_version(request.path.removeprefix("/static/"))
        response.headers["Cache-Control"] = STATIC_VERSIONED if versioned else STATIC_UNVERSIONED
    elif (
        request.method not in ("GET", "HEAD")
        or response.status_code >= 400
        or request.path in NOT_STORED
    ):
        response.headers["Cache-Control"] = NEVER
    else:
        response.headers["Cache-Control"] = REVALIDATE


def tag(*parts: str | bytes) -> str:
    """A short hash of ``parts``, for an ETag."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def search_tag(marker: str) -> str:
    """The ETag of a search: the index's generation marker and the query string."""
    return tag(marker, request.query_string)


def not_modified(etag: str, weak: bool = False) -> Response | None:
    """A 304 when the request's If-None-Match names ``etag``, else None."""
    if not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304)
    response.set_etag(etag, weak=weak)
    return response


@functools.cache
def _file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(filename: str) -> str | None:
    """A hash of one static file's bytes (None when there is no such file)."""
    folder = current_app.static_folder
    path = Path(folder or "", filename)
    if not folder or ".." in Path(filename).parts or not path.is_file():
        return None
    return _file_hash(str(path))


def static_url(filename: str) -> str:
    """The page's link to a static file, with its hash: it can be cached for a year."""
    return url_for("static", filename=filename, v=static_version(filename))
