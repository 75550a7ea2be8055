"""Arabic roots (كتب for كاتب, مكتوبة, الكتب), for the root fields that ``root:`` searches.

Two maintained extractors, each where it is right more often: NLTK's ISRI stemmer, a root
extractor by patterns (فاعل, مفعول, مفعلة, استفعل: the كتب family comes out whole), and
when ISRI's answer is not three letters (a weak or doubled root it cut wrongly, a word it
left whole) Tashaphyne's `get_root`, which checks its guess against a list of roots.
bench/root_accuracy.py measures them (docs/relevance.md, "Roots"): together they find 75.8% of
the golden corpus's 1,165 roots letter for letter and 67.3% of 98 news words' (ISRI alone
58.8% / 65.3%, Tashaphyne alone about 67.5% / 68.4%, qalsadi 71.6% / 89.8% but at 2-13 ms a
word, against about 50 us here: the 70k news articles' 353,090 words would add most of an
hour to a build).

A word is read as written, diacritics dropped but its hamza seat kept (it tells the
extractors which letter is radical), and its root comes out folded as every index term is
(`normalize`). Only Arabic words of three letters or more that are no stop word get one: a
particle, a number or a Latin name has no root.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from .normalize import WORD_CACHE, compose, normalize, strip_diacritics
from .stopwords import STOPWORDS

MIN_ROOT_LETTERS = 3  # a shorter word is a particle or a clitic pair: no root worth searching
ARABIC_WORD_RE = re.compile("[\u0621-\u064a]+")  # folded Arabic letters only
ROOT_LETTERS = 3  # an ISRI root of another length goes to Tashaphyne (bench/root_accuracy.py)
_LOCK = threading.Lock()  # Tashaphyne keeps its last word between calls: one at a time


@lru_cache(maxsize=1)
def _extractors():
    """The two extractors, made on first use: importing NLTK takes half a second, which a
    bulk-build worker should not spend before it has asked to die with its parent."""
    from nltk.stem.isri import ISRIStemmer
    from tashaphyne.stemming import ArabicLightStemmer, arabicstopwords

    isri = ISRIStemmer()
    # NLTK runs every pattern under a timer against catastrophic backtracking; ISRI's are
    # single character classes, which cannot backtrack, and the timer cost more than the
    # match (a tenth of a build). The same patterns, compiled by `re`.
    for name in ("re_short_vowels", "re_hamza", "re_initial_hamza"):
        setattr(isri, name, re.compile(getattr(isri, name).pattern))
    return isri, ArabicLightStemmer(), arabicstopwords


@lru_cache(maxsize=WORD_CACHE)
def token_roots(token: str) -> tuple[str, ...]:
    """The root of one raw token, folded, as a tuple (empty when it has none): what the
    root fields index, for the Whoosh writer and the bulk writer alike.

    >>> token_roots("مكتوبة"), token_roots("الكاتب"), token_roots("في"), token_roots("F-16")
    (('كتب',), ('كتب',), (), ())
    """
    folded = normalize(token)
    if (
        len(folded) < MIN_ROOT_LETTERS
        or folded in STOPWORDS
        or not ARABIC_WORD_RE.fullmatch(folded)
    ):
        return ()
    written = strip_diacritics(compose(token))
    with _LOCK:
        root = normalize(_extractors()[0].stem(written) or "")
        if len(root) != ROOT_LETTERS:
            root = normalize(_tashaphyne_root(written)) or root
    return (root,) if root else ()


def _tashaphyne_root(word: str) -> str:
    """Tashaphyne's `get_root`, with its ties broken the same way in every process: it picks
    the most frequent of its candidate roots from a set of strings, whose order follows
    Python's per-process string hashing, so two build workers could give one word two
    roots. Here the first in sorted order wins."""
    _, stemmer, stopwords = _extractors()
    if stopwords.is_stop(word):
        return stopwords.stop_root(word) or ""
    found = _segment_roots(word)
    found = [root for root in found if stemmer.is_root_length_valid(root)] or found
    found = [root for root in found if stemmer.is_root(root)] or found
    found = [root for root in found if len(root) == ROOT_LETTERS] or found
    return max(sorted(set(found)), key=found.count) if found else ""


def _segment_roots(word: str) -> list[str]:
    """The root of each of Tashaphyne's segmentations of ``word``: the candidates its
    `get_affix_list` gives after `light_stem`, asked for alone. Those two also choose a stem
    against the affix lists and build each segment's stem and affixes, which a root never
    reads: two thirds of their time."""
    stemmer = _extractors()[1]
    stemmer.segment(word)
    return [stemmer.get_root(left, right) for left, right in stemmer.get_segment_list()]


def root_of(word: str) -> str:
    """The root of a word a reader typed after ``root:``, folded ("" when it has none): a
    root typed as itself (كتب) comes back unchanged.

    >>> root_of("كتب"), root_of("مكتبة")
    ('كتب', 'كتب')
    """
    found = token_roots(word)
    return found[0] if found else ""
