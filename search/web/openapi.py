"""The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json."""

from __future__ import annotations

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return {"description": description, **_json(_ERROR)}


def _param(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


HIT = {
    "type": "object",
    "required": ["id", "title", "title_html", "snippet_html", "score"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "title_html": {"type": "string", "description": "escaped title, matched words in <mark>"},
        "snippet_html": {"type": "string", "description": "escaped fragments joined with …"},
        "date": {"type": ["string", "null"], "format": "date"},
        "source": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "number"},
    },
}

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

DOCUMENT = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "id": {"type": "string", "maxLength": 200, "description": "in PUT, the URL's id"},
        "title": {"type": "string"},
        "body": {"type": "string", "minLength": 1},
        "date": {"type": "string", "format": "date"},
        "source": {"type": "string"},
        "url": {"type": "string"},
        "tags": {"type": ["array", "string"], "items": {"type": "string"}},
        "related": {"type": ["array", "string"], "items": {"type": "string"}},
    },
}

WRITTEN = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "result": {"type": "string", "enum": ["created", "replaced", "deleted"]},
        "documents": {"type": "integer"},
    },
}

WRITE_ERRORS = {
    "400": _error("Invalid UTF-8, JSON or document; the message and `field` name the fault"),
    "401": _error("No bearer token"),
    "403": _error("Wrong token, or writes are disabled (no admin token configured)"),
    "413": _error("The body is larger than the limit"),
    "503": _error("Another writer holds the index; retry after the Retry-After seconds"),
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Arabic search API",
        "version": "0.1.0",
        "description": "Ranked Arabic full-text search with highlighted snippets.",
    },
    "paths": {
        "/api/search": {
            "get": {
                "summary": "Search the articles",
                "parameters": [
                    _param(
                        "q",
                        {"type": "string", "maxLength": 1000},
                        'Words, "phrases", -exclusions, OR/أو, title:, source:, tag:, prefix*',
                        required=True,
                    ),
                    _param("page", {"type": "integer", "minimum": 1, "default": 1}, "1-based"),
                    _param(
                        "per_page",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                        "results per page",
                    ),
                    _param(
                        "sort",
                        {"type": "string", "enum": ["relevance", "date"]},
                        "relevance (default) or newest first",
                    ),
                    _param("from", {"type": "string", "format": "date"}, "earliest date"),
                    _param("to", {"type": "string", "format": "date"}, "latest date"),
                    _param(
                        "year",
                        {"type": "integer", "minimum": 1, "maximum": 9999},
                        "only this year (a shorthand for from/to)",
                    ),
                    _param("source", {"type": "string"}, "only this source (exact name)"),
                ],
                "responses": {
                    "200": {
                        "description": "One page of ranked results",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "query": {"type": "string"},
                                    "total": {"type": "integer"},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "took_ms": {"type": "number"},
                                    "results": {"type": "array", "items": HIT},
                                    "facets": {
                                        "type": "object",
                                        "properties": {
                                            "source": {"type": "object"},
                                            "year": {"type": "object"},
                                        },
                                    },
                                    "suggestion": {"type": ["string", "null"]},
                                },
                            }
                        ),
                    },
                    "400": _error("The query or a parameter cannot be understood"),
                    "503": _error("No index is available"),
                },
            }
        },
        "/api/documents/{id}": {
            "get": {
                "summary": "One stored document",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "The document", **_json({"type": "object"})},
                    "404": _error("No document with this id"),
                },
            },
            "put": {
                "summary": "Create or replace one document (admin token)",
                "security": [{"adminToken": []}],
                "parameters": [_ID],
                "requestBody": {"required": True, **_json(DOCUMENT)},
                "responses": {
                    "200": {"description": "Replaced", **_json(WRITTEN)},
                    "201": {"description": "Created", **_json(WRITTEN)},
                    **WRITE_ERRORS,
                },
            },
            "delete": {
                "summary": "Delete one document (admin token)",
                "security": [{"adminToken": []}],
                "parameters": [_ID],
                "responses": {
                    "200": {"description": "Deleted", **_json(WRITTEN)},
                    "404": _error("No document with this id"),
                    **WRITE_ERRORS,
                },
            },
        },
        "/api/documents": {
            "post": {
                "summary": "Create or replace many documents in one commit (admin token)",
                "description": "A JSON array of documents, or JSON Lines with Content-Type "
                "application/x-ndjson. Every document is validated before any is written.",
                "security": [{"adminToken": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "array", "items": DOCUMENT}},
                        "application/x-ndjson": {"schema": DOCUMENT},
                    },
                },
                "responses": {
                    "200": {"description": "Indexed", **_json({"type": "object"})},
                    **WRITE_ERRORS,
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness and document count",
                "responses": {
                    "200": {"description": "The index is open", **_json({"type": "object"})},
                    "503": _error("The index cannot be opened"),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", **_json({"type": "object"})}},
            }
        },
    },
    "components": {
        "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "field": {"type": "string", "description": "the field at fault"},
                            "line": {"type": "integer", "description": "the JSON Lines line"},
                            "document": {"type": "integer", "description": "1-based, in a list"},
                        },
                    }
                },
            }
        },
    },
}
