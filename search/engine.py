"""Vectorised BM25 over Whoosh's postings: the fast path for ranked search.

Whoosh's matchers walk a union of posting lists one document at a time in Python; a question
expanded to exact forms, stems and variants is a union of fifty lists, and on 70,000 articles
that walk took over a second (profile in docs/performance.md). Here each posting list is read
block by block from the same Whoosh index into numpy arrays (cached per searcher), scored with
BM25 in one vector operation, and summed; top-k, totals and facet counts are array operations.

The query tree is the one `query.Compiler` builds. Terms, Or, And, AndMaybe, AndNot and
phrases are evaluated here (phrases on positions read as arrays, `search.codec`); anything
else (ranges, phrases with a slop) is asked of Whoosh's own matcher, so every query the
language can express still works, only faster where it matters.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

K1 = 1.0  # BM25 term-frequency saturation (measured in docs/relevance.md)
B = 0.75  # BM25 length normalisation
POSTINGS_CACHE_BYTES = 64 * 1024 * 1024  # decoded posting lists kept per worker
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


class FieldedTerm(wq.Or):
    """One term looked up in several fields and scored as BM25F.

    Each field's frequency is weighted and length-normalised, and the sum saturates once:
    a word in both title and body counts for more than in one, but not twice as much (the
    same words in a news headline and its lead would otherwise swamp a question's ranking;
    docs/relevance.md). Whoosh itself can still run it, as a plain Or of the terms.
    """

    def __init__(self, text: str, weights: dict[str, float], boost: float = 1.0):
        super().__init__([wq.Term(name, text, boost=w) for name, w in weights.items()], boost)
        self.text = text
        self.weights = dict(weights)


@dataclass
class Matches:
    """Scores and the set of matching documents, over every document number."""

    scores: np.ndarray  # float32
    mask: np.ndarray  # bool

    @property
    def total(self) -> int:
        return int(self.mask.sum())


class Catalog:
    """Per-searcher arrays: document lengths, liveness, facet columns, decoded postings."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.leaves = self.reader.leaf_readers()
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)  # whoosh3: a property
                self.live[offset + deleted] = False
        self.documents = int(self.live.sum())
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._columns: dict[str, tuple[np.ndarray, list]] = {}
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached_bytes = 0
        self._scratch = threading.local()

    # -- per-document arrays ------------------------------------------------------------

    def lengths(self, field: str) -> tuple[np.ndarray, float]:
        """Each document's length in ``field`` and the mean over live documents."""
        if field not in self._lengths:
            lengths = np.zeros(self.size, dtype=np.float32)
            for leaf, offset in self.leaves:
                lengths[offset : offset + leaf.doc_count_all()] = _leaf_lengths(leaf, field)
            live = lengths[self.live]
            mean = float(live.mean()) if live.size and live.mean() > 0 else 1.0
            self._lengths[field] = (lengths, mean)
        return self._lengths[field]

    def column(self, field: str) -> tuple[np.ndarray, list]:
        """A sortable column as (codes per document, distinct values)."""
        if field not in self._columns:
            values = self._column_values(field, "")
            distinct, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
            self._columns[field] = (codes.astype(np.int64), list(distinct))
        return self._columns[field]

    def numbers(self, field: str) -> np.ndarray:
        """A numeric column as an array (for sorting)."""
        key = f"#{field}"
        if key not in self._columns:
            values = np.array(self._column_values(field, 0), dtype=np.int64)
            self._columns[key] = (values, [])
        return self._columns[key][0]

    def _column_values(self, field: str, missing: object) -> list:
        """One value per document, segment by segment: a segment written without any value
        for the field (say, one undated article added over HTTP) has no column at all."""
        values: list = []
        for leaf, _ in self.leaves:
            if leaf.has_column(field):
                values.extend(leaf.column_reader(field))
            else:
                values.extend([missing] * leaf.doc_count_all())
        return values

    # -- postings -----------------------------------------------------------------------

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and term frequencies of one term (empty arrays if absent)."""
        key = (field, text)
        cached = self._postings.get(key)
        if cached is not None:
            self._postings.move_to_end(key)
            return cached
        parts_ids, parts_tf = [], []
        for leaf, offset in self.leaves:
            if (field, text) not in leaf:
                continue
            ids, tf = _leaf_postings(leaf.postings(field, text))
            parts_ids.append(ids + offset)
            parts_tf.append(tf)
        if parts_ids:
            ids = np.concatenate(parts_ids)
            tf = np.concatenate(parts_tf)
        else:
            ids = np.empty(0, dtype=np.int64)
            tf = np.empty(0, dtype=np.float32)
        self._remember(key, (ids, tf))
        return ids, tf

    def _remember(self, key, value) -> None:
        size = value[0].nbytes + value[1].nbytes
        self._postings[key] = value
        self._cached_bytes += size
        while self._cached_bytes > POSTINGS_CACHE_BYTES and len(self._postings) > 1:
            _, (old_ids, old_tf) = self._postings.popitem(last=False)
            self._cached_bytes -= old_ids.nbytes + old_tf.nbytes

    def occurrences(
        self, field: str, text: str, documents: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every occurrence of one term in ``documents`` (sorted): document numbers and word
        positions, in document then position order."""
        docs, positions = [], []
        for leaf, offset in self.leaves:
            if (field, text) not in leaf:
                continue
            local = documents[(documents >= offset) & (documents < offset + leaf.doc_count_all())]
            if local.size == 0:
                continue
            matcher = leaf.postings(field, text)
            leaf_docs, leaf_positions = _leaf_occurrences(matcher, local - offset)
            docs.append(leaf_docs + offset)
            positions.append(leaf_positions)
        if not docs:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(docs), np.concatenate(positions)

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
                    docs, positions = self.occurrences(field, word, ordered)
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

    def idf(self, field: str, text: str) -> float:
        ids, _ = self.postings(field, text)
        df = int(np.count_nonzero(self.live[ids])) if ids.size else 0
        return math.log(1.0 + (self.documents - df + 0.5) / (df + 0.5))

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, node: wq.Query) -> Matches:
        """Scores and matches of a compiled query over every document."""
        if isinstance(node, wq.Term):
            return self._term(node)
        if isinstance(node, FieldedTerm):
            return self._fielded(node)
        if isinstance(node, wq.DisjunctionMax):
            return self._best_of([self.evaluate(c) for c in node.subqueries], node.tiebreak)
        if isinstance(node, wq.Or):
            return self._union([self.evaluate(child) for child in node.subqueries], node.boost)
        if isinstance(node, wq.And):
            children = [self.evaluate(child) for child in node.subqueries]
            mask = np.logical_and.reduce([c.mask for c in children])
            return Matches(sum(c.scores for c in children) * node.boost, mask)
        if isinstance(node, wq.AndMaybe):
            required, optional = self.evaluate(node.a), self.evaluate(node.b)
            return Matches(required.scores + optional.scores, required.mask)
        if isinstance(node, wq.AndNot):
            positive, negative = self.evaluate(node.a), self.mask(node.b)
            return Matches(positive.scores, positive.mask & ~negative)
        if isinstance(node, wq.Phrase) and self._positional(node):
            return self._phrase(node)
        if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
            return self._empty()
        return self._whoosh(node)

    def mask(self, node: wq.Query) -> np.ndarray:
        """Which documents match (scores not needed: exclusions and filters)."""
        return self.evaluate(node).mask

    def _empty(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=np.float32), np.zeros(self.size, dtype=bool))

    def term_scores(self, field: str, text: str, boost: float, documents: np.ndarray) -> np.ndarray:
        """BM25 of one term in each of ``documents`` (0 where it does not occur)."""
        ids, tf = self.postings(field, text)
        found = np.zeros(documents.size, dtype=np.float32)
        if ids.size == 0:
            return found
        where = np.searchsorted(ids, documents)
        hit = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == documents)
        lengths, mean = self.lengths(field)
        frequency = tf[where[hit]]
        norm = K1 * (1.0 - B + B * lengths[documents[hit]] / mean)
        found[hit] = boost * self.idf(field, text) * frequency * (K1 + 1.0) / (frequency + norm)
        return found

    def _fielded(self, node: FieldedTerm) -> Matches:
        """BM25F of one term: computed on its postings only, never over every document (a
        question reads dozens of terms; dense passes over 70,000 documents each were a
        tenth of its cost)."""
        parts = []
        for name, weight in node.weights.items():
            ids, tf = self.postings(name, node.text)
            if ids.size:
                lengths, mean = self.lengths(name)
                parts.append((ids, weight * tf / (1.0 - B + B * lengths[ids] / mean)))
        result = self._empty()
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
        df = int(np.count_nonzero(self.live[ids]))
        idf = math.log(1.0 + (self.documents - df + 0.5) / (df + 0.5))
        result.scores[ids] = (node.boost * idf) * pseudo * (K1 + 1.0) / (pseudo + K1)
        return result

    def _buffer(self) -> np.ndarray:
        """A zeroed float32 array over every document, one per thread, left zeroed by
        whoever uses it."""
        buffer = getattr(self._scratch, "buffer", None)
        if buffer is None:
            buffer = self._scratch.buffer = np.zeros(self.size, dtype=np.float32)
        return buffer

    def _term(self, term: wq.Term) -> Matches:
        text = term_text(term.text)
        ids, tf = self.postings(term.fieldname, text)
        result = self._empty()
        if ids.size == 0:
            return result
        document_frequency = int(np.count_nonzero(self.live[ids]))
        idf = math.log(
            1.0 + (self.documents - document_frequency + 0.5) / (document_frequency + 0.5)
        )
        lengths, mean = self.lengths(term.fieldname)
        norm = K1 * (1.0 - B + B * lengths[ids] / mean)
        result.scores[ids] = (term.boost * idf) * tf * (K1 + 1.0) / (tf + norm)
        result.mask[ids] = True
        return result

    def _best_of(self, children: list[Matches], tiebreak: float) -> Matches:
        """The best child's score (plus ``tiebreak`` times the others'): one word read
        several ways counts once."""
        if not children:
            return self._empty()
        stacked = np.stack([c.scores for c in children])
        best = stacked.max(axis=0)
        if tiebreak:
            best = best + tiebreak * (stacked.sum(axis=0) - best)
        return Matches(best, np.logical_or.reduce([c.mask for c in children]))

    def _union(self, children: list[Matches], boost: float) -> Matches:
        if not children:
            return self._empty()
        scores = children[0].scores.copy()
        mask = children[0].mask.copy()
        for child in children[1:]:
            scores += child.scores
            mask |= child.mask
        if boost != 1.0:
            scores *= boost
        return Matches(scores, mask)

    def _positional(self, phrase: wq.Phrase) -> bool:
        """A phrase of adjacent words in a field with positions (else Whoosh's matcher)."""
        schema = self.searcher.schema
        if phrase.slop != 1 or len(phrase.words) < 2 or phrase.fieldname not in schema:
            return False
        field_format = schema[phrase.fieldname].format
        return bool(field_format and field_format.supports("positions"))

    def _phrase(self, node: wq.Phrase) -> Matches:
        """Documents holding the words one after another, scored as the sum of the words'
        BM25 in the field (the shape of Whoosh's phrase score, with this module's BM25).

        Whoosh's span matchers walk every posting of every word in Python; a phrase of
        common words ("الفريق في") took a quarter of a second on 70,000 articles. Here the
        documents holding every word come from the cached posting arrays, positions are read
        for those documents only, as arrays, and matched as (document, start) keys.
        """
        field = node.fieldname
        words = [term_text(word) for word in node.words]
        result = self._empty()
        lists = [self.postings(field, word)[0] for word in words]
        if any(ids.size == 0 for ids in lists):
            return result
        candidates = lists[0]
        for ids in sorted(lists[1:], key=len):
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
            if candidates.size == 0:
                return result
        # A phrase occurrence at position p puts word i at p + i: key each word's positions
        # by (document, position - i) and keep the keys every word shares.
        found = {word: self.occurrences(field, word, candidates) for word in set(words)}
        shared = None
        for offset, word in enumerate(words):
            docs, positions = found[word]
            keys = (docs << 32) | (positions - offset + _PHRASE_SHIFT)
            shared = keys if shared is None else np.intersect1d(shared, keys)
            if shared.size == 0:
                return result
        documents = np.unique(shared >> 32)
        scores = sum(self.term_scores(field, word, 1.0, documents) for word in words)
        result.scores[documents] = node.boost * scores
        result.mask[documents] = True
        return result

    def _whoosh(self, node: wq.Query) -> Matches:
        """Whoosh's own matcher, for what is evaluated nowhere else (ranges, sloppy phrases)."""
        result = self._empty()
        matcher = node.matcher(self.searcher)
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if ids:
            index = np.array(ids, dtype=np.int64)
            result.scores[index] = np.array(scores, dtype=np.float32)
            result.mask[index] = True
        return result


_PHRASE_SHIFT = 1 << 16  # keeps position - offset positive inside a phrase key


def term_text(term: bytes | str) -> str:
    """A term as text (Whoosh hands terms out as bytes or str)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _leaf_lengths(leaf, field: str) -> np.ndarray:
    count = leaf.doc_count_all()
    try:  # the lengths column, read as raw bytes in one go
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN

        perdoc = leaf._perdoc
        name = f"_{field}_len"
        if not perdoc.has_column(name):
            return np.zeros(count, dtype=np.float32)
        raw = np.array(list(perdoc.column_reader(name, LENGTHS_COLUMN)), dtype=np.uint8)
        return _LENGTH_OF_BYTE[raw]
    except (AttributeError, ImportError):  # another codec: the public, slower way
        return np.array(
            [leaf.doc_field_length(d, field) or 0 for d in range(count)], dtype=np.float32
        )


def _leaf_occurrences(matcher, documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and positions of the term in each of ``documents`` (sorted,
    leaf-local) that holds it.

    Whoosh's ``skip_to`` walks a block posting by posting in Python; here a block is
    skipped on its header when no wanted document can be in it, and only the wanted
    documents' positions are gathered: for a whole term at once from `search.codec`'s
    blocks (`ArrayLeafMatcher.term_positions`), one posting at a time from whoosh3's.
    """
    found: dict[int, list[int]] = {}
    if not hasattr(matcher, "_next_block"):  # terms stored inline, other codecs
        for docnum in documents.tolist():
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found[docnum] = matcher.value_as("positions")
        return _flatten(found)
    if hasattr(matcher, "has_position_arrays") and matcher.has_position_arrays():
        return matcher.term_positions(documents.tolist())
    decode = matcher.format.decoder("positions")
    start, count = 0, documents.size
    while matcher.is_active() and start < count:
        last = matcher.block_max_id()
        if last < documents[start]:
            matcher._next_block()
            continue
        end = int(np.searchsorted(documents, last, side="right"))
        matcher._read_ids()
        ids = np.asarray(matcher._ids, dtype=np.int64)
        wanted = documents[start:end]
        where = np.minimum(np.searchsorted(ids, wanted), ids.size - 1)
        hit = ids[where] == wanted
        if hit.any():
            matcher._read_values()
            values = matcher._values
            for k in where[hit].tolist():
                found[int(ids[k])] = decode(values[k])
        start = end
        matcher._next_block()
    return _flatten(found)


def _flatten(found: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray]:
    docs = [docnum for docnum, positions in found.items() for _ in positions]
    flat = [position for positions in found.values() for position in positions]
    return np.array(docs, dtype=np.int64), np.array(flat, dtype=np.int64)


def _leaf_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Decode a posting list: arrays straight from `search.codec`'s blocks, whoosh3's blocks
    a block at a time through their tuples, anything else one posting at a time."""
    if hasattr(matcher, "term_arrays"):
        return matcher.term_arrays()
    ids, tfs = [], []
    if not (hasattr(matcher, "_read_data") and hasattr(matcher, "_next_block")):
        while matcher.is_active():
            ids.append(matcher.id())
            tfs.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float32)
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.append(np.asarray(matcher._ids, dtype=np.int64))
        tfs.append(np.asarray(matcher._weights, dtype=np.float32))
        matcher._next_block()
    if ids:
        return np.concatenate(ids), np.concatenate(tfs)
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


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
