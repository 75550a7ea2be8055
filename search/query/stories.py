"""Copies of one story: near-duplicate documents grouped from their MinHash fingerprints.

Each document's fingerprint is computed when it is indexed (`search.analysis.fingerprint`,
stored in the ``fingerprint`` column by both write paths); the groups are found here, over
the live documents of one generation, once per reader. So an added, replaced or deleted
document changes the groups of the next generation without any other document being
rewritten, and the copy shown for a story is whichever ranks best among the matches: a
deleted copy simply leaves the others.

Locality-sensitive hashing finds the candidates without comparing every pair: the signature
is cut into `BANDS` bands of `ROWS` values, and documents that agree on a whole band share a
bucket (for two texts of shingle similarity J, a chance of 1 - (1 - J^ROWS)^BANDS: 0.99 at
J = 0.5). A candidate pair is a copy when its signatures agree on at least `THRESHOLD` of
their positions (an estimate of J; bench/duplicates.py chose it on judged pairs) and two
different outlets published it.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from ..analysis.fingerprint import SIGNATURE_SIZE
from ..store import Reader
from .engine import Matches, top

ROWS = 2  # values of the signature a band holds
BANDS = SIGNATURE_SIZE // ROWS
# bench/duplicates.py on 80 judged pairs of the 70k news articles (README, "Copies of one
# story"): at 0.5 precision 0.977, recall 0.729; 0.4 lets in templates (precision 0.907),
# and hiding a different story is worse than showing a copy twice.
THRESHOLD = 0.5
MAX_BUCKET = 1_000  # a bucket this full is boilerplate every article shares, not a story
PAIRED_BUCKET = 16  # a bucket of up to this many documents has each of its pairs compared


def candidate_pairs(signatures: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of document numbers (first < second) that share a bucket of some band, repeats
    removed: every pair of a bucket of up to `PAIRED_BUCKET` documents, and in a larger one
    each document with the bucket's first and with its `PAIRED_BUCKET` neighbours."""
    numbers = np.flatnonzero(valid)
    firsts, seconds = [], []
    for band in range(BANDS):
        part = signatures[numbers, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
        keys = part[:, 0] << np.uint64(32) | part[:, 1] if ROWS == 2 else _band_keys(part)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        sizes = np.diff(np.concatenate((starts, [ordered.size])))
        shared = np.repeat(sizes, sizes)
        # Only the documents of buckets of two or more (a few in a hundred) go on.
        usable = np.flatnonzero((shared > 1) & (shared <= MAX_BUCKET))
        if usable.size == 0:
            continue
        bucket = np.repeat(starts, sizes)[usable]
        members = numbers[order[usable]]
        leaders = numbers[order[bucket]]
        star = members != leaders
        firsts.append(leaders[star])
        seconds.append(members[star])
        for gap in range(1, min(PAIRED_BUCKET, int(sizes.max()))):
            near = np.flatnonzero(bucket[:-gap] == bucket[gap:])
            firsts.append(members[near])
            seconds.append(members[near + gap])
    if not firsts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    low, high = np.minimum(a, b), np.maximum(a, b)
    unique = np.unique(low * (signatures.shape[0] + 1) + high)
    return unique // (signatures.shape[0] + 1), unique % (signatures.shape[0] + 1)


def similarity(signatures: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The share of signature positions two documents agree on: their estimated Jaccard
    similarity of word shingles (float32, one per pair)."""
    if a.size == 0:
        return np.empty(0, dtype=np.float32)
    agree = np.zeros(a.size, dtype=np.int32)
    for start in range(0, a.size, 100_000):  # bounded memory for many pairs
        end = start + 100_000
        agree[start:end] = (signatures[a[start:end]] == signatures[b[start:end]]).sum(axis=1)
    return (agree / signatures.shape[1]).astype(np.float32)


def story_numbers(
    signatures: np.ndarray, valid: np.ndarray, outlets: np.ndarray | None = None
) -> np.ndarray:
    """For every document, the smallest document number of its story: copies share it, a
    document with no copy (or no fingerprint) has its own number.

    With ``outlets`` (a code per document, 0 for an unknown source), two documents are
    copies only when two different known outlets published them: a story republished
    elsewhere, not an outlet's own follow-ups or its templates (a weather report, a daily
    market summary). Two copies of one outlet can still share a story through a third.
    """
    size = signatures.shape[0]
    if outlets is not None:
        valid = valid & (outlets > 0)
    a, b = candidate_pairs(signatures, valid)
    copies = similarity(signatures, a, b) >= THRESHOLD
    if outlets is not None:
        copies &= outlets[a] != outlets[b]
    a, b = a[copies], b[copies]
    labels = np.arange(size, dtype=np.int64)
    while a.size:  # components by label propagation, then pointer jumping
        low = np.minimum(labels[a], labels[b])
        changed = (labels[a] != low) | (labels[b] != low)
        if not changed.any():
            break
        np.minimum.at(labels, a, low)
        np.minimum.at(labels, b, low)
        labels = labels[labels]
    return labels


NO_COPIES = np.empty(0, dtype=np.int64)
NO_COPIES.flags.writeable = False


class Stories:
    """The stories of one reader's live documents, and the copies of each."""

    def __init__(self, reader: Reader):
        signatures = reader.fingerprints()
        valid = reader.live & signatures.any(axis=1)
        codes, values = reader.column("source")
        unknown = [i for i, value in enumerate(values) if not value]
        outlets = codes + 1
        if unknown:
            outlets[np.isin(codes, unknown)] = 0
        self.story = story_numbers(signatures, valid, outlets)
        copied = np.bincount(self.story, minlength=self.story.size) > 1
        self._shared = copied[self.story]  # a document of a story of two or more
        members = np.flatnonzero(self._shared & reader.live)
        self._order = members[np.argsort(self.story[members], kind="stable")]
        self._keys = self.story[self._order]

    def copies(self, number: int) -> np.ndarray:
        """The other live documents of this document's story, in document order."""
        if not self._shared[number]:
            return NO_COPIES  # most articles: a story of their own, nothing to look up
        key = self.story[number]
        first, last = np.searchsorted(self._keys, [key, key + 1])
        found = self._order[first:last]
        return found[found != number]


def top_stories(
    matches: Matches, count: int, story: np.ndarray, order: np.ndarray | None = None
) -> np.ndarray:
    """The best ``count`` matches of distinct stories, best first (`engine.top`'s order):
    each story is represented by its best-ranked copy. The ranking is read deeper until
    ``count`` stories are found or the matches run out."""
    depth = max(2 * count, count + 20)
    while True:
        ranked = top(matches, depth, order)
        _, firsts = np.unique(story[ranked], return_index=True)
        shown = ranked[np.sort(firsts)]
        if shown.size >= count or ranked.size < depth:
            return shown[:count]
        depth *= 4


_STORIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def stories_of(reader: Reader) -> Stories:
    """The reader's stories, found once per reader (a generation does not change)."""
    with _LOCK:
        found = _STORIES.get(reader)
        if found is None:
            found = _STORIES[reader] = Stories(reader)
    return found


def _band_keys(part: np.ndarray) -> np.ndarray:
    keys = np.zeros(part.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(part.shape[1]):
            keys = keys * np.uint64(0x100000001B3) + part[:, column]
    return keys
