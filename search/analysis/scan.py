"""A batch of texts split into tokens with their offsets, as the tokenizer pattern splits
them: the bulk writer's first step (`search.store.bulk_text`).

The compiled scanner (`_scan.pyx`, built at install) walks each text once; where it is not
built (a source checkout never installed), Python's regex engine gives the same tokens and
offsets from one ``split`` per text, about ten times slower. `tests/test_scan.py` holds the
two to the same answers.
"""

from __future__ import annotations

import re
from itertools import chain

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
