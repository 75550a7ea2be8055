"""The HTTP service: the JSON API, the search and article pages, the write API.

    app        the factory (`create_app`), request ids, headers, access log, JSON errors
    live       one reader per worker, reopened when the index changes
    api        search, documents, health, OpenAPI
    pages      the search page and the article page (templates/, static/)
    filters    the pages' Jinja helpers
    writes     PUT, POST and DELETE of documents, behind the admin token
    openapi    the OpenAPI 3.1 description
    logs       JSON log lines
    metrics    GET /metrics: Prometheus counts summed over the workers, gauges read at scrape
    runtime    the folder a server's workers share (metrics files, rate-limit counts)
    ratelimit  ARABIC_SEARCH_RATE_LIMIT, counted in that folder so every worker sees one count
    clients    the client's address, through trusted proxies' X-Forwarded-For
    cors       ARABIC_SEARCH_CORS_ORIGINS for the read API
    caching    Cache-Control per route, ETags and 304s, static files' hashed links
    parameters the query parameters each /api/ endpoint takes (any other: 400)
    serving    gunicorn's settings for the deployed server

gunicorn runs ``gunicorn -c python:search.web.serving 'search.web:create_app()'``.
"""

from .app import create_app

__all__ = ["create_app"]
