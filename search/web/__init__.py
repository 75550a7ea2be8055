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
    serving    gunicorn's settings for the deployed server

gunicorn runs ``gunicorn -c python:search.web.serving 'search.web:create_app()'``.
"""

from .app import create_app

__all__ = ["create_app"]
