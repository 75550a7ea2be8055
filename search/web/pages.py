"""The server-rendered pages: the search page and the article page (right to left)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import NotFound

from ..documents import MAX_BODY_CHARS, MAX_TITLE_CHARS
from ..errors import IndexMissing, SearchError
from ..query import Marks
from ..results import (
    SearchRequest,
    document,
    highlight_text,
    query_marks,
    search,
    similar_articles,
)
from .live import live
from .metrics import count_search

pages = Blueprint("pages", __name__)


def _facets_without(reader, args, name: str) -> dict[str, int]:
    """Facet counts for ``name`` with its own filter lifted, so other values stay choosable."""
    others = {key: value for key, value in args.items() if key not in (name, "page")}
    others["per_page"] = "1"
    return search(reader, SearchRequest.from_args(others))["facets"][name]


@pages.get("/")
def search_page():
    text = request.args.get("q", "")
    body, error, status = None, None, 200
    if text.strip():
        try:
            search_request = SearchRequest.from_args(request.args)
            reader = live().get()
            body = search(reader, search_request)
            count_search(body["total"])
            for name in ("source", "year"):
                if request.args.get(name):
                    body["facets"][name] = _facets_without(reader, request.args, name)
        except IndexMissing:
            raise
        except SearchError as failure:
            error, status = failure, failure.status
    last_page = 0
    if body:
        last_page = max(1, -(-body["total"] // body["per_page"]))
    return render_template(
        "search.html", q=text, body=body, error=error, args=request.args, last_page=last_page
    ), status


@pages.get("/articles/<path:doc_id>")
def article_page(doc_id: str):
    reader = live().get()
    found = document(reader, doc_id)
    if found is None:
        raise NotFound(f"no article with id {doc_id!r}")
    text = request.args.get("q", "")
    marks = query_marks(reader, text) if text.strip() else Marks()
    title = found["title"]
    title_html = highlight_text(
        title, marks if len(title) <= MAX_TITLE_CHARS else Marks(), reader.stemmer
    )
    paragraphs, analysed = [], 0
    for line in found["body"].split("\n"):
        if line.strip():
            # Words are marked within the first MAX_BODY_CHARS only: an index built before
            # that limit may hold longer bodies, and marking is the costly part.
            within = analysed < MAX_BODY_CHARS
            paragraphs.append(highlight_text(line, marks if within else Marks(), reader.stemmer))
            analysed += len(line)
    related = similar_articles(reader, doc_id)["results"]
    return render_template(
        "article.html",
        doc=found,
        q=text,
        title_html=title_html,
        paragraphs=paragraphs,
        similar=related,
    )
