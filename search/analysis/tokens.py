"""Tokens and the words the chain makes of them, as plain Python for every caller.

The tokenizer pattern is the one the index's Whoosh chain uses (`search.analysis.filters`);
`words` gives each word with its offsets in the original text, its normalised form and its
stems, so the query compiler, the highlighter and the bulk writer all see what the index saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .chars import BIDI_MARKS, WORD_MARKS
from .normalize import normalize
from .stemmers import DEFAULT_STEMMER, STEMMERS
from .stopwords import STOPWORDS

# A token: a Latin/ASCII-digit compound such as F-16 or COVID-19, or a run of other digits, or
# a run of letters with the marks kept inside it, and the digits written on to it (كوفيد-19,
# كوفيد19). Python's \w does not match Arabic marks, so without them `الرَّئِيسُ` would be cut
# in two; a filter removes the marks afterwards.
TOKEN_PATTERN = (
    r"[0-9A-Za-z\u00c0-\u024f]+(?:-[0-9A-Za-z\u00c0-\u024f]+)*"
    r"|\d+"
    rf"|(?:[^\W\d_]|[{WORD_MARKS}{BIDI_MARKS}])+(?:-?\d+)?"
)
# The letter and digit runs of a compound word (f16 -> f, 16).
COMPOUND_PART_RE = re.compile(r"\d+|[^\W\d_]+")
TOKEN_RE = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True, slots=True)
class Word:
    """One token of a text: where it sits, its normalised form and its stems."""

    start: int
    end: int
    exact: str
    stems: tuple[str, ...]  # empty for a stop word


def token_words(token: str, stemmer: str = DEFAULT_STEMMER) -> tuple[tuple[str, tuple], ...]:
    """The words the chain makes of one raw token, each with its stems (none for a stop
    word): usually one, several for a ligature NFKC spells as words (ﷺ), split as
    `Normalize` splits them.

    >>> token_words("لكوريا", "light")
    (('لكوريا', ('لكوريا', 'كوريا')),)
    """
    text = normalize(token)
    parts = text.split() if " " in text else [text] if text else []
    return tuple(
        (word, () if word in STOPWORDS else STEMMERS[stemmer](word))
        for part in parts
        for word in compound_words(part)
    )


def compound_words(word: str) -> tuple[str, ...]:
    """A normalised word, and when it is a letter-digit compound its letter and digit runs
    too, at its place: كوفيد 19 (spaced) and كوفيد-19 then share their words, while the
    query كوفيد-19 asks for the compound itself and never dissolves into 19.

    >>> compound_words("كوفيد19"), compound_words("كوريا"), compound_words("2024")
    (('كوفيد19', 'كوفيد', '19'), ('كوريا',), ('2024',))
    """
    if word.isalpha() or word.isdigit() or not any(char.isdigit() for char in word):
        return (word,)
    runs = COMPOUND_PART_RE.findall(word)
    return (word, *runs) if len(runs) > 1 else (word,)


def words(text: str, stemmer: str = DEFAULT_STEMMER) -> Iterator[Word]:
    """Tokenize and analyse ``text`` exactly as the index does, keeping offsets.

    >>> [w.exact for w in words("وقال الرَّئِيسُ")]
    ['وقال', 'الرءيس']
    """
    for match in TOKEN_RE.finditer(text):
        for exact, found in token_words(match.group(), stemmer):
            yield Word(match.start(), match.end(), exact, found)


@lru_cache(maxsize=10_000)
def folded(text: str) -> str:
    """A short text (a source's name, a filter value) folded for comparison: its words
    normalised, one space apart, so أ ف ب and ا ف ب are the same value.

    >>> folded("  أ ف ب ") == folded("ا ف  ب")
    True
    """
    return " ".join(word.exact for word in words(text))


def terms(text: str, *, stem: bool = True, stemmer: str = DEFAULT_STEMMER) -> list[str]:
    """The index terms of ``text`` for a stem field (``stem=True``) or an exact field.

    >>> terms("كـوريا الجنوبية", stemmer="light")
    ['كوريا', 'وريا', 'جنوبي']
    """
    if not stem:
        return [word.exact for word in words(text, stemmer)]
    return [s for word in words(text, stemmer) for s in word.stems]
