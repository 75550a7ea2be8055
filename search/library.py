"""The package as a library: open an index, search it as the API does, index articles.

    >>> import search
    >>> report = search.index_articles(folder, search.read_paths(["seeds"]))  # doctest: +SKIP
    >>> with search.open_index(folder) as index:                              # doctest: +SKIP
    ...     body = index.search("بيونج يانج", per_page=3)

Every call goes through the same code as the HTTP API and the CLI: `Index.search` returns
exactly the body of ``GET /api/search``, `Index.document` that of ``GET /api/documents/<id>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from .documents import Article, Rejected
from .query.synonyms import NO_SYNONYMS, SynonymError, Synonyms, load_synonyms
from .results import SearchRequest, document, search, suggestions
from .store import DEFAULT_PROCS, IndexReport, Reader, open_reader
from .store import index_articles as _index_articles


class Index:
    """An open, read-only index. It reads one generation: reopen it to see later writes."""

    def __init__(self, folder: str | Path = "index", synonyms: str | Path | None = None):
        self.folder = Path(folder)
        self.synonyms = load_synonyms(synonyms) if synonyms else NO_SYNONYMS
        self._reader: Reader = open_reader(self.folder)

    @property
    def documents(self) -> int:
        """How many documents the index holds."""
        return self._reader.documents

    def search(
        self,
        q: str,
        *,
        page: int = 1,
        per_page: int = 10,
        sort: str = "relevance",
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        source: str | Sequence[str] | None = None,
        source_not: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        tag_not: str | Sequence[str] | None = None,
        facets: Sequence[str] | None = None,
        facet_limit: int | None = None,
        collapse: bool = True,
        explain: bool = False,
    ) -> dict:
        """Ranked, highlighted results: the body of ``GET /api/search`` for these parameters.

        ``source`` and ``tag`` take one value or several (any of them), ``source_not`` and
        ``tag_not`` exclude; ``facets`` names the facets to count (all when None);
        ``collapse=False`` lists every copy of a story republished by several outlets.
        Parameters are checked as the API checks them (`BadParameter`, `BadQuery`).
        """
        args = {
            "q": q,
            "page": page,
            "per_page": per_page,
            "sort": sort,
            "from": _iso(date_from),
            "to": _iso(date_to),
            "source": source,
            "source_not": source_not,
            "tag": tag,
            "tag_not": tag_not,
            "facets": None if facets is None else ",".join(facets),
            "facet_limit": facet_limit,
            "collapse": "true" if collapse else "false",
            "explain": explain,
        }
        return search(self._reader, SearchRequest.from_args(args), self.synonyms)

    def suggest(self, text: str) -> dict:
        """Completions of a query being typed: the body of ``GET /api/suggest``."""
        return suggestions(self._reader, text)

    def document(self, doc_id: str) -> dict | None:
        """The stored document with this id, or None."""
        return document(self._reader, doc_id)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_index(folder: str | Path = "index", synonyms: str | Path | None = None) -> Index:
    """Open the index in ``folder`` for searching (`IndexMissing` when none was built,
    `IndexFormatMismatch` when an older version built it), with the synonyms of the file
    ``synonyms`` when given (`SynonymError` names a bad line)."""
    return Index(folder, synonyms)


def index_articles(
    folder: str | Path,
    articles: Iterable[Article | Rejected],
    *,
    rebuild: bool = False,
    strict: bool = False,
    procs: int = DEFAULT_PROCS,
) -> IndexReport:
    """Add or replace articles by id (``rebuild``: a fresh index, swapped in at the end).

    ``articles`` are `Article` values, or what `read_paths` reads from files; rejected inputs
    are skipped and counted, or stop the run with nothing changed under ``strict``.
    """
    return _index_articles(folder, articles, rebuild=rebuild, strict=strict, procs=procs)


__all__ = [
    "Index",
    "SynonymError",
    "Synonyms",
    "index_articles",
    "load_synonyms",
    "open_index",
]


def _iso(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value
