"""The response bodies readers and clients see: one dict feeds `/api/search` and the page.

A search is ranked (`search.query.rank`), then only the shown documents' stored fields are
read, their titles and snippets highlighted, facets counted over every match, and a "did you
mean" offered when little is found.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..analysis import TOKEN_RE, normalize
from ..analysis.roots import token_roots
from ..errors import BadParameter, BadQuery
from ..query import Compiler, Marks, explain, parse, rank, suggest
from ..query.complete import MAX_COMPLETE_CHARS, complete
from ..query.engine import engine_for
from ..query.ranking import Ranking
from ..query.similar import similar
from ..query.stories import Stories, stories_of
from ..query.synonyms import NO_SYNONYMS, Synonyms
from ..store import Reader, day_text
from ..store.bulk_text import gather
from .highlight import SNIPPET_PAGE_CHARS, SNIPPET_SOURCE_CHARS, highlight_text, snippet
from .located import Located, locate
from .request import SURROGATE_RE, SearchRequest

SIMILAR_DEFAULT = 5  # related articles shown on an article page
MAX_DUPLICATES = 20  # copies of a story listed on its hit
MAX_SIMILAR = 20
# Documents in one page of GET /api/documents: at the 100,000-character body limit a page is
# about 40 MB of JSON at most; news articles of about 3,000 characters make it about 1 MB.
MAX_PAGE_DOCUMENTS = 200
# A facet counts the pairs of at most 1/FEW_DOCUMENTS of the documents by binary search
FEW_DOCUMENTS = 8
PAGE_DEFAULT = 100


def search(
    reader: Reader,
    request: SearchRequest,
    synonyms: Synonyms = NO_SYNONYMS,
    *,
    choosable: bool = False,
) -> dict:
    """Run one search; return the API's response body (everything a page needs).

    With ``choosable`` (the page), a facet whose own filter is set counts the matches of
    the other filters only, so the reader can switch to another value without clearing.
    """
    started = time.perf_counter()
    first = (request.page - 1) * request.per_page
    ranking = rank(
        reader,
        request.q,
        limit=request.per_page,
        offset=first,
        query_filter=request.filter(),
        date_order=request.sort.partition(":")[2] or None,
        collapse=request.collapse,
        synonyms=synonyms,
    )
    compiled, matches, ranked = ranking.compiled, ranking.matches, ranking.documents
    total = ranking.total
    marks = compiled.marks()
    source = min(SNIPPET_SOURCE_CHARS, SNIPPET_PAGE_CHARS // max(len(ranked), 1))
    numbers = ranked.tolist()
    stored = {number: reader.stored(number) for number in numbers}
    titles = locate(reader, marks, stored, "title")
    bodies = locate(reader, marks, stored, "body")
    hits = [_hit(stored[n], matches.score(n), titles[n], bodies[n], source) for n in numbers]
    copies = stories_of(reader) if request.collapse else None
    for hit, number in zip(hits, numbers, strict=True):
        hit["duplicates"] = _duplicates(reader, copies, number) if copies else []
    if request.explain:
        for hit, number in zip(hits, ranked.tolist(), strict=True):
            hit["explain"] = explain(reader, compiled, number)
    body = {
        "query": request.q,
        "total": total,
        "page": request.page,
        "per_page": request.per_page,
        "took_ms": 0.0,
        "results": hits,
        "facets": facets(reader, request, ranking, choosable=choosable),
        "suggestion": None,
        "notices": ranking.notices,
    }
    # every query: a word the index does not know is respelled however much the others found
    body["suggestion"] = suggest(reader, request.q)
    body["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return body


def facets(
    reader: Reader, request: SearchRequest, ranking: Ranking, *, choosable: bool = False
) -> dict[str, dict[str, int]]:
    """Counts of the matches by each facet the request names: the ``facet_limit`` most
    frequent values (most first; years then newest first), and any value the request
    filters on. ``choosable``: see `search`."""
    found = {}
    matching = ranking.matches.matching()
    for name in request.facets:
        among: np.ndarray = matching
        if choosable and _filters_on(request, name):
            lifted = request.filter(without=name)
            mask = ranking.unfiltered
            if lifted is not None:
                mask = mask & engine_for(reader).mask(lifted)
            among = mask
        chosen = {"source": request.sources, "tag": request.tags}.get(name, ())
        counts = _facet(reader, name, among, request.facet_limit, chosen)
        if name == "year":
            counts = dict(sorted(counts.items(), reverse=True))
        found[name] = counts
    return found


def _filters_on(request: SearchRequest, name: str) -> bool:
    if name == "year":
        return request.year is not None
    if name == "source":
        return bool(request.sources or request.sources_not)
    return bool(request.tags or request.tags_not)


def _facet(
    reader: Reader, field: str, among: np.ndarray, limit: int, chosen: tuple[str, ...]
) -> dict[str, int]:
    """The most frequent values of one field among some documents (their numbers, ascending,
    or a mask over the index): counted with one bincount over their (document, value)
    pairs, never document by document. A few documents' pairs are found by binary search
    (the pairs are in document order), many by a mask over every pair."""
    docs, codes, values = reader.values(field)
    if not values or values == [""]:  # no document has a value: nothing to count
        return {}
    if among.dtype == bool:
        picked = codes[among[docs]]
    elif reader.one_value_each(field):  # a column: the pairs are the documents, in order
        picked = codes[among]
    elif among.size * FEW_DOCUMENTS <= docs.size:
        first = np.searchsorted(docs, among)
        picked = codes[gather(first, np.searchsorted(docs, among, side="right") - first)]
    else:
        mask = np.zeros(reader.size, dtype=bool)
        mask[among] = True
        picked = codes[mask[docs]]
    counts = np.bincount(picked, minlength=len(values))
    if values and values[0] == "":
        counts[0] = 0  # an unset value is no facet value
    ranked = np.lexsort((np.arange(counts.size), -counts))
    keep = [i for i in ranked[:limit].tolist() if counts[i]]
    if chosen:
        kept = set(keep)
        keep += [
            i for i, value in enumerate(values) if value in chosen and counts[i] and i not in kept
        ]
    found = {values[i]: int(counts[i]) for i in keep}
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _duplicates(reader: Reader, copies: Stories, number: int) -> list[dict]:
    """The other copies of a hit's story (at most `MAX_DUPLICATES`): id, source, date, read
    from the id, source and day columns (no copy's stored article is unpacked for them)."""
    others = copies.copies(number)[:MAX_DUPLICATES].tolist()
    codes, sources = reader.column("source")
    days = reader.numbers("day")
    return [
        {"id": doc_id, "source": sources[codes[other]] or None, "date": day_text(days[other])}
        for doc_id, other in zip(reader.document_ids(others), others, strict=True)
    ]


def with_roots(marks: Marks, *texts: str) -> Marks:
    """The marks with the words of ``texts`` whose root a ``root:`` search asked for, for a
    text highlighted by analysing it (the article page); a page of hits finds them in the
    root fields' positions instead (`located`)."""
    if not marks.roots:
        return marks
    tokens = {token for text in texts for token in TOKEN_RE.findall(text)}
    rooted = {normalize(t) for t in tokens if not marks.roots.isdisjoint(token_roots(t))}
    return replace(marks, exacts=marks.exacts | rooted)


def _hit(stored: dict, score: float, title_at: Located, body_at: Located, source: int) -> dict:
    title = stored.get("title", "")
    date = stored.get("date")
    return {
        "id": stored["id"],
        "title": title,
        "title_html": highlight_text(title, Marks(), located=title_at),
        "snippet_html": snippet(
            stored.get("body", ""), Marks(), source_chars=source, located=body_at
        ),
        "date": date.date().isoformat() if date else None,
        "source": stored.get("source") or None,
        "url": stored.get("url") or None,
        "tags": list(stored.get("tags") or []),
        "score": round(score, 4),
    }


def document(reader: Reader, doc_id: str) -> dict | None:
    """The stored document with this id, or None."""
    if SURROGATE_RE.search(doc_id):  # no stored id holds one, and it cannot be looked up
        return None
    number = reader.document_number(doc_id)
    if number is None:
        return None
    stored = reader.stored(number)
    date = stored.get("date")
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "body": stored.get("body", ""),
        "date": date.date().isoformat() if date else None,
        "source": stored.get("source") or None,
        "url": stored.get("url") or None,
        "tags": list(stored.get("tags") or []),
        "related": list(stored.get("related") or []),
    }


def document_page(reader: Reader, after: bytes, limit: int) -> tuple[list[dict], bool]:
    """Up to ``limit`` documents whose ids sort after ``after`` (UTF-8 bytes), in id order,
    and whether more follow: one page of a dump of every document."""
    ids = reader.ids_after(after, limit + 1)
    documents = [found for found in map(lambda i: document(reader, i), ids[:limit]) if found]
    return documents, len(ids) > limit


def similar_articles(reader: Reader, doc_id: str, limit: int = SIMILAR_DEFAULT) -> dict | None:
    """The articles closest to one article (`search.query.similar`), or None for an unknown
    id: the body of ``GET /api/documents/<id>/similar``."""
    if SURROGATE_RE.search(doc_id):
        return None
    number = reader.document_number(doc_id)
    if number is None:
        return None
    numbers, matches = similar(reader, number, limit)
    results = []
    for found in numbers.tolist():
        stored = reader.stored(found)
        date = stored.get("date")
        results.append(
            {
                "id": stored["id"],
                "title": stored.get("title", ""),
                "date": date.date().isoformat() if date else None,
                "source": stored.get("source") or None,
                "score": round(matches.score(found), 4),
            }
        )
    return {"id": doc_id, "results": results}


def query_marks(reader: Reader, text: str, synonyms: Synonyms = NO_SYNONYMS) -> Marks:
    """The marks a query would put on a document (for the article page)."""
    try:
        return Compiler(reader, synonyms=synonyms).compile(parse(text)).marks()
    except BadQuery:
        return Marks()


def suggestions(reader: Reader, text: str) -> dict:
    """Completions of a query being typed (`search.query.complete`): the body of
    ``GET /api/suggest``. Text over `MAX_COMPLETE_CHARS` is a `BadParameter`."""
    if len(text) > MAX_COMPLETE_CHARS:
        raise BadParameter("q", f"at most {MAX_COMPLETE_CHARS} characters, not {len(text)}")
    if SURROGATE_RE.search(text):
        raise BadParameter("q", "is not valid text (it holds a lone surrogate)")
    found = []
    for completion in complete(reader, text):
        item = {"text": completion.text, "kind": completion.kind, "count": completion.count}
        if completion.id is not None:
            item["id"] = completion.id
        found.append(item)
    return {"query": text, "suggestions": found}
