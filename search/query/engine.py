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
from ..store import ByteLRU, Reader
from . import nodes as n
from .bm25 import BM25F

try:
    from ._merge import fielded_scores, merge_readings, sum_dense
except ImportError:  # not compiled (a checkout never installed): numpy does the same
    fielded_scores = merge_readings = sum_dense = None
MAX_KERNEL_FIELDS = 16  # `fielded_scores` scores a term over at most this many fields

_PHRASE_SHIFT = 1 << 16  # keeps position - offset positive inside a phrase key
# A document found only through another reading of a word scores at most this share of the
# TYPED_FIRST_DEPTH-th best score of the documents found through the readings before it
# (the word as typed first; docs/relevance.md, "Precision").
TYPED_FIRST = 0.99
TYPED_FIRST_DEPTH = 10  # of the best this many of them: a page of results
TOP_SAMPLE = 64  # scores sampled per result asked for, to find the floor of the best (top)


@dataclass
class Matches:
    """What a query node found, over the documents it touched only: ``ids`` (ascending) are
    the documents with a score or a match, ``scores`` and ``mask`` (whether it matches) are
    theirs, aligned. A document outside ``ids`` scores 0 and does not match.

    A node's scores cover more than its matches where a combination says so (an AllOf sums
    its children's scores for every document any of them found, and matches only where all
    did), exactly as one score per document of the whole index would.
    """

    ids: np.ndarray  # int64, ascending, unique
    scores: np.ndarray  # float32
    mask: np.ndarray  # bool

    @property
    def total(self) -> int:
        return int(np.count_nonzero(self.mask))

    def matching(self) -> np.ndarray:
        """The matching document numbers, ascending."""
        return self.ids[self.mask]

    def score(self, number: int) -> float:
        """One document's score (0 where the node did not touch it)."""
        where = int(self.ids.searchsorted(number))
        if where < self.ids.size and self.ids[where] == number:
            return float(self.scores[where])
        return 0.0

    def keep(self, allowed: np.ndarray) -> None:
        """Match only where ``allowed`` (one bool per document of the index) holds."""
        if self.ids.size:
            self.mask &= allowed[self.ids]

    def exclude(self, number: int) -> None:
        where = int(self.ids.searchsorted(number))
        if where < self.ids.size and self.ids[where] == number:
            self.mask[where] = False

    def add_to(self, numbers: np.ndarray, values: np.ndarray) -> None:
        """Add ``values`` to the scores of ``numbers`` (documents among ``ids``)."""
        self.scores[self.ids.searchsorted(numbers)] += values


EMPTY_IDS = np.empty(0, dtype=np.int64)
# Above this share of the index, the documents of several lists are found by marking a
# per-thread array of flags rather than by sorting the lists together.
DENSE_UNION_SHARE = 1 / 32
# Lists that hold together at most this share of the largest one's documents are merged
# into it by binary search (a title's postings into the body's) rather than flags or sorting.
SMALL_LISTS_SHARE = 8
# Scored posting lists of FieldedTerms (`Engine._impacts`) kept per reader: documents and
# BM25F score at boost 1, 8 bytes a document, and each entry's overhead (`search.store.lru`):
# 84 MB holds about 80 MB of arrays. On the HTTP mix of 70k articles 72 MB (about 65 of
# arrays) was 6% slower (six alternated pairs of 4,000 of bench/http_load.py's queries).
IMPACTS_CACHE_BYTES = 84 * 1024 * 1024


class Engine:
    """Scores compiled queries against one reader; `engine_for` keeps one per reader.

    Every node is computed on the postings it reads: a term's documents and scores come
    from its posting list, and a combination aligns its children's lists on the union or
    the intersection of their documents. Only filters over a column (a date range, a
    source) look at every document.
    """

    def __init__(self, reader: Reader, bm25: BM25F | None = None):
        self.reader = reader
        self.bm25 = bm25 or BM25F()
        self.size = reader.size
        self.live = reader.live
        self._live_bytes = self.live.view(np.uint8)  # the compiled passes read bytes
        self.documents = reader.documents
        self._scratch = threading.local()
        self._impacts_kept = ByteLRU(IMPACTS_CACHE_BYTES)

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, node: n.Node) -> Matches:
        """Scores and matches of a compiled query."""
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
            return self._all_of([self.evaluate(child) for child in node.children], node.boost)
        if isinstance(node, n.AndMaybe):
            required, optional = self.evaluate(node.required), self.evaluate(node.optional)
            ids, (at_required, at_optional) = self._aligned([required, optional])
            scores = np.zeros(ids.size, dtype=np.float32)
            scores[at_required] = required.scores
            scores[at_optional] += optional.scores
            mask = np.zeros(ids.size, dtype=bool)
            mask[at_required] = required.mask
            return Matches(ids, scores, mask)
        if isinstance(node, n.AndNot):
            positive = self.evaluate(node.positive)
            negative = self.evaluate(node.negative)
            excluded = _member(positive.ids, negative.matching())
            return Matches(positive.ids, positive.scores, positive.mask & ~excluded)
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
        """Which documents match, one bool per document of the index (filters)."""
        allowed = np.zeros(self.size, dtype=bool)
        allowed[self.evaluate(node).matching()] = True
        return allowed

    def empty(self) -> Matches:
        return _found(EMPTY_IDS, np.empty(0, dtype=np.float32))

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
        where = ids.searchsorted(documents)
        hit = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == documents)
        lengths, mean = self.reader.lengths(field)
        scale = boost * self.idf(field, text)
        found[hit] = self.bm25.term(tf[where[hit]], lengths[documents[hit]], mean, scale)
        return found

    def _term(self, term: n.Term) -> Matches:
        ids, tf = self.reader.postings(term.field, term.text)
        if ids.size == 0:
            return self.empty()
        idf = self.bm25.idf(self._live_count(ids), self.documents)
        lengths, mean = self.reader.lengths(term.field)
        return _found(ids, self.bm25.term(tf, lengths[ids], mean, term.boost * idf))

    def _fielded(self, node: n.FieldedTerm) -> Matches:
        """BM25F of one term: its fields' weighted frequencies summed on its postings."""
        ids, impacts = self._impacts(node.text, node.weights)
        if ids.size == 0:
            return self.empty()
        return _found(ids, impacts * np.float32(node.boost))

    def _impacts(self, text: str, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """A term's BM25F score at boost 1 in each document that holds it, in any of the
        fields: a function of the reader alone, so each is computed once and kept (an LRU
        of IMPACTS_CACHE_BYTES) instead of again for every query that reads the word, the
        way Lucene's impacts are precomputed per posting. A boost only scales it."""
        key = (text, *weights.items())
        ids, scores = self._impacts_kept.get(key, lambda: self._score_fielded(text, weights))
        return ids.astype(np.int64), scores

    def _score_fielded(self, text: str, weights: dict[str, float]):
        parts = []
        for name, weight in weights.items():
            ids, tf = self.reader.postings(name, text, keep=False)
            if ids.size:
                lengths, mean = self.reader.lengths(name)
                parts.append((ids, tf, lengths, mean, weight))
        if not parts:
            return EMPTY_IDS, np.empty(0, dtype=np.float32)
        if fielded_scores is not None and len(parts) <= MAX_KERNEL_FIELDS:
            ids, scores = fielded_scores(
                parts, self._live_bytes, self.documents, self.bm25.k1, self.bm25.b
            )
        else:
            ids, scores = self._fielded_numpy(parts)
        scores.flags.writeable = False  # shared by every query that reads the word
        return ids, scores  # kept as int32: two thirds of the bytes

    def _fielded_numpy(self, parts: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """`_score_fielded`'s arithmetic by numpy, where `fielded_scores` is not compiled
        (and its oracle in the tests)."""
        shares = [
            (ids, self.bm25.pseudo_frequency(tf, lengths[ids], mean, weight))
            for ids, tf, lengths, mean, weight in parts
        ]
        if len(shares) == 1:
            ids, pseudo = shares[0]
        else:
            ids, places = self._union_ids([field_ids for field_ids, _ in shares])
            pseudo = np.zeros(ids.size, dtype=np.float32)
            for (_, values), at in zip(shares, places, strict=True):
                pseudo[at] += values
        idf = self.bm25.idf(self._live_count(ids), self.documents)
        scores = self.bm25.saturate(pseudo, idf).astype(np.float32, copy=False)
        return ids.astype(np.int32), scores

    # -- combinations ---------------------------------------------------------------------

    def _union_ids(self, lists: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The union of ascending id lists, and where each list's ids sit in it."""
        if len(lists) == 1:
            return lists[0], [np.arange(lists[0].size)]
        at = max(range(len(lists)), key=lambda i: lists[i].size)
        total = sum(ids.size for ids in lists)
        if (total - lists[at].size) * SMALL_LISTS_SHARE <= lists[at].size:
            return _union_into(at, lists)
        flags, slots = self._scratch_arrays()
        if total > self.size * DENSE_UNION_SHARE:
            for ids in lists:
                flags[ids] = True
            union = flags.nonzero()[0]
            flags[union] = False
        else:
            union = _distinct(np.concatenate(lists))
        slots[union] = np.arange(union.size, dtype=np.int32)  # where each document sits
        return union, [slots[ids] for ids in lists]

    def _aligned(self, children: list[Matches]) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._union_ids([child.ids for child in children])

    def _scratch_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Two arrays over every document, one pair per thread: flags, left cleared by
        whoever sets them, and slots, read only where just written."""
        found = getattr(self._scratch, "arrays", None)
        if found is None:
            found = self._scratch.arrays = (
                np.zeros(self.size, dtype=bool),
                np.zeros(self.size, dtype=np.int32),
            )
        return found

    def _kernel_scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """The compiled merges' scratch arrays (`search.query._merge`), one pair per thread:
        a flag byte and a score per document, zero between calls."""
        found = getattr(self._scratch, "kernel", None)
        if found is None:
            found = self._scratch.kernel = (
                np.zeros(self.size, dtype=np.uint8),
                np.zeros(self.size, dtype=np.float32),
            )
        return found

    def _best_of(self, children: list[Matches], tiebreak: float) -> Matches:
        if not children:
            return self.empty()
        if len(children) == 1:  # a word with one stem: its own matches
            return children[0]
        ids, places = self._aligned(children)
        best = np.zeros(ids.size, dtype=np.float32)
        mask = np.zeros(ids.size, dtype=bool)
        total = np.zeros(ids.size, dtype=np.float32) if tiebreak else None
        for child, at in zip(children, places, strict=True):
            best[at] = np.maximum(best[at], child.scores)
            mask[at] |= child.mask
            if total is not None:
                total[at] += child.scores
        if total is not None:
            best = best + tiebreak * (total - best)
        return Matches(ids, best, mask)

    def _readings(self, node: n.Readings) -> Matches:
        """The best reading of a word, the word as typed first (see `nodes.Readings`).

        Each reading is merged on its own documents only (its places in the union): most
        readings after the typed word are rare, and the word's union can be large."""
        typed = self._best_of([self.evaluate(c) for c in node.typed], 0.0)
        others = [self.evaluate(reading) for reading in node.others]
        if not others:
            return typed
        if merge_readings is not None:
            flags, values = self._kernel_scratch()
            merged = merge_readings(
                *_lists(typed),
                [_lists(other) for other in others],
                TYPED_FIRST_DEPTH,
                TYPED_FIRST,
                flags,
                values,
            )
            return Matches(*merged)
        return self._merged_readings(typed, others)

    def _merged_readings(self, typed: Matches, others: list[Matches]) -> Matches:
        """`_readings` by numpy, where `merge_readings` is not compiled (and its oracle in
        the tests)."""
        ids, places = self._aligned([typed, *others])
        scores = np.zeros(ids.size, dtype=np.float32)
        typed_mask = np.zeros(ids.size, dtype=bool)
        scores[places[0]] = typed.scores
        typed_mask[places[0]] = typed.mask
        seen = typed_mask.copy()
        any_seen = bool(typed.mask.any())
        # The ceiling's k-th best score is looked for among the k best places of the last
        # look and the places changed since (scores only rise and places only join, so no
        # other place can enter the k best), not among every place seen.
        best: np.ndarray | None = None
        changed: list[np.ndarray] = []
        for other, at in zip(others, places[1:], strict=True):
            if not at.size:
                continue
            if other.mask.all():  # a term's reading: every document it holds matches
                found, found_scores = at, other.scores
            else:
                found, found_scores = at[other.mask], other.scores[other.mask]
            holding = typed_mask[found]  # the typed word is there: any reading counts
            held = found[holding]
            scores[held] = np.maximum(scores[held], found_scores[holding])
            fresh = ~seen[found]
            new, new_scores = found[fresh], found_scores[fresh]
            if new.size and any_seen:
                pool = (
                    np.flatnonzero(seen)
                    if best is None
                    else _distinct(np.concatenate([best, held, *changed]))
                )
                kth, best = _kth_best(scores, pool, TYPED_FIRST_DEPTH)
                changed = []
                ceiling = kth * TYPED_FIRST
                highest = float(new_scores.max())
                factor = min(1.0, ceiling / highest) if highest > 0 else 1.0
                scores[new] = new_scores * np.float32(factor)
            else:
                scores[new] = new_scores
                if best is not None:
                    changed.append(held)
            if best is not None:
                changed.append(new)
            seen[found] = True
            any_seen = any_seen or bool(found.size)
        return Matches(ids, scores, seen)

    def _union(self, children: list[Matches], boost: float) -> Matches:
        if not children:
            return self.empty()
        if len(children) == 1:
            only = children[0]
            scores = only.scores * np.float32(boost) if boost != 1.0 else only.scores
            return Matches(only.ids, scores, only.mask)
        sizes = [child.ids.size for child in children]
        total, largest = sum(sizes), max(sizes)
        if (
            total > self.size * DENSE_UNION_SHARE
            and (total - largest) * SMALL_LISTS_SHARE > largest
        ):
            ids, scores, mask = self._dense_union(children)
        else:
            ids, places = self._aligned(children)
            scores = np.zeros(ids.size, dtype=np.float32)
            mask = np.zeros(ids.size, dtype=bool)
            for child, at in zip(children, places, strict=True):
                scores[at] += child.scores
                mask[at] |= child.mask
        if boost != 1.0:
            scores *= boost
        return Matches(ids, scores, mask)

    def _dense_union(self, children: list[Matches]) -> tuple[np.ndarray, ...]:
        """Union of large lists, summed straight into arrays over every document (one per
        thread, left cleared): no list's places in the union are computed, and the sums
        are added in the children's order, as the aligned sum adds them."""
        if sum_dense is not None:
            flags, values = self._kernel_scratch()
            return sum_dense([_lists(child) for child in children], flags, values)
        return self._summed_dense(children)

    def _summed_dense(self, children: list[Matches]) -> tuple[np.ndarray, ...]:
        """`_dense_union` by numpy, where `sum_dense` is not compiled (and its oracle in
        the tests)."""
        found = getattr(self._scratch, "dense", None)
        if found is None:
            found = self._scratch.dense = (
                np.zeros(self.size, dtype=np.float32),
                np.zeros(self.size, dtype=bool),
                np.zeros(self.size, dtype=bool),
            )
        sums, matched, touched = found
        whole = [bool(child.mask.all()) for child in children]  # a term's: all match
        every_one_matches = all(whole)
        for child, all_match in zip(children, whole, strict=True):
            sums[child.ids] += child.scores  # a child's ids are unique
            touched[child.ids] = True
            if not every_one_matches:
                matched[child.ids if all_match else child.ids[child.mask]] = True
        ids = touched.nonzero()[0]
        scores = sums[ids]
        mask = np.ones(ids.size, dtype=bool) if every_one_matches else matched[ids]
        if ids.size * 4 > self.size:  # most of the arrays written: clear them whole
            sums.fill(0)
            touched.fill(False)
            matched.fill(False)
        else:
            sums[ids], matched[ids], touched[ids] = 0, False, False
        return ids, scores, mask

    def _all_of(self, children: list[Matches], boost: float) -> Matches:
        """Matches where every child matches; scores summed wherever any child scored."""
        if not children:
            return self.empty()
        ids, places = self._aligned(children)
        scores = np.zeros(ids.size, dtype=np.float32)
        mask = np.ones(ids.size, dtype=bool)
        for child, at in zip(children, places, strict=True):
            scores[at] += child.scores
            matched = np.zeros(ids.size, dtype=bool)
            matched[at] = child.mask
            mask &= matched
        return Matches(ids, scores * boost, mask)

    def _days(self, node: n.DayRange) -> Matches:
        """Dated documents within the range (the ``day`` column is 0 for undated ones)."""
        days = self.reader.numbers("day")
        mask = days > 0
        if node.first is not None:
            mask &= days >= node.first
        if node.last is not None:
            mask &= days <= node.last
        return _filtered(np.flatnonzero(mask))

    def _value_is(self, node: n.ValueIs) -> Matches:
        """Documents holding a value that, folded, is one of the node's (or none, negated):
        a test per distinct value, then one array pass over (document, value) pairs."""
        docs, codes, values = self.reader.values(node.field)
        chosen = set(node.values)
        wanted = [i for i, value in enumerate(values) if value and folded(value) in chosen]
        mask = np.zeros(self.size, dtype=bool)
        if wanted:
            mask[docs[np.isin(codes, wanted)]] = True
        if node.negate:
            mask = ~mask
        return _filtered(np.flatnonzero(mask))

    # -- positions ------------------------------------------------------------------------

    def _phrase(self, node: n.Phrase) -> Matches:
        """Documents holding the words one after another, scored as the sum of the words'
        BM25 in the field.

        The documents holding every word come from the posting arrays, positions are read
        for those documents only, as arrays, and matched as (document, start) keys.
        """
        field, words = node.field, node.words
        if not self.reader.has_positions(field):
            raise ValueError(f"field {field!r} records no positions for a phrase")
        lists = [self.reader.postings(field, word)[0] for word in words]
        if any(ids.size == 0 for ids in lists):
            return self.empty()
        candidates = lists[0]
        for ids in sorted(lists[1:], key=len):
            candidates = _common(candidates, ids)
            if candidates.size == 0:
                return self.empty()
        found = {word: self.reader.occurrences(field, word, candidates) for word in set(words)}
        documents = _in_order(words, found, node.slop)
        if documents.size == 0:
            return self.empty()
        scores = sum(self.term_scores(field, word, 1.0, documents) for word in words)
        return _found(documents, (node.boost * scores).astype(np.float32))

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
            # keys ascend: the first occurrence of the second word after each of the first
            # is found by one binary search, and is near when within slop + 1 positions
            where = after.searchsorted(before, side="right")
            inside = where < after.size
            near_after = np.zeros(before.size, dtype=bool)
            near_after[inside] = after[where[inside]] - before[inside] <= slop + 1
            if near_after.any():
                near = before[near_after] >> 32
                weight = (self.idf(field, first) + self.idf(field, second)) / 2
                bonus[_member(documents, near)] += weight
        return bonus


_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def engine_for(reader: Reader) -> Engine:
    """The reader's engine, made once per reader (its scratch buffers are per reader)."""
    found = _ENGINES.get(reader)
    if found is None:
        found = _ENGINES[reader] = Engine(reader)
    return found


def _lists(matches: Matches) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A node's matches as the compiled merges read them: contiguous int64 ids, float32
    scores and the mask as bytes."""
    return (
        np.ascontiguousarray(matches.ids, dtype=np.int64),
        np.ascontiguousarray(matches.scores, dtype=np.float32),
        np.ascontiguousarray(matches.mask).view(np.uint8),
    )


def _found(ids: np.ndarray, scores: np.ndarray) -> Matches:
    """Matches of documents that all match (a term's, a phrase's)."""
    return Matches(ids, scores.astype(np.float32, copy=False), np.ones(ids.size, dtype=bool))


def _filtered(ids: np.ndarray) -> Matches:
    """Matches of a filter: documents that match with no score."""
    return Matches(ids, np.zeros(ids.size, dtype=np.float32), np.ones(ids.size, dtype=bool))


def _union_into(at: int, lists: list[np.ndarray]):
    """`Engine._union_ids` of lists much smaller than ``lists[at]``: the documents it lacks
    are found by binary search and inserted, so the work grows with the small lists, not
    with the large one."""
    largest = lists[at]
    small = [ids for i, ids in enumerate(lists) if i != at]
    others = small[0] if len(small) == 1 else np.concatenate(small)
    new = others[~_member(others, largest)] if others.size else others
    if new.size == 0:
        union, largest_places = largest, np.arange(largest.size)
    else:
        union, largest_places = _inserted(largest, _distinct(new))
    places = [largest_places if i == at else union.searchsorted(ids) for i, ids in enumerate(lists)]
    return union, places


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-d integer array in four array calls: sorted in place (the
    array is the caller's own, just made), then each value kept where it differs from the
    one before. np.unique's own checks and wrappers cost more than the sort on the few
    thousand documents of a word's readings.

    >>> _distinct(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    """
    values.sort()
    return _without_repeats(values)


def _without_repeats(values: np.ndarray) -> np.ndarray:
    """An ascending array with each value once: kept where it differs from the one before.

    >>> _without_repeats(np.array([1, 1, 3, 5, 5])).tolist()
    [1, 3, 5]
    """
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _inserted(ids: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` (ascending) with ``new`` (ascending, none among them) inserted in order, as
    ``np.insert(ids, ids.searchsorted(new), new)`` makes it without its Python-level argument
    handling, and where each of ``ids`` went (no binary search of the large list again)."""
    at = ids.searchsorted(new) + np.arange(new.size)
    union = np.empty(ids.size + new.size, dtype=ids.dtype)
    union[at] = new
    kept = np.ones(union.size, dtype=bool)
    kept[at] = False
    union[kept] = ids
    return union, kept.nonzero()[0]


def _member(ids: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether it is among ``others`` (ascending; ``ids`` in any
    order)."""
    if not others.size or not ids.size:
        return np.zeros(ids.size, dtype=bool)
    where = np.minimum(others.searchsorted(ids), others.size - 1)
    return others[where] == ids


def _in_order(words, found: dict, slop: int) -> np.ndarray:
    """Documents where the words occur one after another, each at most ``slop`` words after
    the one before it (right after it when 0): (document, position) keys of one word, moved
    on by 1 to slop + 1, must meet a key of the next word; the keys met are carried on."""
    docs, positions = found[words[0]]
    reached = (docs << 32) | (positions + _PHRASE_SHIFT)
    for word in words[1:]:
        docs, positions = found[word]
        keys = (docs << 32) | (positions + _PHRASE_SHIFT)
        steps = [_common(reached + gap, keys) for gap in range(1, slop + 2)]
        reached = steps[0] if len(steps) == 1 else _distinct(np.concatenate(steps))
        if reached.size == 0:
            break
    return _without_repeats(reached >> 32)  # ascending, as the keys are


def _common(ids: np.ndarray, others: np.ndarray) -> np.ndarray:
    """The values two ascending arrays of distinct values share, ascending: what
    ``np.intersect1d`` gives them, by a binary search of the larger for each value of the
    smaller instead of a sort of both (a phrase's keys of a common word are a million).

    >>> _common(np.array([1, 4, 6, 9]), np.array([0, 4, 5, 9, 12])).tolist()
    [4, 9]
    """
    if ids.size > others.size:
        ids, others = others, ids
    return ids[_member(ids, others)]


def _kth_best(scores: np.ndarray, places: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    """The k-th largest of ``scores[places]`` (the smallest, when there are fewer than k),
    and the places holding it or more (all of them, when there are fewer than k).

    >>> kth, best = _kth_best(np.array([5.0, 1.0, 4.0, 3.0]), np.array([0, 1, 2, 3]), 2)
    >>> kth, sorted(best.tolist())
    (4.0, [0, 2])
    """
    values = scores[places]
    if values.size <= k:
        return float(values.min()), places
    kth, at_least = _kth_floor(values, k)
    return float(kth), places[at_least]


def _kth_floor(values: np.ndarray, k: int) -> tuple[np.floating, np.ndarray]:
    """The k-th largest of more than k values, and the places of the values at or above it.

    The k-th largest of a part of the values is no higher than the whole's, so it is looked
    for first in a sample (every stride-th value, TOP_SAMPLE per place asked for), and only
    the values at or above the sample's are partitioned: a few per hundred of a question's
    20,000 matches, where an argpartition of them all cost more than its words.

    >>> kth, places = _kth_floor(np.array([1.0, 3.0, 2.0, 3.0, 0.5]), 2)
    >>> float(kth), places.tolist()
    (3.0, [1, 3])
    """
    places = None
    stride = values.size // (k * TOP_SAMPLE)
    if stride >= 2:
        sample = values[::stride]
        places = np.flatnonzero(values >= np.partition(sample, sample.size - k)[sample.size - k])
        values = values[places]
    kth = np.partition(values, values.size - k)[values.size - k]
    at_least = np.flatnonzero(values >= kth)
    return kth, at_least if places is None else places[at_least]


def _best_places(scores: np.ndarray, limit: int) -> np.ndarray:
    """The places of the ``limit`` best of more than ``limit`` scores, the first places
    winning ties at the last score kept (the caller's documents are ascending, so the
    lowest document numbers).

    >>> _best_places(np.array([1.0, 3.0, 2.0, 3.0, 0.5], dtype=np.float32), 2).tolist()
    [1, 3]
    >>> _best_places(np.array([2.0, 1.0, 2.0, 2.0], dtype=np.float32), 2).tolist()
    [0, 2]
    """
    kth, candidates = _kth_floor(scores, limit)
    kept = scores[candidates]
    above = candidates[kept > kth]
    return np.concatenate((above, candidates[kept == kth][: limit - above.size]))


def top(matches: Matches, limit: int, order: np.ndarray | None = None) -> np.ndarray:
    """Document numbers of the best ``limit`` matches: by score, or by ``order`` then score."""
    candidates = matches.matching()
    if candidates.size == 0 or limit <= 0:
        return candidates[:0]
    scores = matches.scores[matches.mask]
    if order is None:
        if candidates.size > limit:
            keep = _best_places(scores, limit)
            candidates, scores = candidates[keep], scores[keep]
        ranking = np.lexsort((candidates, -scores))
        return candidates[ranking][:limit]
    ranking = np.lexsort((candidates, -scores, -order[candidates]))
    return candidates[ranking][:limit]
