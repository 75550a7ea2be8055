"""The ranking engine: a compiled query (`search.query.nodes`) scored over the store's arrays.

Whoosh's matchers walk a union of posting lists one document at a time in Python; a question
expanded to exact forms, stems and variants is a union of fifty lists, and on 70,000 articles
that walk took over a second (docs/performance.md). Here each posting list comes from the
store as arrays (`search.store.Reader`, which decodes and caches them), is scored with BM25F
(`bm25.BM25F`) on its postings only, and summed; top-k, totals and facet counts are array
operations. Phrases are matched on position arrays as (document, position) keys.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from ..analysis import folded
from ..store import Reader
from . import nodes as n
from .bm25 import BM25F

_PHRASE_SHIFT = 1 << 16  # keeps position - offset positive inside a phrase key
# A document found only through another reading of a word scores at most this share of the
# TYPED_FIRST_DEPTH-th best score of the documents found through the readings before it
# (the word as typed first; docs/relevance.md, "Precision").
TYPED_FIRST = 0.99
TYPED_FIRST_DEPTH = 10  # of the best this many of them: a page of results


@dataclass
class Matches:
    """Scores and the set of matching documents, over every document number."""

    scores: np.ndarray  # float32
    mask: np.ndarray  # bool

    @property
    def total(self) -> int:
        return int(self.mask.sum())


class Engine:
    """Scores compiled queries against one reader; `engine_for` keeps one per reader."""

    def __init__(self, reader: Reader, bm25: BM25F | None = None):
        self.reader = reader
        self.bm25 = bm25 or BM25F()
        self.size = reader.size
        self.live = reader.live
        self.documents = reader.documents
        self._scratch = threading.local()

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, node: n.Node) -> Matches:
        """Scores and matches of a compiled query over every document."""
        if isinstance(node, n.FieldedTerm):
            return self._fielded(node)
        if isinstance(node, n.Term):
            return self._term(node)
        if isinstance(node, n.BestOf):
            return self._best_of([self.evaluate(c) for c in node.children], node.tiebreak)
        if isinstance(node, n.Readings):
            return self._readings(node)
        if isinstance(node, n.AnyOf):
            return self._union([self.evaluate(child) for child in node.children], node.boost)
        if isinstance(node, n.AllOf):
            children = [self.evaluate(child) for child in node.children]
            mask = np.logical_and.reduce([c.mask for c in children])
            return Matches(sum(c.scores for c in children) * node.boost, mask)
        if isinstance(node, n.AndMaybe):
            required, optional = self.evaluate(node.required), self.evaluate(node.optional)
            return Matches(required.scores + optional.scores, required.mask)
        if isinstance(node, n.AndNot):
            positive, negative = self.evaluate(node.positive), self.mask(node.negative)
            return Matches(positive.scores, positive.mask & ~negative)
        if isinstance(node, n.Phrase):
            return self._phrase(node)
        if isinstance(node, n.DayRange):
            return self._days(node)
        if isinstance(node, n.ValueIs):
            return self._value_is(node)
        if isinstance(node, n.Nothing):
            return self.empty()
        raise TypeError(f"not a compiled query node: {node!r}")

    def mask(self, node: n.Node) -> np.ndarray:
        """Which documents match (scores not needed: exclusions and filters)."""
        return self.evaluate(node).mask

    def empty(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=np.float32), np.zeros(self.size, dtype=bool))

    # -- terms ----------------------------------------------------------------------------

    def idf(self, field: str, text: str) -> float:
        """The term's idf among live documents."""
        ids, _ = self.reader.postings(field, text)
        return self.bm25.idf(self._live_count(ids), self.documents)

    def _live_count(self, ids: np.ndarray) -> int:
        return int(np.count_nonzero(self.live[ids])) if ids.size else 0

    def term_scores(self, field: str, text: str, boost: float, documents: np.ndarray) -> np.ndarray:
        """BM25 of one term in each of ``documents`` (0 where it does not occur)."""
        ids, tf = self.reader.postings(field, text)
        found = np.zeros(documents.size, dtype=np.float32)
        if ids.size == 0:
            return found
        where = np.searchsorted(ids, documents)
        hit = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == documents)
        lengths, mean = self.reader.lengths(field)
        scale = boost * self.idf(field, text)
        found[hit] = self.bm25.term(tf[where[hit]], lengths[documents[hit]], mean, scale)
        return found

    def _term(self, term: n.Term) -> Matches:
        ids, tf = self.reader.postings(term.field, term.text)
        result = self.empty()
        if ids.size == 0:
            return result
        idf = self.bm25.idf(self._live_count(ids), self.documents)
        lengths, mean = self.reader.lengths(term.field)
        result.scores[ids] = self.bm25.term(tf, lengths[ids], mean, term.boost * idf)
        result.mask[ids] = True
        return result

    def _fielded(self, node: n.FieldedTerm) -> Matches:
        """BM25F of one term: computed on its postings only, never over every document (a
        question reads dozens of terms; dense passes over 70,000 documents each were a
        tenth of its cost)."""
        parts = []
        for name, weight in node.weights.items():
            ids, tf = self.reader.postings(name, node.text)
            if ids.size:
                lengths, mean = self.reader.lengths(name)
                parts.append((ids, self.bm25.pseudo_frequency(tf, lengths[ids], mean, weight)))
        result = self.empty()
        if not parts:
            return result
        if len(parts) == 1:
            ids, pseudo = parts[0]
        else:  # sum the fields' weighted frequencies in a zeroed buffer, then zero it again
            buffer = self._buffer()
            for field_ids, values in parts:
                buffer[field_ids] += values
                result.mask[field_ids] = True
            ids = np.flatnonzero(result.mask)
            pseudo = buffer[ids]
            buffer[ids] = 0.0
        result.mask[ids] = True
        idf = self.bm25.idf(self._live_count(ids), self.documents)
        result.scores[ids] = self.bm25.saturate(pseudo, node.boost * idf)
        return result

    def _buffer(self) -> np.ndarray:
        """A zeroed float32 array over every document, one per thread, left zeroed by
        whoever uses it."""
        buffer = getattr(self._scratch, "buffer", None)
        if buffer is None:
            buffer = self._scratch.buffer = np.zeros(self.size, dtype=np.float32)
        return buffer

    # -- combinations ---------------------------------------------------------------------

    def _best_of(self, children: list[Matches], tiebreak: float) -> Matches:
        if not children:
            return self.empty()
        stacked = np.stack([c.scores for c in children])
        best = stacked.max(axis=0)
        if tiebreak:
            best = best + tiebreak * (stacked.sum(axis=0) - best)
        return Matches(best, np.logical_or.reduce([c.mask for c in children]))

    def _readings(self, node: n.Readings) -> Matches:
        """The best reading of a word, the word as typed first (see `nodes.Readings`)."""
        typed = self._best_of([self.evaluate(c) for c in node.typed], 0.0)
        scores, seen = typed.scores.copy(), typed.mask.copy()
        for reading in node.others:
            other = self.evaluate(reading)
            holding = other.mask & typed.mask  # the typed word is there: any reading counts
            scores[holding] = np.maximum(scores[holding], other.scores[holding])
            new = other.mask & ~seen
            if new.any() and seen.any():
                ceiling = _kth_largest(scores[seen], TYPED_FIRST_DEPTH) * TYPED_FIRST
                highest = float(other.scores[new].max())
                factor = min(1.0, ceiling / highest) if highest > 0 else 1.0
                scores[new] = other.scores[new] * np.float32(factor)
            else:
                scores[new] = other.scores[new]
            seen |= other.mask
        return Matches(scores, seen)

    def _union(self, children: list[Matches], boost: float) -> Matches:
        if not children:
            return self.empty()
        scores = children[0].scores.copy()
        mask = children[0].mask.copy()
        for child in children[1:]:
            scores += child.scores
            mask |= child.mask
        if boost != 1.0:
            scores *= boost
        return Matches(scores, mask)

    def _days(self, node: n.DayRange) -> Matches:
        """Dated documents within the range (the ``day`` column is 0 for undated ones)."""
        days = self.reader.numbers("day")
        mask = days > 0
        if node.first is not None:
            mask &= days >= node.first
        if node.last is not None:
            mask &= days <= node.last
        return Matches(np.zeros(self.size, dtype=np.float32), mask)

    def _value_is(self, node: n.ValueIs) -> Matches:
        """Documents whose column value, folded, is the node's value."""
        codes, values = self.reader.column(node.field)
        wanted = [i for i, value in enumerate(values) if value and folded(value) == node.value]
        mask = np.isin(codes, wanted) if wanted else np.zeros(self.size, dtype=bool)
        return Matches(np.zeros(self.size, dtype=np.float32), mask)

    # -- positions ------------------------------------------------------------------------

    def _phrase(self, node: n.Phrase) -> Matches:
        """Documents holding the words one after another, scored as the sum of the words'
        BM25 in the field.

        The documents holding every word come from the posting arrays, positions are read
        for those documents only, as arrays, and matched as (document, start) keys.
        """
        field, words = node.field, node.words
        result = self.empty()
        if not self.reader.has_positions(field):
            raise ValueError(f"field {field!r} records no positions for a phrase")
        lists = [self.reader.postings(field, word)[0] for word in words]
        if any(ids.size == 0 for ids in lists):
            return result
        candidates = lists[0]
        for ids in sorted(lists[1:], key=len):
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
            if candidates.size == 0:
                return result
        found = {word: self.reader.occurrences(field, word, candidates) for word in set(words)}
        documents = _in_order(words, found, node.slop)
        if documents.size == 0:
            return result
        scores = sum(self.term_scores(field, word, 1.0, documents) for word in words)
        result.scores[documents] = node.boost * scores
        result.mask[documents] = True
        return result

    def proximity(
        self, documents: np.ndarray, field: str, pairs: list[tuple[str, str]], slop: int
    ) -> np.ndarray:
        """For each document, the summed idf of word pairs found in order within ``slop``:
        the second word 1 to slop + 1 positions after the first, found as shared
        (document, position) keys."""
        bonus = np.zeros(documents.size, dtype=np.float32)
        if documents.size == 0:
            return bonus
        ordered = np.sort(documents)
        keys: dict[str, np.ndarray] = {}
        for first, second in pairs:
            for word in (first, second):
                if word not in keys:
                    docs, positions = self.reader.occurrences(field, word, ordered)
                    keys[word] = (docs << 32) | positions
            before, after = keys[first], keys[second]
            if before.size == 0 or after.size == 0:
                continue
            found = [np.intersect1d(before + gap, after) for gap in range(1, slop + 2)]
            near = np.unique(np.concatenate(found) >> 32)
            if near.size:
                weight = (self.idf(field, first) + self.idf(field, second)) / 2
                bonus[np.isin(documents, near)] += weight
        return bonus


_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def engine_for(reader: Reader) -> Engine:
    """The reader's engine, made once per reader (its scratch buffers are per reader)."""
    found = _ENGINES.get(reader)
    if found is None:
        found = _ENGINES[reader] = Engine(reader)
    return found


def _in_order(words, found: dict, slop: int) -> np.ndarray:
    """Documents where the words occur one after another, each at most ``slop`` words after
    the one before it (right after it when 0): (document, position) keys of one word, moved
    on by 1 to slop + 1, must meet a key of the next word; the keys met are carried on."""
    docs, positions = found[words[0]]
    reached = (docs << 32) | (positions + _PHRASE_SHIFT)
    for word in words[1:]:
        docs, positions = found[word]
        keys = (docs << 32) | (positions + _PHRASE_SHIFT)
        steps = [np.intersect1d(reached + gap, keys) for gap in range(1, slop + 2)]
        reached = steps[0] if len(steps) == 1 else np.unique(np.concatenate(steps))
        if reached.size == 0:
            break
    return np.unique(reached >> 32)


def _kth_largest(values: np.ndarray, k: int) -> float:
    """The k-th largest value (the smallest, when there are fewer than k)."""
    if values.size <= k:
        return float(values.min())
    return float(np.partition(values, values.size - k)[values.size - k])


def top(matches: Matches, limit: int, order: np.ndarray | None = None) -> np.ndarray:
    """Document numbers of the best ``limit`` matches: by score, or by ``order`` then score."""
    candidates = np.flatnonzero(matches.mask)
    if candidates.size == 0 or limit <= 0:
        return candidates[:0]
    scores = matches.scores[candidates]
    if order is None:
        if candidates.size > limit:
            keep = np.argpartition(-scores, limit - 1)[:limit]
            candidates, scores = candidates[keep], scores[keep]
        ranking = np.lexsort((candidates, -scores))
        return candidates[ranking][:limit]
    ranking = np.lexsort((candidates, -scores, -order[candidates]))
    return candidates[ranking][:limit]
