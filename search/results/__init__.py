"""What a reader sees: search parameters validated, hits with highlighted titles and
snippets, facets and suggestions, as the plain dicts both the JSON API and the page render.

    request     SearchRequest: the parameters a client sends, checked
    highlight   <mark> on the words as the article wrote them; snippets cut at clause marks
    body        the response bodies of a search, a document and suggestions as you type

Ranking (`search.query`) never imports this layer.
"""

from .body import (
    MAX_PAGE_DOCUMENTS,
    MAX_SIMILAR,
    PAGE_DEFAULT,
    document,
    document_page,
    query_marks,
    search,
    similar_articles,
    suggestions,
    with_roots,
)
from .highlight import highlight_text, snippet
from .request import SearchRequest

__all__ = [
    "MAX_PAGE_DOCUMENTS",
    "MAX_SIMILAR",
    "PAGE_DEFAULT",
    "SearchRequest",
    "document",
    "document_page",
    "highlight_text",
    "query_marks",
    "search",
    "similar_articles",
    "snippet",
    "suggestions",
    "with_roots",
]
