"""CORS for the read API (``ARABIC_SEARCH_CORS_ORIGINS``): pages on the listed origins may
call the API's GETs from a browser; every other origin, and every write, gets no CORS header,
so browsers keep refusing them.

Hand-written rather than Flask-CORS: the rule is one condition (an /api/ GET or its preflight,
from a listed origin), and Flask-CORS would add the headers to the writes' answers too.
"""

from __future__ import annotations

from flask import Response, request

READ_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_HEADERS = ("If-None-Match", "X-Request-Id")  # what a reading page may send
EXPOSED_HEADERS = "ETag, Retry-After, X-Request-Id"  # what its script may read
PREFLIGHT_SECONDS = 600  # a browser keeps a preflight's answer this long


def origins(text: str) -> frozenset[str]:
    """The setting's comma-separated origins (``*`` for any).

    >>> sorted(origins("https://a.example, https://b.example/"))
    ['https://a.example', 'https://b.example']
    """
    return frozenset(part.strip().rstrip("/") for part in text.split(",") if part.strip())


def add_headers(response: Response, allowed: frozenset[str]) -> None:
    """Answer a listed origin's read or preflight; add nothing for anyone else."""
    if not allowed or not request.path.startswith("/api/"):
        return
    response.vary.add("Origin")  # the answer differs by origin: caches must keep them apart
    origin = request.headers.get("Origin", "")
    if not origin or (origin not in allowed and "*" not in allowed):
        return
    if request.method == "OPTIONS":
        method = request.headers.get("Access-Control-Request-Method", "")
        if method not in READ_METHODS:
            return
        asked = request.headers.get("Access-Control-Request-Headers", "")
        wanted = {name.strip().lower() for name in asked.split(",") if name.strip()}
        if not wanted <= {name.lower() for name in ALLOWED_HEADERS}:
            return
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_SECONDS)
    elif request.method in READ_METHODS:
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    else:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
