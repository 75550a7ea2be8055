"""User text -> Whoosh query -> ranked, highlighted results as plain dicts.

Every weight is a named setting; docs/relevance.md records the figure behind each one.
A plain word becomes a small disjunction over the two forms of the text:

    exact form   title_exact^TITLE*EXACT   body_exact^EXACT   (what the reader typed, folded)
    stems        title^TITLE               body                (and clitic alternatives)
    variants     title^TITLE*VARIANT       body^VARIANT        (other spellings of a name)

so an article holding the very word outranks one holding only a relative of it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
import weakref
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from . import parser as p
from .analysis import is_stopword, normalize, stems, unique
from .engine import Catalog, FieldedTerm, Matches, term_text, top
from .errors import BadParameter, BadQuery
from .highlight import Marks, highlight_text, snippet
from .variants import spelling_variants

TITLE_WEIGHT = 2.0  # a word in the headline says more about the topic than one in the body
EXACT_WEIGHT = 0.25  # added on top of the stem match when the folded surface form matches too
# Another reading of the word's stem: its first letter taken as a clitic (وزير -> زير), or
# Snowball's stem beside ours; the best reading of a word counts (docs/relevance.md).
CLITIC_WEIGHT = 0.75
VARIANT_WEIGHT = 0.5  # another spelling of a name (بيونج for بيونغ)
PROXIMITY_WEIGHT = 0.5  # two consecutive query words found within PROXIMITY_SLOP words
PROXIMITY_SLOP = 3
# A quoted phrase among other words that finds fewer documents than this is relaxed: its
# words count as plain words and the phrase only adds (people quote names the text writes
# differently; docs/relevance.md: xquad_ar nDCG@10 +0.014, a phrase alone stays exact).
RELAX_PHRASES_BELOW = 10
RERANK_DEPTH = 100  # proximity is scored on the best this many BM25 matches only
MAX_PREFIX_TERMS = 200  # a prefix expands to at most this many of its most frequent words
MIN_PREFIX_LETTERS = 2
MAX_PER_PAGE = 100
MAX_RESULTS_DEPTH = 10_000  # page * per_page; deeper pages are refused
SUGGEST_BELOW = 3  # offer "did you mean" when a query finds fewer results than this
SORTS = ("relevance", "date")
# A lone surrogate is no text: it cannot be encoded to look a term up, nor written out as
# JSON or UTF-8. HTTP cannot deliver one (werkzeug turns bytes that are not UTF-8 into U+FFFD
# or leaves them percent-encoded), but Python callers can: the CLI's argv holds
# surrogate-escaped bytes when they are not UTF-8.
SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass
class Compiled:
    """A Whoosh query plus what the highlighter should mark."""

    query: wq.Query
    exacts: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # for the proximity bonus
    # each scored form of a typed word: (its query node, the word as typed, the form name)
    origins: list[tuple[FieldedTerm, str, str]] = field(default_factory=list)

    def marks(self) -> Marks:
        return Marks(frozenset(self.exacts), frozenset(self.stems), tuple(self.phrases))


class Compiler:
    """Turns a parsed query into Whoosh queries against one searcher's vocabulary."""

    def __init__(self, searcher: Searcher, stemmer: str, *, soft_phrases: bool = False):
        self.searcher = searcher
        self.soft_phrases = soft_phrases
        self.reader = searcher.reader()
        self.stemmer = stemmer
        self.exacts: set[str] = set()
        self.stems: set[str] = set()
        self.phrases: list[tuple[str, ...]] = []
        self.pairs: list[tuple[str, str]] = []
        self.origins: list[tuple[FieldedTerm, str, str]] = []

    def compile(self, node: p.Node) -> Compiled:
        query = self.node(node, marking=True)
        if query is None:
            raise BadQuery("the query has no words to search for")
        return Compiled(query, self.exacts, self.stems, self.phrases, self.pairs, self.origins)

    # -- nodes ----------------------------------------------------------------------------

    def node(self, node: p.Node, *, marking: bool) -> wq.Query | None:
        if isinstance(node, p.Term):
            return self.term(node, marking=marking, keep_stopwords=True)
        if isinstance(node, p.Phrase):
            return self.phrase(node, marking=marking)
        if isinstance(node, p.Any):
            parts = [q for n in node.nodes if (q := self.node(n, marking=marking)) is not None]
            return wq.Or(parts) if parts else None
        if isinstance(node, p.All):
            return self.all(node, marking=marking)
        if isinstance(node, p.Not):  # only reached for a Not outside an All
            return None
        raise TypeError(node)

    def all(self, node: p.All, *, marking: bool) -> wq.Query | None:
        """Plain words are soft (more matched words rank higher); the rest must match."""
        plain = [n for n in node.nodes if isinstance(n, p.Term) and not (n.field or n.prefix)]
        loose = []
        if self.soft_phrases and plain:  # a relaxed phrase: its words count, the phrase adds
            loose = [n for n in node.nodes if isinstance(n, p.Phrase) and not n.field]
            plain += [p.Term(word) for phrase in loose for word in phrase.words]
        excluded = [n.node for n in node.nodes if isinstance(n, p.Not)]
        required = [
            n for n in node.nodes if n not in plain and n not in loose and not isinstance(n, p.Not)
        ]
        only_stopwords = all(is_stopword(normalize(t.text)) for t in plain)
        soft = [
            q
            for t in plain
            if (q := self.term(t, marking=marking, keep_stopwords=only_stopwords)) is not None
        ]
        soft += [q for n in loose if (q := self.phrase(n, marking=marking)) is not None]
        if marking:
            self.pairs += self.proximity(plain)
        must = [q for n in required if (q := self.node(n, marking=marking)) is not None]
        if must and soft:
            positive = wq.AndMaybe(_and(must), wq.Or(soft))
        elif must:
            positive = _and(must)
        elif soft:
            positive = wq.Or(soft)
        else:
            return None
        negative = [q for n in excluded if (q := self.node(n, marking=False)) is not None]
        return wq.AndNot(positive, wq.Or(negative)) if negative else positive

    def term(self, term: p.Term, *, marking: bool, keep_stopwords: bool) -> wq.Query | None:
        exact = normalize(term.text)
        if not exact:
            return None
        if term.prefix:
            return self.prefix(exact, term.field, marking=marking)
        if term.field == "source":
            return wq.Term("source_text", exact)
        stop = is_stopword(exact)
        if stop and not keep_stopwords:
            return None
        fields = ("title",) if term.field == "title" else ("title", "body")
        if term.field == "tag":
            fields = ("tag_text",)
        weights = {name: TITLE_WEIGHT if name == "title" else 1.0 for name in fields}
        exact_weights = {f"{n}_exact": w for n, w in weights.items() if n != "tag_text"}
        word_stems = () if stop else stems(exact, self.stemmer)
        variants = self.variants(word_stems[0]) if word_stems else []
        forms: list[tuple[FieldedTerm, str]] = []
        if exact_weights:
            forms.append((FieldedTerm(exact, exact_weights, boost=EXACT_WEIGHT), "exact"))
        readings = [
            (
                FieldedTerm(stem, weights, boost=CLITIC_WEIGHT if i else 1.0),
                "clitic" if i else "stem",
            )
            for i, stem in enumerate(word_stems)
        ] + [(FieldedTerm(v, weights, boost=VARIANT_WEIGHT), "variant") for v in variants]
        clauses: list[wq.Query] = [node for node, _ in forms]
        if readings:
            # One word read several ways (its stem, a clitic reading, another spelling)
            # counts once: the best reading, not their sum.
            clauses.append(wq.DisjunctionMax([node for node, _ in readings]))
        if marking:
            self.exacts.add(exact)
            self.stems.update(word_stems[:1])
            self.stems.update(variants)
            for node, form in forms + readings:
                self.origins.append((node, term.text, form))
        return wq.Or(clauses)

    def variants(self, stem: str) -> list[str]:
        reader = self.reader

        def frequency(term: str) -> int:
            return reader.doc_frequency("body", term) + reader.doc_frequency("title", term)

        return spelling_variants(stem, frequency)

    def prefix(self, exact: str, field_name: str | None, *, marking: bool) -> wq.Query:
        if len(exact) < MIN_PREFIX_LETTERS:
            raise BadQuery(f"a prefix search needs at least {MIN_PREFIX_LETTERS} letters: {exact}*")
        names = {"title": ["title_exact"], "source": ["source_text"], "tag": ["tag_text"]}.get(
            field_name or "", ["title_exact", "body_exact"]
        )
        clauses = []
        for name in names:
            found = list(self.reader.expand_prefix(name, exact))
            if len(found) > MAX_PREFIX_TERMS:
                found.sort(key=lambda t: -self.reader.doc_frequency(name, t))
                found = found[:MAX_PREFIX_TERMS]
            weight = TITLE_WEIGHT if name == "title_exact" else 1.0
            clauses += [wq.Term(name, term_text(t), boost=weight) for t in found]
            if marking and name in ("title_exact", "body_exact"):
                self.exacts.update(term_text(t) for t in found)
        return wq.Or(clauses) if clauses else wq.NullQuery

    def phrase(self, phrase: p.Phrase, *, marking: bool) -> wq.Query | None:
        folded = tuple(w for w in (normalize(x) for x in phrase.words) if w)
        if not folded:
            return None
        if phrase.field == "source":
            names = ["source_text"]
        elif phrase.field == "tag":
            names = ["tag_text"]
        elif phrase.field == "title":
            names = ["title_exact"]
        else:
            names = ["title_exact", "body_exact"]
        clauses = []
        for name in names:
            weight = TITLE_WEIGHT if name == "title_exact" else 1.0
            if name == "tag_text":  # tags are indexed stemmed, without positions
                words = [
                    s for w in folded if not is_stopword(w) for s in stems(w, self.stemmer)[:1]
                ]
                clauses.append(_and([wq.Term(name, w) for w in words]) if words else wq.NullQuery)
            elif len(folded) == 1:
                clauses.append(wq.Term(name, folded[0], boost=weight))
            else:
                clauses.append(wq.Phrase(name, list(folded), boost=weight))
        if marking:
            if len(folded) == 1:
                self.exacts.add(folded[0])
            else:
                self.phrases.append(folded)
        return wq.Or(clauses)

    def proximity(self, plain: list[p.Term]) -> list[tuple[str, str]]:
        """Consecutive content words; found close together, they earn a bonus."""
        content = [e for t in plain if (e := normalize(t.text)) and not is_stopword(e)]
        return [(a, b) for a, b in itertools.pairwise(content) if a != b]


def _reading(stem: str, clitic_readings: set[str]) -> str:
    return "clitic" if stem in clitic_readings else "snowball"


def _and(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.And(queries)


# --- Running a search ------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """Validated search parameters (see `SearchRequest.from_args` for the HTTP names)."""

    q: str
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    source: str | None = None
    explain: bool = False

    @classmethod
    def from_args(cls, args) -> SearchRequest:
        """Read ``q, page, per_page, sort, from, to, source`` from a mapping of strings."""
        for name in ("q", "page", "per_page", "sort", "from", "to", "year", "source"):
            if SURROGATE_RE.search(str(args.get(name) or "")):
                raise BadParameter(name, "is not valid text (it holds a lone surrogate)")
        q = args.get("q")
        if q is None:
            raise BadParameter("q", "missing; pass the words to search for as ?q=...")
        page = _integer(args, "page", 1, 1, None)
        per_page = _integer(args, "per_page", 10, 1, MAX_PER_PAGE)
        if page * per_page > MAX_RESULTS_DEPTH:
            raise BadParameter(
                "page", f"results beyond the first {MAX_RESULTS_DEPTH} are not served"
            )
        sort = args.get("sort") or "relevance"
        if sort not in SORTS:
            raise BadParameter("sort", f"must be one of {', '.join(SORTS)}")
        date_from = _date(args, "from")
        date_to = _date(args, "to")
        year = _integer(args, "year", 0, 1, 9999)
        if year:  # the page's year facet: a shorthand for from/to
            date_from = max(date_from or dt.date.min, dt.date(year, 1, 1))
            date_to = min(date_to or dt.date.max, dt.date(year, 12, 31))
        if date_from and date_to and date_from > date_to:
            raise BadParameter("from", "is after 'to'")
        source = (args.get("source") or "").strip() or None
        explain = str(args.get("explain") or "").lower() in ("1", "true", "yes")
        return cls(q, page, per_page, sort, date_from, date_to, source, explain)


def _integer(args, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadParameter(name, f"must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise BadParameter(name, f"must be {bound}")
    return value


def _date(args, name: str) -> dt.date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(normalize(raw))
    except ValueError:
        raise BadParameter(name, f"must be a date written YYYY-MM-DD, not {raw!r}") from None


def _filter(request: SearchRequest) -> wq.Query | None:
    parts: list[wq.Query] = []
    if request.date_from or request.date_to:
        start = dt.datetime.combine(request.date_from, dt.time()) if request.date_from else None
        end = dt.datetime.combine(request.date_to, dt.time.max) if request.date_to else None
        parts.append(wq.DateRange("date", start, end))
    if request.source:
        parts.append(wq.Term("source", request.source))
    return _and(parts) if parts else None


def catalog(searcher: Searcher) -> Catalog:
    """The searcher's arrays and posting cache, made once per searcher."""
    found = _CATALOGS.get(searcher)
    if found is None:
        found = _CATALOGS[searcher] = Catalog(searcher)
    return found


_CATALOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Ranking:
    """The ranked matches of one query, before any stored field is read."""

    compiled: Compiled
    matches: Matches
    unfiltered_total: int
    documents: np.ndarray  # document numbers of the requested slice, best first

    @property
    def total(self) -> int:
        return self.matches.total


def rank(
    searcher: Searcher,
    text: str,
    stemmer: str,
    *,
    limit: int = 10,
    offset: int = 0,
    query_filter: wq.Query | None = None,
    by_date: bool = False,
) -> Ranking:
    """Parse, compile, score and rank: the one path the API, the CLI, eval and bench share."""
    node = p.parse(text)
    compiled = Compiler(searcher, stemmer).compile(node)
    arrays = catalog(searcher)
    matches = arrays.evaluate(compiled.query)
    matches.mask &= arrays.live
    if matches.total < RELAX_PHRASES_BELOW and _phrase_among_words(node):
        compiled = Compiler(searcher, stemmer, soft_phrases=True).compile(node)
        matches = arrays.evaluate(compiled.query)
        matches.mask &= arrays.live
    unfiltered = matches.total
    if query_filter is not None:
        matches.mask &= arrays.mask(query_filter)
    order = arrays.numbers("day") if by_date else None
    if compiled.pairs and order is None:
        best = top(matches, RERANK_DEPTH)
        matches.scores[best] += PROXIMITY_WEIGHT * arrays.proximity(
            best, "body_exact", compiled.pairs, PROXIMITY_SLOP
        )
    documents = top(matches, offset + limit, order)[offset:]
    return Ranking(compiled, matches, unfiltered, documents)


def _phrase_among_words(node: p.Node) -> bool:
    """True when a group holds both an unfielded phrase and plain words."""
    if isinstance(node, p.All):
        kinds = {type(n) for n in node.nodes}
        if p.Phrase in kinds and p.Term in kinds:
            return True
        return any(_phrase_among_words(n) for n in node.nodes)
    if isinstance(node, p.Any):
        return any(_phrase_among_words(n) for n in node.nodes)
    return False


def ranked_ids(searcher: Searcher, text: str, stemmer: str, limit: int = 10) -> list[str]:
    """The ids of the best ``limit`` documents (evaluation and benchmarks)."""
    ranking = rank(searcher, text, stemmer, limit=limit)
    return [searcher.stored_fields(int(n))["id"] for n in ranking.documents]


def search(searcher: Searcher, request: SearchRequest, stemmer: str) -> dict:
    """Run one search; return the API's response body (everything a page needs)."""
    started = time.perf_counter()
    first = (request.page - 1) * request.per_page
    ranking = rank(
        searcher,
        request.q,
        stemmer,
        limit=request.per_page,
        offset=first,
        query_filter=_filter(request),
        by_date=request.sort == "date",
    )
    compiled, matches, ranked = ranking.compiled, ranking.matches, ranking.documents
    arrays = catalog(searcher)
    total = matches.total
    marks = compiled.marks()
    hits = [_hit(searcher, int(n), float(matches.scores[n]), marks, stemmer) for n in ranked]
    if request.explain:
        for hit, number in zip(hits, ranked.tolist(), strict=True):
            hit["explain"] = explain(arrays, compiled, number)
    body = {
        "query": request.q,
        "total": total,
        "page": request.page,
        "per_page": request.per_page,
        "took_ms": 0.0,
        "results": hits,
        "facets": {
            "source": _facet(arrays, "source", matches.mask),
            "year": dict(sorted(_facet(arrays, "year", matches.mask).items(), reverse=True)),
        },
        "suggestion": None,
    }
    if total < SUGGEST_BELOW and ranking.unfiltered_total < SUGGEST_BELOW:
        from .suggest import suggest  # only needed on the rare empty-ish result

        body["suggestion"] = suggest(searcher, request.q, stemmer)
    body["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return body


def explain(arrays: Catalog, compiled: Compiled, number: int) -> list[dict]:
    """Which query words matched this document, where, in which form, for how much.

    Of a word's readings (stem, clitic, variant) only the best counts towards the score;
    the others are listed with what they would have added.
    """
    rows = []
    documents = np.array([number])
    for node, word, form in compiled.origins:
        score = float(arrays.evaluate(node).scores[number])
        if score > 0:
            rows.append(
                {
                    "word": word,
                    "field": "+".join(
                        name.removesuffix("_exact")
                        for name in node.weights
                        if arrays.term_scores(name, node.text, 1.0, documents)[0] > 0
                    ),
                    "form": form,
                    "term": node.text,
                    "score": round(score, 4),
                }
            )
    if compiled.pairs:
        bonus = arrays.proximity(documents, "body_exact", compiled.pairs, PROXIMITY_SLOP)[0]
        if bonus > 0:
            rows.append(
                {
                    "word": " ".join(w for pair in compiled.pairs for w in pair[:1]),
                    "field": "body",
                    "form": "proximity",
                    "term": "",
                    "score": round(float(bonus * PROXIMITY_WEIGHT), 4),
                }
            )
    return sorted(rows, key=lambda row: -row["score"])


def _facet(arrays: Catalog, field: str, mask) -> dict[str, int]:
    codes, values = arrays.column(field)
    counts = np.bincount(codes[mask], minlength=len(values))
    found = {values[i]: int(c) for i, c in enumerate(counts) if c and values[i]}
    return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))


def _hit(searcher: Searcher, number: int, score: float, marks: Marks, stemmer: str) -> dict:
    stored = searcher.stored_fields(number)
    title = stored.get("title", "")
    date = stored.get("date")
    return {
        "id": stored["id"],
        "title": title,
        "title_html": highlight_text(title, marks, stemmer),
        "snippet_html": snippet(stored.get("body", ""), marks, stemmer),
        "date": date.date().isoformat() if date else None,
        "source": stored.get("source") or None,
        "url": stored.get("url") or None,
        "tags": list(stored.get("tags") or []),
        "score": round(score, 4),
    }


def document(searcher: Searcher, doc_id: str) -> dict | None:
    """The stored document with this id, or None."""
    if SURROGATE_RE.search(doc_id):  # no stored id holds one, and it cannot be looked up
        return None
    number = searcher.document_number(id=doc_id)
    if number is None:
        return None
    stored = searcher.stored_fields(number)
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


def compile_marks(searcher: Searcher, text: str, stemmer: str) -> Marks:
    """The marks a query would put on a document (for the article page)."""
    try:
        return Compiler(searcher, stemmer).compile(p.parse(text)).marks()
    except BadQuery:
        return Marks()


__all__ = ["Compiler", "SearchRequest", "compile_marks", "document", "search", "unique"]
