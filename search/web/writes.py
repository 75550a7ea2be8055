"""The write API: add, replace and delete documents over HTTP, behind an admin token.

Writes are off unless ``ARABIC_SEARCH_ADMIN_TOKEN`` is set, and always refused by a read
replica (a 503 naming its primary, whatever the token). A request body is decoded and
validated in full before the index is touched, and each request is one Whoosh commit under
the folder's writer lock, so a write lands completely or not at all. The lock is waited on
for ``WRITE_WAIT_SECONDS``; a writer still busy after that is a 503 with Retry-After. Searches
see a write on their next request: the live searcher reopens when the index changes.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_to_bytes

from flask import Blueprint, current_app, jsonify, request, url_for
from werkzeug.exceptions import MethodNotAllowed

from ..documents import Article, FieldError, TooLarge, article_from_mapping, check_id
from ..errors import (
    BadDocument,
    BatchTooLarge,
    DocumentTooLarge,
    Forbidden,
    InsufficientStorage,
    NotFound,
    Unauthorized,
    WritesDisabled,
)
from ..settings import BY_NAME
from ..store import delete_documents, index_articles, refuse_writes_on_replica

writes = Blueprint("writes", __name__)

MAX_BATCH = 10_000  # documents in one POST; the body size limit applies as well
# Characters of text (titles, bodies, tags, teasers) one write request may index, so a write
# holds its worker about 2 s at most: a commit of 1,000,000 characters took 3.5 s for news
# articles and 7.8 s for made-up words on the 20k-article index (bench/probes.py), and 3.3
# million held a worker past its 30 s timeout. Bulk loads go through `arabic-search index`.
MAX_WRITE_CHARS = 250_000
JSON_LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonl+json",
    }
)


@writes.before_request
def require_admin() -> None:
    """Writes need ``Authorization: Bearer <token>``; the token is compared in constant time.
    A replica says so first: no token makes a write land there."""
    refuse_writes_on_replica(Path(_folder()))
    token = current_app.config.get("ADMIN_TOKEN") or ""
    if not token:
        raise WritesDisabled("writes are disabled: set ARABIC_SEARCH_ADMIN_TOKEN to enable them")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("this write needs the header 'Authorization: Bearer <admin token>'")
    if not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise Forbidden("the admin token is not valid")


@writes.put("/api/documents/<path:doc_id>")
def put_document(doc_id: str):
    """Create or replace one document; 201 when it is new, 200 when it replaced one."""
    doc_id = _url_id(doc_id)
    try:
        check_id(doc_id)
    except FieldError as error:
        raise BadDocument(f"the id in the URL cannot be stored: {error}", field="id") from None
    value = _decode_json(_body_text())
    if not isinstance(value, dict):
        raise BadDocument("the body must be one JSON object (a document)")
    if "id" in value:
        _article(value)  # a body id that is no string is named as such first
        if value["id"] != doc_id:
            raise BadDocument(
                f"field 'id' ({value['id']!r}) differs from the id in the URL ({doc_id!r})",
                field="id",
            )
    article = _article({**value, "id": doc_id}, position=None)
    with _disk_full():
        report = index_articles(
            _folder(), [article], strict=True, lock_timeout=_wait(), create=False
        )
    created = report.indexed == 1
    body = {"id": doc_id, "result": "created" if created else "replaced"}
    body["documents"] = report.documents
    response = jsonify(body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for("api.api_document", doc_id=doc_id)
    return response


@writes.post("/api/documents")
def post_documents():
    """Create or replace many documents: a JSON array, or JSON Lines with its content type."""
    text = _body_text()
    if request.mimetype in JSON_LINES_TYPES:
        articles = list(_from_json_lines(text))
    else:
        value = _decode_json(text)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise BadDocument("the body must be a JSON array of documents, or JSON Lines")
        _check_batch(len(value))
        articles = [_article(item, position=number) for number, item in enumerate(value, 1)]
    if not articles:
        raise BadDocument("the body holds no documents")
    _check_batch(len(articles))
    _check_text(articles)
    # An id sent twice keeps its last version, as in a JSON Lines file: no JSON Schema can
    # say "unique by id", so the API does not refuse it.
    with _disk_full():
        report = index_articles(
            _folder(), articles, strict=True, lock_timeout=_wait(), create=False
        )
    return {
        "result": "indexed",
        "created": report.indexed,
        "replaced": report.replaced,
        "documents": report.documents,
    }


@writes.delete("/api/documents/<path:doc_id>")
def delete_document(doc_id: str):
    """Remove one document; 404 when the index does not hold it."""
    doc_id = _url_id(doc_id)
    with _disk_full():
        removed = delete_documents(_folder(), [doc_id], lock_timeout=_wait())
    if not removed:
        raise NotFound(f"no document with id {doc_id!r}")
    return {"id": doc_id, "result": "deleted"}


# --- Decoding and validation ---------------------------------------------------------------


def _body_text() -> str:
    """The request body as text; the size limit (413) is enforced while reading it."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise BadDocument("the request body is empty")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise BadDocument(f"the body is not valid UTF-8 (byte {error.start})") from None


def _decode_json(text: str, line: int | None = None) -> object:
    where = f"line {line}: " if line else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadDocument(
            f"{where}invalid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            line=line,
        ) from None
    except RecursionError:
        raise BadDocument(f"{where}invalid JSON: nested too deeply", line=line) from None
    except ValueError as error:  # an integer of more digits than Python converts (4,300)
        raise BadDocument(f"{where}invalid JSON: {error}", line=line) from None


def _url_id(doc_id: str) -> str:
    """The id as the URL spelled it; 400 when its bytes are not UTF-8 (werkzeug would turn
    them into U+FFFD, and two different ids into one). .../similar is the read-only list of
    an article's similar articles: 405 for a write there."""
    if doc_id.endswith("/similar"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    path = request.environ.get("PATH_INFO", "")
    uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    try:
        path.encode("latin-1").decode("utf-8")  # the server's decoding of the URL's bytes
        unquote_to_bytes(uri.partition("?")[0]).decode("utf-8")  # the URL as sent
    except UnicodeError:
        raise BadDocument(
            "the id in the URL is not valid UTF-8; percent-encode the UTF-8 bytes of the id",
            field="id",
        ) from None
    return doc_id


@contextlib.contextmanager
def _disk_full() -> Iterator[None]:
    """A full disk is a 507 that says so; the write was not committed."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise InsufficientStorage(
            "the disk holding the index is full; nothing was written. Free space and retry"
        ) from None


def _from_json_lines(text: str) -> Iterator[Article]:
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            count += 1
            _check_batch(count)
            yield _article(_decode_json(line, line=number), line=number)


def _article(value: object, position: int | None = None, line: int | None = None) -> Article:
    """Validate one document; errors name the field and where the document was."""
    where = f"line {line}: " if line else f"document {position}: " if position else ""
    try:
        return article_from_mapping(value, strict=True)
    except TooLarge as error:
        raise DocumentTooLarge(
            f"{where}{error}", field=error.field, document=position, line=line
        ) from None
    except FieldError as error:
        raise BadDocument(
            f"{where}{error}", field=error.field, document=position, line=line
        ) from None
    except ValueError as error:
        raise BadDocument(f"{where}{error}", document=position, line=line) from None


def _check_text(articles: list[Article]) -> None:
    total = sum(
        len(a.title) + len(a.body) + sum(map(len, a.tags)) + sum(map(len, a.related))
        for a in articles
    )
    if total > MAX_WRITE_CHARS:
        raise BatchTooLarge(
            f"this request holds {total} characters of text; at most {MAX_WRITE_CHARS} "
            "per request: split the batch"
        )


def _check_batch(count: int) -> None:
    if count > MAX_BATCH:
        raise BadDocument(f"at most {MAX_BATCH} documents per request; split the batch")


def _folder() -> str:
    return current_app.config["INDEX_DIR"]


def _wait() -> float:
    return float(
        current_app.config.get("WRITE_WAIT_SECONDS", BY_NAME["WRITE_WAIT_SECONDS"].default)
    )
