"""Fuzzy words: the words of the index within a few edits of a typed word, Arabic-aware.

Words are compared folded (`search.analysis.normalize`), so a hamza seat, ة/ه, ى/ي and
diacritics already cost nothing. Of what is left, the slips Arabic writers make most cost half
an edit: a long vowel or hamza written or not (ا و ي ء), one of them for another, ه for a final
ت. Any other insertion, deletion, substitution or swap of two letters costs one.

The candidates are read from the exact fields' vocabulary, those sharing the word's first two
letters (one for a word of three, three for a word that starts with the article: a slip in
them is not found), within a scan budget, so one fuzzy word costs a bounded number of lookups
whatever it is.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from ..errors import BadQuery
from ..store import Reader

MAX_DISTANCE = 2
CHEAP = frozenset("اويء")  # long vowels and the bare hamza: written or not, one for another
MAX_FUZZY_SCAN = 30_000  # vocabulary words a fuzzy word may read
MAX_FUZZY_TERMS = 20  # the closest (then most frequent) words it expands to
FIELDS = ("title_exact", "body_exact")
# Letters an edit may insert or substitute: the folded Arabic alphabet (no أ إ آ ة ى, which
# never survive the fold).
ALPHABET = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"
NEIGHBOUR_CACHE = 1_000  # words whose neighbours each reader keeps
_NEIGHBOURS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def default_distance(word: str) -> int:
    """``word~`` without a number: one edit for short words, two from six letters."""
    return 1 if len(word) < 6 else 2


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if (a in CHEAP and b in CHEAP) or {a, b} == {"ه", "ت"}:
        return 0.5
    return 1.0


def _gap(char: str) -> float:
    return 0.5 if char in CHEAP else 1.0


def distance(a: str, b: str, limit: float = MAX_DISTANCE) -> float:
    """Weighted Damerau-Levenshtein distance (the module docstring's costs), or a value above
    ``limit`` as soon as it is sure to exceed it.

    >>> distance("بوتين", "بوتن"), distance("كوريا", "كوريه"), distance("كوريا", "كوبيا")
    (0.5, 1.0, 1.0)
    """
    previous2: list[float] | None = None
    previous = [0.0]
    for char in b:
        previous.append(previous[-1] + _gap(char))
    for i, x in enumerate(a, 1):
        current = [previous[0] + _gap(x)]
        for j, y in enumerate(b, 1):
            cost = min(
                previous[j] + _gap(x),
                current[j - 1] + _gap(y),
                previous[j - 1] + _substitution(x, y),
            )
            if previous2 is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1.0)
            current.append(cost)
        if min(current) > limit:
            return limit + 1.0
        previous2, previous = previous, current
    return previous[-1]


def neighbours(reader: Reader, word: str) -> dict[str, int]:
    """The index's words one edit from ``word`` and how many documents hold each, looked up
    once per reader and word (the fuzzy guess and "did you mean" share them)."""
    cache = _NEIGHBOURS.setdefault(reader, OrderedDict())
    found = cache.get(word)
    if found is None:
        found = {}
        for candidate in edits(word):
            frequency = sum(reader.doc_frequency(field, candidate) for field in FIELDS)
            if frequency:
                found[candidate] = frequency
        cache[word] = found
        if len(cache) > NEIGHBOUR_CACHE:
            cache.popitem(last=False)
    return found


def edits(word: str) -> set[str]:
    """Every word one deletion, transposition, substitution or insertion away.

    Generating the few hundred neighbours and looking each up is far cheaper than walking a
    vocabulary of hundreds of thousands of words with an edit-distance automaton.

    >>> "الشماليه" in edits("الشكماليه")
    True
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    found |= {a + c + b for a, b in splits for c in ALPHABET}
    found.discard(word)
    return found


def one_edit_words(reader: Reader, word: str) -> list[tuple[str, float]]:
    """The index's words one edit from ``word`` (its neighbours looked up, not the
    vocabulary scanned: the cheap guess for a word no article holds), closest first."""
    found = {
        candidate: (distance(word, candidate, 1.0), -frequency)
        for candidate, frequency in neighbours(reader, word).items()
    }
    ranked = sorted(found, key=lambda t: (*found[t], t))
    return [(term, found[term][0]) for term in ranked[:MAX_FUZZY_TERMS]]


def close_words(reader: Reader, word: str, within: float) -> list[tuple[str, float]]:
    """The index's words at most ``within`` from ``word`` (itself excluded), closest first,
    then the most frequent: at most MAX_FUZZY_TERMS of them."""
    if len(word) < 2:
        raise BadQuery(f"a fuzzy word needs at least 2 letters: {word}~")
    start = (
        word[:3] if word.startswith("ال") and len(word) >= 5 else word[: 2 if len(word) >= 4 else 1]
    )
    found: dict[str, float] = {}
    scanned = 0
    for field in FIELDS:
        terms = reader.expand_prefix(field, start, limit=MAX_FUZZY_SCAN - scanned + 1)
        scanned += len(terms)
        if scanned > MAX_FUZZY_SCAN:
            raise BadQuery(f"{word}~ has too many words to compare; type more of it, or drop the ~")
        for term in terms:
            if term != word and term not in found and abs(len(term) - len(word)) <= 2 * within:
                cost = distance(word, term, within)
                if cost <= within:
                    found[term] = cost
    frequency = {t: sum(reader.doc_frequency(f, t) for f in FIELDS) for t in found}
    ranked = sorted(found, key=lambda t: (found[t], -frequency[t], t))
    return [(term, found[term]) for term in ranked[:MAX_FUZZY_TERMS]]
