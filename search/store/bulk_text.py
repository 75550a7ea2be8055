"""Whole batches of texts analysed with a few C-level calls per batch, not a Python step per
token: the bulk writer's analysis (`search.store.bulk`).

A batch is split into tokens with their offsets by the tokenizer pattern's compiled scanner
(`search.analysis.scan`: one pass over each text, no regex engine), which looks each token up
among those `Lexicon` has met as it cuts it. Each distinct raw token is analysed once per
process by `token_words`, the chain's own function, when `Lexicon` first meets it; every
later occurrence is one dict lookup made in C (no Python step, no list, per token). What a
token becomes is kept as arrays, so that the words of a whole batch, their positions and
their counts per text come from numpy (``take``, ``repeat``, a stable ``argsort``) rather
than from dict appends per token:

    raw ids     one per token of the batch, in text order
    exact ids   what each raw id reads as in the exact fields (usually one word, none for a
                token the folds leave empty, several for a ligature NFKC spells as words)
    stem ids    the stems of those words (none for a stop word), with their positions
    root ids    the token's root (`search.analysis.roots`; none for a particle, a number or
                a Latin word), with its position: found once per distinct token, as the rest

Positions count the tokenizer's matches, as Whoosh's RegexTokenizer does, so a stop word or
an emptied token keeps its place and the words of one ligature share their token's place.
"""

from __future__ import annotations

from array import array
from typing import NamedTuple

import numpy as np

from ..analysis import token_words
from ..analysis.roots import token_roots
from ..analysis.scan import scan_known


class Vocabulary(dict):
    """Words -> ids, numbered as first met; ``words[i]`` is the word of id ``i``."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def __missing__(self, word: str) -> int:
        number = self[word] = len(self.words)
        self.words.append(word)
        return number


class Lexicon(dict):
    """Raw tokens -> ids, each new token analysed once (``__missing__``), and what every
    raw id reads as in the exact, the stem and the root fields, as flat arrays with their
    ends."""

    def __init__(self, stemmer: str) -> None:
        super().__init__()
        self.stemmer = stemmer
        self.exact, self.stems, self.roots = Vocabulary(), Vocabulary(), Vocabulary()
        self._exact_flat, self._exact_ends = array("q"), array("q")
        self._stem_flat, self._stem_ends = array("q"), array("q")
        self._root_flat, self._root_ends = array("q"), array("q")
        self._arrays: tuple | None = None
        self._known: dict[str, int] = {}  # the same ids in a plain dict: faster to look up

    def __missing__(self, token: str) -> int:
        number = self[token] = self._known[token] = len(self._exact_ends)
        exact, stems = self.exact, self.stems
        for word, found in token_words(token, self.stemmer):
            self._exact_flat.append(exact[word])
            self._stem_flat.extend(map(stems.__getitem__, found))
        self._root_flat.extend(map(self.roots.__getitem__, token_roots(token)))
        self._exact_ends.append(len(self._exact_flat))
        self._stem_ends.append(len(self._stem_flat))
        self._root_ends.append(len(self._root_flat))
        self._arrays = None
        return number

    def scan(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(raw ids, starts, ends, counts): `scan`'s tokens as raw ids, each looked up as it
        is cut (`scan_known`), then a Python step per token not seen before (analysed)."""
        ids, unknown, starts, ends, counts = scan_known(texts, self._known)
        if unknown:
            ids[ids < 0] = list(map(self.__getitem__, unknown))
        return ids, starts, ends, counts

    def readings(self) -> tuple[np.ndarray, ...]:
        """(exact flat, exact ends, stem flat, stem ends, root flat, root ends) as numpy
        arrays, made again only after new tokens."""
        if self._arrays is None:
            self._arrays = tuple(
                np.frombuffer(numbers, dtype=np.int64).copy()
                for numbers in (
                    self._exact_flat,
                    self._exact_ends,
                    self._stem_flat,
                    self._stem_ends,
                    self._root_flat,
                    self._root_ends,
                )
            )
        return self._arrays


class Grouped(NamedTuple):
    """One kind of reading of a batch of texts, grouped by (text, term): a group per term of
    each text, texts in order and terms by id within a text."""

    text: np.ndarray  # int64 per group: which text
    term: np.ndarray  # int64 per group: the term's id in its vocabulary
    count: np.ndarray  # int64 per group: occurrences in the text
    positions: np.ndarray | None  # int64, each group's positions in order, group after group
    lengths: np.ndarray  # int64 per text: all its occurrences (the field length)

    def starts(self, texts: int) -> np.ndarray:
        """Where each text's groups begin (``texts + 1`` entries, the last one the end)."""
        return np.searchsorted(self.text, np.arange(texts + 1))


class Tokens(NamedTuple):
    """Every token of a batch, text after text: offsets in its text, and whether the chain
    makes a word of it (a lone haraka it does not)."""

    starts: np.ndarray
    ends: np.ndarray
    holds_word: np.ndarray
    firsts: np.ndarray  # int64 per text, and one more: where its tokens begin


class Analysed(NamedTuple):
    """A batch of texts read as exact words, as stems and as roots, each with positions, and
    where each token is."""

    exact: Grouped
    stems: Grouped
    tokens: Tokens
    roots: Grouped


def _expand(raw: np.ndarray, flat: np.ndarray, ends: np.ndarray):
    """Each raw occurrence replaced by its readings: (reading ids, index of the occurrence
    each came from), occurrences in order and a token's readings in their order."""
    starts = np.concatenate(([0], ends[:-1]))
    first, many = starts[raw], ends[raw] - starts[raw]
    if raw.size and many.min() == 1 and many.max() == 1:  # one reading each: the usual case
        return flat[first], np.arange(raw.size)
    source = np.repeat(np.arange(raw.size), many)
    skip = np.repeat(np.cumsum(many) - many, many)
    return flat[np.repeat(first, many) + np.arange(source.size) - skip], source


def _group(texts: int, text: np.ndarray, term: np.ndarray, positions: np.ndarray | None):
    """Occurrences (text, term[, position]) in text order -> `Grouped`."""
    lengths = np.bincount(text, minlength=texts).astype(np.int64)
    if not term.size:
        empty = np.empty(0, dtype=np.int64)
        return Grouped(empty, empty, empty, None if positions is None else empty, lengths)
    key = text * (int(term.max()) + 1) + term
    order = stable_argsort(key)  # stable: each term's positions stay in order
    key = key[order]
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    count = np.diff(np.append(first, key.size))
    head = order[first]
    return Grouped(
        text[head],
        term[head],
        count,
        None if positions is None else positions[order],
        lengths,
    )


def analyse(lexicon: Lexicon, texts: list[str]) -> Analysed:
    """Tokens with their offsets, exact words, stems and roots with positions, of every text
    of a batch."""
    raw, token_starts, token_ends, sizes = lexicon.scan(texts)
    text_of = np.repeat(np.arange(len(texts)), sizes)
    firsts = np.concatenate(([0], np.cumsum(sizes)))
    position = np.arange(raw.size) - np.repeat(firsts[:-1], sizes)
    exact_flat, exact_ends, stem_flat, stem_ends, root_flat, root_ends = lexicon.readings()
    exact, source = _expand(raw, exact_flat, exact_ends)
    stems, stem_source = _expand(raw, stem_flat, stem_ends)
    roots, root_source = _expand(raw, root_flat, root_ends)
    readings = exact_ends - np.concatenate(([0], exact_ends[:-1]))
    return Analysed(
        _group(len(texts), text_of[source], exact, position[source]),
        _group(len(texts), text_of[stem_source], stems, position[stem_source]),
        Tokens(token_starts, token_ends, readings[raw] > 0, firsts),
        _group(len(texts), text_of[root_source], roots, position[root_source]),
    )


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, made faster: a
    least-significant-digit radix sort by 16 bits at a time, each pass numpy's stable sort
    of uint16 (itself a radix sort), so a key of up to 32 bits costs two linear passes where
    a comparison sort of int64 costs n log n (5x slower on a segment's postings).

    >>> stable_argsort(np.array([2, 1, 2, 1])).tolist()
    [1, 3, 0, 2]
    >>> stable_argsort(np.array([70_000, 5, 65_541, 70_000])).tolist()
    [1, 2, 0, 3]
    """
    if not keys.size:
        return np.empty(0, dtype=np.int64)
    keys = keys.astype(np.int64, copy=False)
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    rest = keys >> 16
    while int(rest.max()) > 0:
        order = order[np.argsort((rest[order] & 0xFFFF).astype(np.uint16), kind="stable")]
        rest >>= 16
    return order.astype(np.int64, copy=False)


def gather(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Indices of the ranges [starts[i], starts[i] + sizes[i]), one range after another.

    >>> gather(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    total = int(sizes.sum())
    skip = np.repeat(np.cumsum(sizes) - sizes - starts, sizes)
    return np.arange(total, dtype=np.int64) - skip
