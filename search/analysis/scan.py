"""A batch of texts split into tokens with their offsets, as the tokenizer pattern splits
them: the bulk writer's first step (`search.store.bulk_text`).

The compiled scanner (`_scan.pyx`, built at install) walks each text once; where it is not
built (a source checkout never installed), Python's regex engine gives the same tokens and
offsets from one ``split`` per text, about ten times slower. `tests/test_scan.py` holds the
two to the same answers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import chain, repeat

import numpy as np

from .chars import BIDI_MARKS, WORD_MARKS
from .tokens import TOKEN_PATTERN

try:
    from . import _scan
except ImportError:  # not compiled: the regex below does the same
    _scan = None
else:
    _scan.set_marks(WORD_MARKS + BIDI_MARKS)

# The tokenizer's pattern as one group: ``split`` returns the text between tokens and the
# tokens, alternately (the pattern itself has no group of its own).
SPLIT_RE = re.compile(f"({TOKEN_PATTERN})")
COMPILED = _scan is not None


def scan(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(tokens, starts, ends, counts): the tokens of all the texts in one list, text after
    text, their offsets in their own text and how many each text holds (int64 arrays).

    >>> tokens, starts, ends, counts = scan(["F-16 في كوفيد-19", "٢٠٢٤ الرَّئِيسُ"])
    >>> tokens, starts.tolist(), counts.tolist()
    (['F-16', 'في', 'كوفيد-19', '٢٠٢٤', 'الرَّئِيسُ'], [0, 5, 8, 0, 5], [3, 2])
    """
    if _scan is not None:
        return _scan.scan(texts)
    return split_scan(texts)


def scan_known(
    texts: list[str], known: dict[str, int]
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """`scan` with each token's id in ``known``: (ids, unknown, starts, ends, counts), ids
    -1 for each token ``known`` lacks, and ``unknown`` those tokens in order. Compiled, a
    known token costs one lookup in C and is never put in a list.

    >>> ids, unknown, starts, ends, counts = scan_known(["في كوفيد-19 في"], {"في": 7})
    >>> ids.tolist(), unknown
    ([7, -1, 7], ['كوفيد-19'])
    """
    if _scan is not None:
        return _scan.scan_known(texts, known)
    tokens, starts, ends, counts = split_scan(texts)
    ids = np.fromiter(map(known.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
    unknown = [tokens[at] for at in np.flatnonzero(ids < 0).tolist()]
    return ids, unknown, starts, ends, counts


def split_scan(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """`scan` by Python's regex engine: a text's split pieces alternate between the text
    before a token and a token, so a token ends where the running sum of the pieces'
    lengths, restarted at each text, reaches its piece."""
    split = [SPLIT_RE.split(text) for text in texts]
    parts = np.fromiter(map(len, split), dtype=np.int64, count=len(texts))  # 2 per token + 1
    counts = parts // 2
    tokens = list(chain.from_iterable(pieces[1::2] for pieces in split))
    lengths = np.fromiter(
        map(len, chain.from_iterable(split)), dtype=np.int64, count=int(parts.sum())
    )
    ends = np.cumsum(lengths)
    first_piece = np.cumsum(parts) - parts
    before = np.concatenate(([0], ends))[first_piece]  # characters of the texts before
    local = np.arange(lengths.size) - np.repeat(first_piece, parts)
    is_token = (local % 2) == 1
    token_ends = ends[is_token] - np.repeat(before, counts)
    return tokens, token_ends - lengths[is_token], token_ends, counts


@lru_cache(maxsize=16)
def _runs_re(chars: str) -> re.Pattern:
    return re.compile(f"[{re.escape(chars)}]+")


def runs(text: str, chars: str) -> tuple[list[int], list[int]]:
    """Where each run of the characters of ``chars`` starts and ends in ``text``, as the
    regex ``[chars]+`` finds them; one compiled pass where built.

    >>> runs("قال: نعم.. ثم؟", ".؟")
    ([8, 13], [10, 14])
    """
    if _scan is not None:
        return _scan.runs(text, chars)
    spans = [match.span() for match in _runs_re(chars).finditer(text)]
    return [start for start, _ in spans], [end for _, end in spans]


class PyClauses:
    """`_scan.Clauses` written out in Python, for a checkout whose extensions are not
    built; `tests/test_scan.py` holds the two to the same answers."""

    def __init__(self, text: str, starts: list[int], ends: list[int]):
        if len(starts) != len(ends):
            raise ValueError("each run of clause marks has a start and an end")
        if any(not 0 <= a < b <= len(text) for a, b in zip(starts, ends, strict=True)):
            raise ValueError("a run of clause marks lies outside the text")
        self._text, self._starts, self._ends = text, starts, ends
        self._breaks = [text[start] == "\n" for start in starts]
        self._stripped = len(text.rstrip())

    def start(self, position: int) -> int:
        text = self._text
        i = bisect_left(self._starts, position) - 1  # the last run that starts before
        start = min(self._ends[i], position) if i >= 0 else 0
        while start < position and start < len(text) and text[start].isspace():
            start += 1
        return start

    def end(self, position: int) -> int:
        i = bisect_left(self._starts, position)
        if i == len(self._starts):
            return self._stripped
        return self._starts[i] if self._breaks[i] else self._ends[i]

    def around(self, word_start: int, word_end: int, limit: int) -> tuple[int, int]:
        start, end = self.start(word_start), self.end(word_end)
        while end - start < limit:
            grown = False
            # Only a step that moves counts: past the last clause mark, trailing spaces
            # leave the next clause end where it is (taking that step forever hung).
            if end < len(self._text):
                next_end = self.end(end + 1)
                if end < next_end and next_end - start <= limit:
                    end, grown = next_end, True
            if start > 0 and end - start < limit:
                previous_start = self.start(start - 1)
                if previous_start < start and end - previous_start <= limit:
                    start, grown = previous_start, True
            if not grown:
                break
        return start, end


def clauses(text: str, chars: str):
    """The text's clauses between the runs of ``chars`` (a snippet's clause marks), as
    `_scan.Clauses` (compiled) or `PyClauses` answer them: `start`, `end`, `around`."""
    starts, ends = runs(text, chars)
    if _scan is not None:
        return _scan.Clauses(text, starts, ends)
    return PyClauses(text, starts, ends)
