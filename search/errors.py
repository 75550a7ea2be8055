"""Errors a user or operator can cause, each with the HTTP status and code it maps to."""

from __future__ import annotations


class SearchError(Exception):
    """Base class: a message meant for the person who caused it."""

    status = 500
    code = "internal_error"


class BadQuery(SearchError):
    """The query text or a search parameter cannot be understood."""

    status = 400
    code = "bad_query"


class BadParameter(SearchError):
    """A request parameter is missing, malformed or out of range."""

    status = 400
    code = "bad_parameter"

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class NotFound(SearchError):
    """A document id that the index does not hold."""

    status = 404
    code = "not_found"


class IndexMissing(SearchError):
    """No index has been built in the configured folder yet."""

    status = 503
    code = "index_unavailable"


class IndexBusy(SearchError):
    """Another writer holds the index lock for longer than we are willing to wait."""

    status = 503
    code = "index_busy"
