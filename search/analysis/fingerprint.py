"""MinHash fingerprints of an article's text, for finding copies of one wire story.

Outlets republish an agency's story with a dateline, a credit or a sentence changed; the
words otherwise follow one another as sent. So a text is read as its shingles (every run
of `SHINGLE_WORDS` consecutive words, folded as the index folds them) and summarised by
`SIGNATURE_SIZE` minimums of random hashes over them: two texts agree on a position of the
signature with probability equal to the Jaccard similarity of their shingle sets (Broder,
"On the resemblance and containment of documents", 1997). `search.query.stories` groups
documents whose signatures agree enough.

Everything after the string folds is numpy over the text's code points, and the minimums of
the hashes one compiled pass (`_minhash.pyx`, numpy where it is not built): no Python step
per word, so the bulk writer can fingerprint each article as it indexes it.
"""

from __future__ import annotations

import numpy as np

from .normalize import compose, fold_digits, fold_letters, strip_diacritics

try:
    from ._minhash import lowest_hashes
except ImportError:  # not compiled (a checkout never installed): numpy does the same
    lowest_hashes = None

SHINGLE_WORDS = 4  # bench/duplicates.py: 3 to 5 words judged alike; 4 is the usual choice
SIGNATURE_SIZE = 32  # minimums kept: 128 bytes an article; bands of 4 for the groups
MAX_WORD_CHARS = 64  # letters of a word that count towards its hash
# A text of fewer words has no fingerprint, and so is never a copy: a wire story runs to
# hundreds of words (the 10th percentile of the 70k news articles is about 65), while short
# texts (a caption, a one-line notice) share their few shingles by formula, not by copying.
MIN_WORDS = 40
EMPTY = np.zeros(SIGNATURE_SIZE, dtype=np.uint32)  # no fingerprint: never a copy of anything

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_CHAR_BASE = np.uint64(0x100000001B3)  # FNV's 64-bit prime: a multiplier with spread bits
_WORD_BASE = np.uint64(0x9E3779B97F4A7C15)  # the golden ratio's odd 64-bit multiplier
_POWERS = np.cumprod(np.full(MAX_WORD_CHARS, _CHAR_BASE, dtype=np.uint64)) // _CHAR_BASE
_SHINGLE_POWERS = np.cumprod(np.full(SHINGLE_WORDS, _WORD_BASE, dtype=np.uint64)) // _WORD_BASE
_seeds = np.random.default_rng(20261201)  # fixed: a fingerprint must mean the same forever
_A = _seeds.integers(1, 2**63, SIGNATURE_SIZE, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _seeds.integers(0, 2**63, SIGNATURE_SIZE, dtype=np.uint64)


def _fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """Each code point of the Basic Multilingual Plane as the fingerprint reads it: the
    exact-form fields' folds (letter and digit spellings folded, lower case) as one lookup
    table, 0 for a character that is no part of a word (a space, punctuation); and which
    characters the folds delete inside a word (harakat, tatweel, joiners)."""
    table = np.zeros(0x10000, dtype=np.uint32)
    dropped = np.zeros(0x10000, dtype=bool)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if strip_diacritics(char) == "":
            dropped[code] = True
            continue
        folded = fold_digits(fold_letters(char)).lower()
        if len(folded) == 1 and folded.isalnum():
            table[code] = ord(folded)
    return table, dropped


_FOLD, _DROPPED = _fold_tables()


def _folded(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Code points as the fingerprint reads them (0 between words), the dropped ones left
    out, and which were kept (None: all).

    >>> codes = np.frombuffer("قالَ أحمد: ٢٠٢٤".encode("utf-32-le"), dtype=np.uint32)
    >>> "".join(chr(c) if c else " " for c in _folded(codes)[0])
    'قال احمد  2024'
    """
    folded = _FOLD[np.minimum(codes, 0xFFFF)]
    folded[codes > 0xFFFF] = 0
    dropped = (folded == 0) & _DROPPED[np.minimum(codes, 0xFFFF)]
    if dropped.any():
        return folded[~dropped], ~dropped
    return folded, None


def _word_hashes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each word's hash, and where the word starts in ``codes``."""
    inside = codes > 0
    edges = np.diff(np.concatenate(([False], inside, [False])).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.empty(0, dtype=np.uint64), starts
    lengths = ends - starts
    firsts = np.cumsum(lengths) - lengths  # where each word starts among the letters
    letters = codes[inside].astype(np.uint64)
    within = np.arange(letters.size) - np.repeat(firsts, lengths)
    weights = _POWERS[np.minimum(within, MAX_WORD_CHARS - 1)]
    with np.errstate(over="ignore"):
        sums = np.add.reduceat(letters * weights, firsts)
    return _mix(sums), starts


def signature(text: str) -> np.ndarray:
    """The MinHash signature of the text's word shingles (`SIGNATURE_SIZE` uint32); all
    zeros for a text of fewer than `MIN_WORDS` words."""
    return signatures([text])[0]


def signatures(texts: list[str]) -> np.ndarray:
    """`signature` of each text, one row each, computed for all of them at once: the texts
    are read as one string with a separator between them (no word crosses it), and a
    shingle counts for a text when its words all lie in it. The bulk writer fingerprints a
    batch of articles this way: a few dozen array steps per batch rather than per article."""
    found = np.zeros((len(texts), SIGNATURE_SIZE), dtype=np.uint32)
    if not texts:
        return found
    composed = [compose(text) for text in texts]
    codes = np.frombuffer("\n".join(composed).encode("utf-32-le"), dtype=np.uint32)
    sizes = np.fromiter(map(len, composed), dtype=np.int64, count=len(texts)) + 1
    text_of = np.repeat(np.arange(len(texts)), sizes)[: codes.size]  # the separators' too
    codes, kept = _folded(codes)
    if kept is not None:
        text_of = text_of[kept]
    words, starts = _word_hashes(codes)
    word_text = text_of[starts]
    count = words.size - SHINGLE_WORDS + 1
    if count <= 0:
        return found
    per_text = np.bincount(word_text, minlength=len(texts))
    whole = word_text[:count] == word_text[SHINGLE_WORDS - 1 :]  # all its words in one text
    whole &= per_text[word_text[:count]] >= MIN_WORDS
    if not whole.any():
        return found
    with np.errstate(over="ignore"):
        shingles = np.zeros(count, dtype=np.uint64)
        for k in range(SHINGLE_WORDS):  # a handful of whole-array steps, not one per word
            shingles += words[k : k + count] * _SHINGLE_POWERS[k]
        shingles, owner = _mix(shingles[whole]), word_text[:count][whole]
    firsts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    lowest = (lowest_hashes or _lowest_hashes)(shingles, firsts, _A, _B)
    found[owner[firsts]] = np.maximum(lowest, 1)  # 0 is kept for "no fingerprint"
    return found


def _lowest_hashes(
    shingles: np.ndarray, firsts: np.ndarray, multipliers: np.ndarray, offsets: np.ndarray
) -> np.ndarray:
    """`_minhash.lowest_hashes` in numpy: every (shingle, function) hash made as an array,
    then each group's minimums (groups of consecutive shingles starting at ``firsts``)."""
    with np.errstate(over="ignore"):
        hashed = shingles[:, None] * multipliers[None, :] + offsets[None, :]
    return (np.minimum.reduceat(hashed, firsts, axis=0) >> np.uint64(32)).astype(np.uint32)


def signature_bytes(text: str) -> bytes:
    """`signature` as the bytes the index stores (little-endian uint32s)."""
    return signature(text).astype("<u4").tobytes()


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint64(30))
        values = values * np.uint64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> np.uint64(27))
        values = values * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))
