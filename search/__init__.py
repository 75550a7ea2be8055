"""Arabic full-text search: Arabic-aware indexing, ranked search with highlighted snippets.

The layers, lowest first (imports point down only; tests/test_layers.py checks it):

    errors, settings   what can go wrong, and every setting
    documents          files -> Article values (no Whoosh, no analysis)
    analysis           the Arabic chain: tokenizer, normalisation, stop words, stemmers
    store              everything that knows Whoosh's files: schema, generations, codec,
                       bulk builds, readers and writers
    query              query language -> compiled query -> BM25F ranking
    results            what a reader sees: highlighted hits, facets, suggestions
    library            the Python API below
    web, cli, evaluate the HTTP service, the command line, relevance evaluation

As a library::

    import search
    search.index_articles("index", search.read_paths(["seeds"]))
    with search.open_index("index") as index:
        body = index.search("كوريا الشمالية", per_page=5)   # the body of GET /api/search
"""

from .documents import Article, Rejected, read_paths
from .errors import SearchError
from .library import Index, index_articles, open_index
from .settings import VERSION as __version__

__all__ = [
    "Article",
    "Index",
    "Rejected",
    "SearchError",
    "__version__",
    "index_articles",
    "open_index",
    "read_paths",
]
