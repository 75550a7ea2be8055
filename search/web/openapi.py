"""The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json.

It says exactly what the service accepts and answers: every bound below is the constant the
code checks (imported, not copied), every status a client can get is listed with its error
body, and `make fuzz-api` (Schemathesis) holds the service to it. What no JSON Schema can say
is in the descriptions: a query text the query language cannot search (a one-letter prefix,
only exclusions) is a 400 ``bad_query``; a write request holds at most `MAX_WRITE_CHARS`
characters of text (413 ``batch_too_large``).
"""

from __future__ import annotations

from ..documents import (
    ID_PATTERN,
    MAX_BODY_CHARS,
    MAX_ID_LENGTH,
    MAX_RELATED,
    MAX_RELATED_CHARS,
    MAX_SOURCE_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    RESERVED_ID_END,
    WHITESPACE_CHARS,
)
from ..query.complete import MAX_COMPLETE_CHARS, MAX_TITLES, MAX_WORDS
from ..query.parser import MAX_QUERY_LENGTH
from ..results.body import (
    MAX_DUPLICATES,
    MAX_PAGE_DOCUMENTS,
    MAX_SIMILAR,
    PAGE_DEFAULT,
    SIMILAR_DEFAULT,
)
from ..results.request import (
    FACET_LIMIT,
    FACETS,
    MAX_FACET_LIMIT,
    MAX_FILTER_VALUES,
    MAX_PER_PAGE,
    MAX_RESULTS_DEPTH,
    SORTS,
    STRICT_FORMS,
)
from ..settings import BY_NAME, VERSION
from .writes import MAX_BATCH, MAX_WRITE_CHARS

_ERROR = {"$ref": "#/components/schemas/Error"}
MAX_BODY_BYTES = BY_NAME["MAX_CONTENT_LENGTH"].default


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, **_json(_ERROR)}
    if headers:
        answer["headers"] = headers
    return answer


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING_OR_NULL = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

EXPLAIN_ROW = {
    "type": "object",
    "required": ["word", "field", "form", "term", "score", "counted"],
    "properties": {
        "word": {"type": "string", "description": "the word or phrase as typed"},
        "field": {"type": "string", "description": "where it matched: title, body, title+body"},
        "form": {
            "type": "string",
            "enum": [
                "exact",
                "stem",
                "snowball",
                "clitic",
                "variant",
                "fuzzy",
                "synonym",
                "root",
                "phrase",
                "spaced",
                "prefix",
                "field",
                "proximity",
            ],
        },
        "term": {"type": "string", "description": "the index term of this reading"},
        "score": {"type": "number", "description": "what it added (or would have)"},
        "counted": {"type": "boolean", "description": "false: a better reading counted"},
        "raw": {
            "type": "number",
            "description": "another word's reading kept below the word as typed: what it "
            "would have added",
        },
    },
}

SIMILAR_BODY = {
    "type": "object",
    "required": ["id", "results"],
    "properties": {
        "id": {"type": "string"},
        "results": {
            "type": "array",
            "maxItems": MAX_SIMILAR,
            "items": {
                "type": "object",
                "required": ["id", "title", "date", "source", "score"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "date": _nullable({"type": "string", "format": "date"}),
                    "source": STRING_OR_NULL,
                    "score": {"type": "number"},
                },
            },
        },
    },
}

DUPLICATE = {
    "type": "object",
    "required": ["id", "source", "date"],
    "properties": {
        "id": {"type": "string"},
        "source": STRING_OR_NULL,
        "date": _nullable({"type": "string", "format": "date"}),
    },
}

SUGGEST_BODY = {
    "type": "object",
    "required": ["query", "suggestions"],
    "properties": {
        "query": {"type": "string", "description": "the text as sent"},
        "suggestions": {
            "type": "array",
            "maxItems": MAX_WORDS + MAX_TITLES,
            "items": {
                "type": "object",
                "required": ["text", "kind", "count"],
                "properties": {
                    "text": {
                        "type": "string",
                        "description": "what to search: the text with its last word completed "
                        "as the articles write it (word), or an article's title (title)",
                    },
                    "kind": {"type": "string", "enum": ["word", "title"]},
                    "count": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "articles holding the completed word and the words "
                        "before it (word), or sharing this title (title)",
                    },
                    "id": {"type": "string", "description": "the article of a title"},
                },
            },
        },
    },
}

HIT = {
    "type": "object",
    "required": [
        "id",
        "title",
        "title_html",
        "snippet_html",
        "date",
        "source",
        "url",
        "tags",
        "duplicates",
    ],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_html": {"type": "string", "description": "escaped title, matched words in <mark>"},
        "snippet_html": {
            "type": "string",
            "description": "escaped fragments of the body's first 50,000 characters, joined by …",
        },
        "date": _nullable({"type": "string", "format": "date"}),
        "source": STRING_OR_NULL,
        "url": STRING_OR_NULL,
        "tags": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "number"},
        "duplicates": {
            "type": "array",
            "maxItems": MAX_DUPLICATES,
            "items": DUPLICATE,
            "description": "the other copies of this story (the same text published by "
            "other outlets), when collapse is on; empty with collapse=false",
        },
        "explain": {
            "type": "array",
            "items": EXPLAIN_ROW,
            "description": "with explain=true: what each reading of each query word added to "
            "the score; the rows that counted add up to it",
        },
    },
}

FACET_COUNTS = {
    "type": "object",
    "maxProperties": MAX_FACET_LIMIT + MAX_FILTER_VALUES,
    "additionalProperties": {"type": "integer", "minimum": 1},
}


def _values_param(name: str, description: str) -> dict:
    """A filter that may be repeated: ?source=A&source=B."""
    return {
        **_param(
            name,
            {"type": "array", "items": {"type": "string"}, "maxItems": MAX_FILTER_VALUES},
            description,
        ),
        "style": "form",
        "explode": True,
    }


SEARCH_BODY = {
    "type": "object",
    "required": ["query", "total", "page", "per_page", "took_ms", "results", "facets"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "took_ms": {"type": "number", "minimum": 0},
        "results": {"type": "array", "items": HIT, "maxItems": MAX_PER_PAGE},
        "facets": {
            "type": "object",
            "description": "each facet the request names (facets=), value -> count of the "
            "matching articles: the facet_limit most frequent values, most first (years "
            "newest first), and the values the request filters on",
            "additionalProperties": False,
            "properties": {name: FACET_COUNTS for name in FACETS},
        },
        "suggestion": STRING_OR_NULL,
        "notices": {"type": "array", "items": {"type": "string"}},
    },
}

STORED = {
    "type": "object",
    "required": ["id", "title", "body", "date", "source", "url", "tags", "related"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "date": _nullable({"type": "string", "format": "date"}),
        "source": STRING_OR_NULL,
        "url": STRING_OR_NULL,
        "tags": {"type": "array", "items": {"type": "string"}},
        "related": {"type": "array", "items": {"type": "string"}},
    },
}

ID_SCHEMA = {
    "type": "string",
    "format": "document-id",  # a name for the rules below (tests/fuzz/hooks.py draws them)
    "minLength": 1,
    "maxLength": MAX_ID_LENGTH,
    "pattern": ID_PATTERN,
    "not": {"pattern": RESERVED_ID_END},
}
ID_RULES = (
    "Path segments joined by '/': none empty, '.' or '..', none starting or ending with a "
    "space; no backslash, control, format (zero-width, bidi), private-use or line-separator "
    "characters. An id is stored exactly as sent, or refused with a 400 that says why."
)


def _text(limit: int, description: str = "") -> dict:
    schema = _nullable({"type": "string", "maxLength": limit})
    return {**schema, "description": description} if description else schema


def _strings(count: int, each: int) -> dict:
    return _nullable(
        {"type": "array", "maxItems": count, "items": {"type": "string", "maxLength": each}}
    )


DOCUMENT = {
    "type": "object",
    "required": ["body"],
    "description": "Other members are ignored. Over a length or count limit: 413 "
    "document_too_large. Text is stored with its ends' white space stripped.",
    "properties": {
        "id": {**ID_SCHEMA, "description": ID_RULES},
        "title": _text(MAX_TITLE_CHARS),
        "body": {
            "type": "string",
            "maxLength": MAX_BODY_CHARS,
            "pattern": f"[^{WHITESPACE_CHARS}]",
            "description": "the article's text; it must hold more than white space",
        },
        "date": _nullable(DATE),
        "source": _text(MAX_SOURCE_CHARS),
        "url": _text(MAX_URL_CHARS),
        "tags": _strings(MAX_TAGS, MAX_TAG_CHARS),
        "related": _strings(MAX_RELATED, MAX_RELATED_CHARS),
    },
}
PUT_DOCUMENT = {
    **DOCUMENT,
    "properties": {
        **DOCUMENT["properties"],
        "id": {**ID_SCHEMA, "description": "optional; when given, the id in the URL (else 400)"},
    },
}
BATCH_DOCUMENT = {**DOCUMENT, "required": ["id", "body"]}

WRITTEN = {
    "type": "object",
    "required": ["id", "result"],
    "properties": {
        "id": {"type": "string"},
        "result": {"type": "string", "enum": ["created", "replaced", "deleted"]},
        "documents": {"type": "integer", "minimum": 0},
    },
}
INDEXED = {
    "type": "object",
    "required": ["result", "created", "replaced", "documents"],
    "properties": {
        "result": {"const": "indexed"},
        "created": {"type": "integer", "minimum": 0},
        "replaced": {"type": "integer", "minimum": 0},
        "documents": {"type": "integer", "minimum": 0},
    },
}

RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "description": "seconds"}}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"required": True, "schema": {"type": "string"}},
}
# Answers any request can get from the server in front of the app (gunicorn, or nginx in
# front of it): the request line or its headers over the limits, gunicorn down or timed out.
SERVER_ERRORS = {
    "414": _error("The request line is longer than 8,190 bytes (uri_too_long)"),
    "431": _error("The request headers are too large (request_header_fields_too_large)"),
}
# Every route but /healthz, /metrics and the page's files, when ARABIC_SEARCH_RATE_LIMIT is set.
RATE_LIMITED = {
    "429": _error(
        "This client address is over ARABIC_SEARCH_RATE_LIMIT: retry after Retry-After "
        "seconds (rate_limited)",
        {"Retry-After": {"required": True, "schema": {"type": "string"}, "description": "seconds"}},
    )
}
INDEX_UNAVAILABLE = "No index, an unreadable one, one of another format, or the service is "
WRITE_ERRORS = {
    "400": _error(
        "Invalid UTF-8, JSON or document (the message, `field`, `document` and `line` name "
        "the fault), or an id that cannot be stored exactly (bad_document); a query "
        "parameter: writes take none (unknown_parameter)"
    ),
    "401": _error("No bearer token (unauthorized)", WWW_AUTHENTICATE),
    "403": _error("A wrong token, or writes are disabled: no admin token is configured"),
    "413": _error(
        f"The body is over {MAX_BODY_BYTES} bytes (request_entity_too_large), a document over "
        f"a limit (document_too_large), or over {MAX_WRITE_CHARS} characters of text in one "
        "request (batch_too_large)"
    ),
    "503": _error(
        INDEX_UNAVAILABLE + "stopping (index_unavailable, index_format, unavailable); or "
        "another writer holds the index: retry after Retry-After seconds (index_busy); or this "
        "server is a read replica, and `primary` says where writes go (read_only_replica). A "
        "write never creates an index.",
        RETRY_AFTER,
    ),
    "507": _error("The disk holding the index is full; nothing was written"),
    **RATE_LIMITED,
    **SERVER_ERRORS,
}
NUMBER_OR_NULL = {"type": ["number", "null"]}
# On a read replica only (search.store.follow.replica_status): its primary and its lag.
REPLICA_STATUS = {
    "type": "object",
    "description": "On a read replica: the primary it copies and how far behind it is. "
    "seconds_behind bounds staleness: every write the primary committed longer ago than that "
    "is served here.",
    "properties": {
        "primary": {"type": "string"},
        "writes_to": STRING_OR_NULL,
        "following": {"type": "boolean"},
        "generation": STRING_OR_NULL,
        "primary_generation": STRING_OR_NULL,
        "commits_behind": {"type": ["integer", "null"], "minimum": 0},
        "seconds_behind": NUMBER_OR_NULL,
        "last_contact_seconds": NUMBER_OR_NULL,
        "error": STRING_OR_NULL,
    },
}
ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": ID_SCHEMA,
    "description": ID_RULES,
}
SECURITY = [{"adminToken": []}]
# A document looked up by id (GET): any text, since ids of older indexes follow no pattern.
LOOKUP_ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
    "description": "any text; an id the index does not hold is a 404",
    "example": "002_687531a2e5c0bf49",
}


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "an ETag this endpoint gave: 304 with no body while it still holds",
}
ETAG = {"ETag": {"required": True, "schema": {"type": "string"}}}


def _not_modified(description: str) -> dict:
    return {"description": description, "headers": ETAG}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Arabic search API",
        "version": VERSION,
        "description": "Ranked Arabic full-text search with highlighted snippets. Every error "
        'is a JSON body {"error": {"code", "message", "docs"}} with the status listed here; '
        "`code` is stable, `docs` links to the README's table of codes. An /api/ endpoint "
        "refuses a query parameter it does not take (400 unknown_parameter).",
    },
    "servers": [{"url": "/", "description": "the server answering this document"}],
    "paths": {
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the articles",
                "description": "A query text the query language cannot search (no words, a "
                "one-letter prefix, only exclusions, over 10 prefixes or 10 fuzzy words) is a "
                "400 bad_query.",
                "parameters": [
                    _param(
                        "q",
                        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                        'Words, "phrases", -exclusions, OR/أو, title:, source:, tag:, root:, '
                        "prefix*",
                        required=True,
                    )
                    | {
                        "examples": {
                            "word": {"value": "بلينكن"},
                            "phrase": {"value": '"كوريا الجنوبية"'},
                        }
                    },
                    _param(
                        "page",
                        {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS_DEPTH},
                        f"1-based; page × per_page at most {MAX_RESULTS_DEPTH}",
                    ),
                    _param(
                        "per_page",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        "results per page (10 when absent)",
                    ),
                    _param(
                        "sort",
                        {"type": "string", "enum": list(SORTS)},
                        "relevance (when absent), date:desc newest first, date:asc oldest "
                        "first (undated articles last in both); date is date:desc",
                    ),
                    _param(
                        "from",
                        {"anyOf": [DATE, {"type": "string", "maxLength": 0}]},
                        "earliest date, YYYY-MM-DD; empty for none",
                    ),
                    _param(
                        "to",
                        {"anyOf": [DATE, {"type": "string", "maxLength": 0}]},
                        "latest date, YYYY-MM-DD; empty for none. A range that ends before "
                        "it starts matches nothing",
                    ),
                    _param(
                        "year",
                        {"type": "integer", "minimum": 1, "maximum": 9999},
                        "only this year (a shorthand for from/to)",
                    ),
                    _values_param(
                        "source",
                        "only these sources: repeated, any of them (source=A&source=B); "
                        "an empty value is none",
                    ),
                    _values_param("source_not", "leave these sources out (repeatable)"),
                    _values_param(
                        "tag", "only articles with one of these tags (repeatable: any of them)"
                    ),
                    _values_param("tag_not", "leave articles with any of these tags out"),
                    _param(
                        "facets",
                        {"type": "string", "pattern": f"^{STRICT_FORMS['facets'][0].pattern}$"},
                        f"the facets to count, comma-separated among {', '.join(FACETS)} (all "
                        "when absent, none when empty)",
                    ),
                    _param(
                        "facet_limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_FACET_LIMIT},
                        f"values counted of each facet, the most frequent ({FACET_LIMIT} when "
                        "absent)",
                    ),
                    _param(
                        "collapse",
                        {"type": "boolean"},
                        "true (when absent): copies of one story published by several "
                        "outlets are one result, listed in its duplicates, and total counts "
                        "stories; false: every copy is a result of its own",
                    ),
                    _param(
                        "explain",
                        {"type": "boolean"},
                        "true: each hit lists what each query word added to its score",
                    ),
                    IF_NONE_MATCH,
                ],
                "responses": {
                    "200": {
                        "description": "One page of ranked results; the ETag is weak, tied to "
                        "the index's generation and the query string",
                        "headers": ETAG,
                        **_json(SEARCH_BODY),
                    },
                    "304": _not_modified("The same search of an unchanged index"),
                    "400": _error(
                        "A parameter out of its bounds (bad_parameter), one this endpoint does "
                        "not take (unknown_parameter), a query the query language cannot search "
                        "(bad_query), or a request line that is not HTTP (bad_request)"
                    ),
                    "503": _error(INDEX_UNAVAILABLE + "stopping"),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            }
        },
        "/api/suggest": {
            "get": {
                "operationId": "suggest",
                "summary": "Suggestions as you type: completions of the last word, then titles",
                "description": "Words come folded as search folds them (اوس completes to "
                "أوستن), most articles first; titles once three letters are typed. Text with "
                "no word has no suggestions.",
                "parameters": [
                    _param(
                        "q",
                        {"type": "string", "maxLength": MAX_COMPLETE_CHARS},
                        "the text typed so far",
                        required=True,
                    ),
                ],
                "responses": {
                    "200": {"description": "Suggestions, best first", **_json(SUGGEST_BODY)},
                    "400": _error(
                        f"q missing or over {MAX_COMPLETE_CHARS} characters (bad_parameter), or "
                        "a parameter this endpoint does not take (unknown_parameter)"
                    ),
                    "503": _error(INDEX_UNAVAILABLE + "stopping"),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            }
        },
        "/api/documents/{id}/similar": {
            "get": {
                "operationId": "similarDocuments",
                "summary": "The articles closest to one article (never itself)",
                "parameters": [
                    LOOKUP_ID_PARAMETER,
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIMILAR},
                        "description": f"how many (default {SIMILAR_DEFAULT})",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The closest articles, best first",
                        **_json(SIMILAR_BODY),
                    },
                    "400": _error(
                        "limit out of its bounds (bad_parameter), or a parameter this endpoint "
                        "lacks (unknown_parameter)"
                    ),
                    "404": _error("No document with this id"),
                    "503": _error(INDEX_UNAVAILABLE + "stopping"),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            }
        },
        "/api/documents/{id}": {
            "get": {
                "operationId": "getDocument",
                "summary": "One stored document",
                "parameters": [LOOKUP_ID_PARAMETER, IF_NONE_MATCH],
                "responses": {
                    "200": {"description": "The document", "headers": ETAG, **_json(STORED)},
                    "304": _not_modified("The document is unchanged since that ETag"),
                    "400": _error(
                        "A query parameter: this endpoint takes none (unknown_parameter)"
                    ),
                    "404": _error("No document with this id"),
                    "503": _error(INDEX_UNAVAILABLE + "stopping"),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            },
            "put": {
                "operationId": "putDocument",
                "summary": "Create or replace one document (admin token)",
                "security": SECURITY,
                "parameters": [ID_PARAMETER],
                "requestBody": {"required": True, **_json(PUT_DOCUMENT)},
                "responses": {
                    "200": {"description": "Replaced", **_json(WRITTEN)},
                    "201": {
                        "description": "Created",
                        "headers": {
                            "Location": {
                                "required": True,
                                "schema": {"type": "string"},
                                "description": "the document's URL",
                            }
                        },
                        **_json(WRITTEN),
                    },
                    **WRITE_ERRORS,
                },
            },
            "delete": {
                "operationId": "deleteDocument",
                "summary": "Delete one document (admin token)",
                "security": SECURITY,
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "any text (ids of older indexes included); an id the "
                        "index does not hold is a 404",
                    }
                ],
                "responses": {
                    "200": {"description": "Deleted", **_json(WRITTEN)},
                    "404": _error("No document with this id"),
                    **WRITE_ERRORS,
                },
            },
        },
        "/api/documents": {
            "get": {
                "operationId": "listDocuments",
                "summary": "Every document, a page at a time (a dump)",
                "description": "In id order (UTF-8 bytes), which writes between pages neither "
                "repeat nor skip: a document added or removed meanwhile is in the pages still "
                "to come as its id says. Follow `next` until it is null.",
                "parameters": [
                    _param(
                        "after",
                        {
                            "type": "string",
                            "pattern": "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$",
                        },
                        "the `next` of the previous page (opaque); absent for the first page",
                    ),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_DOCUMENTS},
                        f"documents per page (default {PAGE_DEFAULT})",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "One page of stored documents",
                        **_json(
                            {
                                "type": "object",
                                "required": ["documents", "next"],
                                "properties": {
                                    "documents": {
                                        "type": "array",
                                        "items": STORED,
                                        "maxItems": MAX_PAGE_DOCUMENTS,
                                    },
                                    "next": STRING_OR_NULL,
                                },
                            }
                        ),
                    },
                    "400": _error(
                        "A cursor no page gave, limit out of its bounds, or a "
                        "parameter this endpoint lacks (bad_parameter)"
                    ),
                    "503": _error(INDEX_UNAVAILABLE + "stopping"),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            },
            "post": {
                "operationId": "postDocuments",
                "summary": "Create or replace many documents in one commit (admin token)",
                "description": "A JSON array of documents (or one document), or JSON Lines "
                "with Content-Type application/x-ndjson. Every document is validated before "
                "any is written; an id sent twice keeps its last version.",
                "security": SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "anyOf": [
                                    {
                                        "type": "array",
                                        "items": BATCH_DOCUMENT,
                                        "minItems": 1,
                                        "maxItems": MAX_BATCH,
                                    },
                                    BATCH_DOCUMENT,
                                ]
                            }
                        },
                        "application/x-ndjson": {"schema": BATCH_DOCUMENT},
                    },
                },
                "responses": {
                    "200": {"description": "Indexed", **_json(INDEXED)},
                    **WRITE_ERRORS,
                },
            },
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Liveness and document count",
                "responses": {
                    "200": {
                        "description": "The index is open",
                        **_json(
                            {
                                "type": "object",
                                "required": ["status", "documents"],
                                "properties": {
                                    "status": {"const": "ok"},
                                    "documents": {"type": "integer", "minimum": 0},
                                    "built_at": STRING_OR_NULL,
                                    "updated_at": STRING_OR_NULL,
                                    "index_age_seconds": {"type": ["integer", "null"]},
                                    "replica": REPLICA_STATUS,
                                },
                            }
                        ),
                    },
                    "503": {
                        "description": INDEX_UNAVAILABLE + "stopping; the error says why",
                        **_json(
                            {
                                "type": "object",
                                "required": ["status", "error"],
                                "properties": {
                                    "status": {"const": "unavailable"},
                                    "error": {"$ref": "#/components/schemas/ErrorDetail"},
                                    "replica": REPLICA_STATUS,
                                },
                            }
                        ),
                    },
                    **SERVER_ERRORS,
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics, summed over the server's workers",
                "responses": {
                    "200": {
                        "description": "Prometheus text format 0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **SERVER_ERRORS,
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {"description": "OpenAPI 3.1", **_json({"type": "object"})},
                    "400": _error(
                        "A query parameter: this endpoint takes none (unknown_parameter)"
                    ),
                    **RATE_LIMITED,
                    **SERVER_ERRORS,
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
            },
            "ErrorDetail": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z_]+$"},
                    "message": {"type": "string", "minLength": 1},
                    "field": {"type": "string", "description": "the field at fault"},
                    "line": {"type": "integer", "description": "the JSON Lines line"},
                    "document": {"type": "integer", "description": "1-based, in a list"},
                    "parameters": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "unknown_parameter: the query parameters not taken",
                    },
                    "docs": {
                        "type": "string",
                        "description": "where the codes are explained (the README's Errors)",
                    },
                    "primary": {
                        "type": "string",
                        "description": "read_only_replica: where writes go",
                    },
                },
            },
        },
    },
}
