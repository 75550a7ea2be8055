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
    with_roots,
)
from .live import live, synonyms
from .metrics import count_search

pages = Blueprint("pages", __name__)
FILTER_PARAMS = ("source", "source_not", "tag", "tag_not", "year", "from", "to")


@pages.get("/")
def search_page():
    text = request.args.get("q", "")
    body, error, status = None, None, 200
    if text.strip():
        try:
            search_request = SearchRequest.from_args(request.args)
            # the facets the page shows count what a reader could switch to
            body = search(live().get(), search_request, synonyms(), choosable=True)
            count_search(body["total"])
        except IndexMissing:
            raise
        except SearchError as failure:
            error, status = failure, failure.status
    last_page = 0
    if body:
        last_page = max(1, -(-body["total"] // body["per_page"]))
    return render_template(
        "search.html",
        q=text,
        body=body,
        error=error,
        args=request.args,
        last_page=last_page,
        filtered=any(request.args.get(name) for name in FILTER_PARAMS),
    ), status


@pages.get("/articles/<path:doc_id>")
def article_page(doc_id: str):
    reader = live().get()
    found = document(reader, doc_id)
    if found is None:
        raise NotFound(f"no article with id {doc_id!r}")
    text = request.args.get("q", "")
    marks = query_marks(reader, text, synonyms()) if text.strip() else Marks()
    title = found["title"]
    marks = with_roots(marks, title, found["body"][:MAX_BODY_CHARS])
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
