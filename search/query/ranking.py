"""Ranking: parse, compile, score, relax, filter, re-rank by proximity, cut a page.

`rank` is the one path the API, the page, the CLI, ``eval`` and the benchmark runner share;
`explain` says what each reading of each word added to one document's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..store import Reader
from . import nodes as qn
from . import parser as p
from .compiler import Compiled, Compiler
from .engine import Engine, Matches, engine_for, top
from .stories import stories_of, top_stories
from .synonyms import NO_SYNONYMS, Synonyms

PROXIMITY_WEIGHT = 0.5  # two consecutive query words found within PROXIMITY_SLOP words
PROXIMITY_SLOP = 3
PROXIMITY_FIELD = "body_exact"
RERANK_DEPTH = 100  # proximity is scored on the best this many BM25 matches only
# A quoted phrase among other words that finds fewer documents than this is relaxed: its
# words count as plain words and the phrase only adds (people quote names the text writes
# differently; docs/relevance.md: xquad_ar nDCG@10 +0.014, a phrase alone stays exact).
RELAX_PHRASES_BELOW = 10


@dataclass
class Ranking:
    """The ranked matches of one query, before any stored field is read."""

    compiled: Compiled
    matches: Matches
    unfiltered_ids: np.ndarray  # the matches before the request's filters, ascending
    documents: np.ndarray  # document numbers of the requested slice, best first
    notices: list[str]  # syntax the grammar searched as plain words (parser.parse_with_notices)
    size: int  # documents in the index
    stories: int | None = None  # distinct stories among the matches, when collapsed

    @property
    def unfiltered(self) -> np.ndarray:
        """The matches before the request's filters, one bool per document: made when a
        page asks (a facet whose own filter is set), not for every search."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.unfiltered_ids] = True
        return mask

    @property
    def total(self) -> int:
        """How many results there are: stories when collapsed, else matching documents."""
        return self.matches.total if self.stories is None else self.stories


def rank(
    reader: Reader,
    query: str | p.Node,
    *,
    limit: int = 10,
    offset: int = 0,
    query_filter: qn.Node | None = None,
    date_order: str | None = None,
    collapse: bool = False,
    synonyms: Synonyms = NO_SYNONYMS,
) -> Ranking:
    """Rank the live documents for ``query`` (text in the query language, or a parsed tree):
    the best ``limit`` after ``offset``, by score, or by date (``date_order`` "desc" for
    newest first, "asc" for oldest first; undated documents last either way). With
    ``collapse``, copies of one story (`stories`) take one place, their best-ranked copy's:
    ranks, the slice and ``stories`` count distinct stories. ``synonyms`` add readings after
    the words' own (`search.query.synonyms`)."""
    node, notices = p.parse_with_notices(query) if isinstance(query, str) else (query, [])
    engine = engine_for(reader)
    compiled = Compiler(reader, synonyms=synonyms).compile(node)
    matches = _matches(engine, compiled)
    if matches.total < RELAX_PHRASES_BELOW and _phrase_among_words(node):
        compiled = Compiler(reader, soft_phrases=True, synonyms=synonyms).compile(node)
        matches = _matches(engine, compiled)
    unfiltered = matches.matching()  # a copy: the filters below change the matches' mask
    if query_filter is not None:
        matches.keep(engine.mask(query_filter))
    order = _date_order(reader, date_order)
    if compiled.pairs and order is None:
        best = top(matches, RERANK_DEPTH)
        matches.add_to(
            best,
            PROXIMITY_WEIGHT
            * engine.proximity(best, PROXIMITY_FIELD, compiled.pairs, PROXIMITY_SLOP),
        )
    if collapse:
        story = stories_of(reader).story
        documents = top_stories(matches, offset + limit, story, order)[offset:]
        distinct = _distinct(story[matches.matching()], reader.size)
    else:
        documents = top(matches, offset + limit, order)[offset:]
        distinct = None
    notices = notices + compiled.notices
    return Ranking(compiled, matches, unfiltered, documents, notices, reader.size, distinct)


def _distinct(values: np.ndarray, size: int) -> int:
    """How many distinct values (each below ``size``): flags over every value for many,
    where sorting them (np.unique) cost a millisecond on a common word's 30,000 matches."""
    if values.size * 64 < size:
        return int(np.unique(values).size)
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    return int(np.count_nonzero(seen))


UNDATED_LAST = -(10**9)  # below every -yyyymmdd


def _date_order(reader: Reader, date_order: str | None) -> np.ndarray | None:
    """A key to rank by, largest first: the day for newest first, minus the day for oldest
    first; an undated document (day 0) sorts last in both."""
    if date_order is None:
        return None
    days = reader.numbers("day")
    if date_order == "desc":
        return days
    if date_order == "asc":
        return np.where(days > 0, -days, UNDATED_LAST)
    raise ValueError(f"date_order must be desc or asc, not {date_order!r}")


def _matches(engine: Engine, compiled: Compiled) -> Matches:
    matches = engine.evaluate(compiled.query)
    matches.keep(engine.live)
    return matches


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


def explain(reader: Reader, compiled: Compiled, number: int) -> list[dict]:
    """What each typed word and phrase added to this document's score, reading by reading.

    Every row says whether it ``counted``. Of a word's readings (its stem, Snowball's cut, a
    clitic reading, a spelling variant) only the best counts, and a reading of another word
    counts at most as much as the word as typed would (`nodes.Readings`): its row then shows
    the share it kept and, as ``raw``, what it would have added. The counted rows add up to
    the hit's score (each rounded to 4 places).
    """
    engine = engine_for(reader)
    documents = np.array([number])

    def score(node) -> float:
        return engine.evaluate(node).score(number)

    def fields(node) -> str:
        names = node.weights if isinstance(node, qn.FieldedTerm) else {}
        return "+".join(
            name.removesuffix("_exact").removesuffix("_root")
            for name in names
            if engine.term_scores(name, node.text, 1.0, documents)[0] > 0
        )

    rows = []
    for origin in compiled.origins:
        if origin.form == "root":
            added = score(origin.node)
            if added > 0:
                node = origin.node
                rows.append(_row(origin.text, fields(node), "root", node.text, added, True))
            continue
        if origin.form != "word":
            # a spaced compound's node sits inside its word's, whose boost it shares
            added = (origin.boost if origin.form == "spaced" else 1.0) * score(origin.node)
            if added > 0:
                rows.append(_row(origin.text, "", origin.form, "", added, True))
            continue
        boost = origin.boost  # word^N multiplies each of its parts
        best = boost * score(origin.readings) if origin.readings is not None else 0.0
        raws = [(node, form, boost * score(node)) for node, form in origin.parts]
        # Holding the typed word, the document counts its best reading; else the likeliest
        # reading that finds it, scaled (nodes.Readings; parts list the readings in order).
        readings = [(raw, -i) for i, (_, form, raw) in enumerate(raws) if form != "exact"]
        typed = {id(node) for node in origin.readings.typed} if origin.readings else set()
        holds = any(raw > 0 for node, _, raw in raws if id(node) in typed)
        found = [(raw, i) for raw, i in readings if raw > 0]
        counted = None
        if best > 0 and found:
            counted = -max(found)[1] if holds else -found[0][1]
        for i, (node, form, raw) in enumerate(raws):
            if raw <= 0:
                continue
            term = _term_text(node)
            if form == "exact":
                rows.append(_row(origin.text, fields(node), form, term, raw, True))
            elif i == counted:
                row = _row(origin.text, fields(node), form, term, best, True)
                if abs(best - raw) > 5e-5:
                    row["raw"] = round(raw, 4)
                rows.append(row)
            else:
                rows.append(_row(origin.text, fields(node), form, term, raw, False))
    if compiled.pairs:
        bonus = engine.proximity(documents, PROXIMITY_FIELD, compiled.pairs, PROXIMITY_SLOP)[0]
        if bonus > 0:
            words = " ".join(w for pair in compiled.pairs for w in pair[:1])
            rows.append(_row(words, "body", "proximity", "", float(bonus * PROXIMITY_WEIGHT), True))
    return sorted(rows, key=lambda row: (not row["counted"], -row["score"]))


def _term_text(node) -> str:
    """The index term of a reading; a phrase's words (a synonym of several words)."""
    if isinstance(node, qn.Phrase):
        return " ".join(node.words)
    if isinstance(node, qn.AnyOf) and node.children:
        return _term_text(node.children[0])
    return getattr(node, "text", "")


def _row(word: str, field: str, form: str, term: str, score: float, counted: bool) -> dict:
    return {
        "word": word,
        "field": field,
        "form": form,
        "term": term,
        "score": round(score, 4),
        "counted": counted,
    }
