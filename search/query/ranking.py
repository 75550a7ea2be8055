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
    unfiltered_total: int
    documents: np.ndarray  # document numbers of the requested slice, best first

    @property
    def total(self) -> int:
        return self.matches.total


def rank(
    reader: Reader,
    query: str | p.Node,
    *,
    limit: int = 10,
    offset: int = 0,
    query_filter: qn.Node | None = None,
    by_date: bool = False,
) -> Ranking:
    """Rank the live documents for ``query`` (text in the query language, or a parsed tree):
    the best ``limit`` after ``offset``, by score or newest first."""
    node = p.parse(query) if isinstance(query, str) else query
    engine = engine_for(reader)
    compiled = Compiler(reader).compile(node)
    matches = _matches(engine, compiled)
    if matches.total < RELAX_PHRASES_BELOW and _phrase_among_words(node):
        compiled = Compiler(reader, soft_phrases=True).compile(node)
        matches = _matches(engine, compiled)
    unfiltered = matches.total
    if query_filter is not None:
        matches.mask &= engine.mask(query_filter)
    order = reader.numbers("day") if by_date else None
    if compiled.pairs and order is None:
        best = top(matches, RERANK_DEPTH)
        matches.scores[best] += PROXIMITY_WEIGHT * engine.proximity(
            best, PROXIMITY_FIELD, compiled.pairs, PROXIMITY_SLOP
        )
    documents = top(matches, offset + limit, order)[offset:]
    return Ranking(compiled, matches, unfiltered, documents)


def _matches(engine: Engine, compiled: Compiled) -> Matches:
    matches = engine.evaluate(compiled.query)
    matches.mask &= engine.live
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
    """Which query words matched this document, where, in which form, for how much.

    Of a word's readings (stem, clitic, variant) only the best counts towards the score;
    the others are listed with what they would have added.
    """
    engine = engine_for(reader)
    rows = []
    documents = np.array([number])
    for node, word, form in compiled.origins:
        score = float(engine.evaluate(node).scores[number])
        if score > 0:
            rows.append(
                {
                    "word": word,
                    "field": "+".join(
                        name.removesuffix("_exact")
                        for name in node.weights
                        if engine.term_scores(name, node.text, 1.0, documents)[0] > 0
                    ),
                    "form": form,
                    "term": node.text,
                    "score": round(score, 4),
                }
            )
    if compiled.pairs:
        bonus = engine.proximity(documents, PROXIMITY_FIELD, compiled.pairs, PROXIMITY_SLOP)[0]
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
