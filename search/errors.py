"""Errors a user or operator can cause, each with the HTTP status and code it maps to."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

NONE: Mapping = MappingProxyType({})


class SearchError(Exception):
    """Base class: a message meant for the person who caused it.

    ``details`` are extra members of the JSON error object (the field or line at fault);
    ``headers`` go on the response (Retry-After, WWW-Authenticate).
    """

    status = 500
    code = "internal_error"
    details: Mapping[str, object] = NONE
    headers: Mapping[str, str] = NONE


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


class IndexUnreadable(IndexMissing):
    """The index folder exists but cannot be read (permissions, a file where a folder should
    be, an I/O error); the message says which."""


class IndexFormatMismatch(IndexMissing):
    """The index was built by a version that wrote another format; it must be rebuilt."""

    code = "index_format"


class ReadOnlyReplica(SearchError):
    """A write sent to a read replica: it copies the primary's index and takes no writes of
    its own; the message and ``primary`` say where writes go."""

    status = 503
    code = "read_only_replica"

    def __init__(self, message: str, primary: str | None = None):
        super().__init__(message)
        self.details = {"primary": primary} if primary else {}


class NothingToIndex(SearchError):
    """An indexing run whose input held no article to index; nothing was changed."""

    status = 400
    code = "nothing_to_index"


class IndexBusy(SearchError):
    """Another writer holds the index lock for longer than we are willing to wait."""

    status = 503
    code = "index_busy"
    retry_after = 5  # seconds a client should wait before trying the write again

    headers = MappingProxyType({"Retry-After": str(retry_after)})


class BadDocument(SearchError):
    """A document sent to the write API cannot be indexed; names the field and position."""

    status = 400
    code = "bad_document"

    def __init__(self, message: str, **details: object):
        super().__init__(message)
        self.details = {key: value for key, value in details.items() if value is not None}


class DocumentTooLarge(BadDocument):
    """A document over a size limit (its body, title, or number of tags); names the field."""

    status = 413
    code = "document_too_large"


class BatchTooLarge(BadDocument):
    """One write request holding more text than one commit may index (split the batch)."""

    status = 413
    code = "batch_too_large"


class InsufficientStorage(SearchError):
    """The disk holding the index is full: the write was not made, the index is unchanged."""

    status = 507
    code = "insufficient_storage"


class Unauthorized(SearchError):
    """A write without credentials."""

    status = 401
    code = "unauthorized"
    headers = MappingProxyType({"WWW-Authenticate": 'Bearer realm="arabic-search"'})


class Forbidden(SearchError):
    """A write with the wrong token, or with writes switched off."""

    status = 403
    code = "forbidden"


class WritesDisabled(Forbidden):
    """The write API is switched off: no admin token is configured."""

    code = "writes_disabled"


class RateLimited(SearchError):
    """A client over one of ``ARABIC_SEARCH_RATE_LIMIT``'s limits; Retry-After says when the
    window ends."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class UnknownParameter(SearchError):
    """Query parameters an /api/ endpoint does not take: refused, as Elasticsearch and
    Meilisearch do, so a misspelt ``per_pgae`` is not silently ignored."""

    status = 400
    code = "unknown_parameter"

    def __init__(self, unknown: list[str], known: list[str]):
        takes = ", ".join(known) if known else "no query parameters"
        names = ", ".join(unknown)
        word = "parameter" if len(unknown) == 1 else "parameters"
        super().__init__(f"unknown query {word} {names}; this endpoint takes {takes}")
        self.details = {"parameters": unknown}
