"""Whoosh's side of the chain: one thin filter per rule, composed into the index's analyzers.

Each filter applies one plain function from `search.analysis.normalize` or the stemmers, as
Lucene's Arabic analyzer keeps each algorithm apart from the filter that applies it. The
schema pickles these classes into every index, so they are module-level classes with plain
attributes; moving or renaming one means a new index format (`search.store.FORMAT`).

Two chains come out of this module:

* ``arabic_analyzer(stem=False)`` feeds the *exact* fields: normalised surface forms, stop
  words kept (a quoted phrase must match them), positions kept for phrases;
* ``arabic_analyzer(stem=True)`` feeds the *stem* fields: stop words dropped, then the
  stemmer, which may emit two stems for a word that begins with a one-letter clitic;
* ``root_analyzer()`` feeds the *root* fields: each word's root (`search.analysis.roots`).
"""

from __future__ import annotations

from whoosh.analysis import Filter, RegexTokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer

from .normalize import compose, fold_digits, fold_letters, join_compound, strip_diacritics
from .roots import token_roots
from .stemmers import DEFAULT_STEMMER, STEMMERS
from .stopwords import STOPWORDS
from .tokens import TOKEN_PATTERN, compound_words


class WordFilter(Filter):
    """Apply `transform` to each token's text; drop tokens it leaves empty (a lone haraka)."""

    transform = staticmethod(str)

    def __call__(self, tokens):
        transform = self.transform
        for token in tokens:
            token.text = transform(token.text)
            if token.text:
                yield token


class Compose(WordFilter):
    """NFKC: presentation forms and ligatures become plain letters."""

    transform = staticmethod(compose)


class StripDiacritics(WordFilter):
    """Harakat, the dagger alef, Quranic marks, tatweel, joiners and bidi marks go."""

    transform = staticmethod(strip_diacritics)


class FoldLetters(WordFilter):
    """أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ ئ -> ء, Persian and Urdu letters to Arabic ones."""

    transform = staticmethod(fold_letters)


class FoldDigits(WordFilter):
    """Arabic-Indic and Eastern Arabic-Indic digits to ASCII."""

    transform = staticmethod(fold_digits)


class Lowercase(WordFilter):
    """Latin letters in lower case."""

    transform = staticmethod(str.lower)


class JoinCompound(WordFilter):
    """The hyphen of a letter-digit compound goes: f-16 -> f16, كوفيد-19 -> كوفيد19."""

    transform = staticmethod(join_compound)


class SplitCompounds(Filter):
    """A letter-digit compound yields itself, then its letter and digit runs at its place."""

    def __call__(self, tokens):
        for token in tokens:
            for word in compound_words(token.text):
                token.text = word
                yield token


class SplitWords(Filter):
    """A ligature that NFKC spells as several words (ﷺ) yields each word at the same place."""

    def __call__(self, tokens):
        for token in tokens:
            if " " in token.text:
                for part in token.text.split():
                    token.text = part
                    yield token
            else:
                yield token


class DropStopwords(Filter):
    """Drop normalised stop words (the list is folded too, unlike Lucene's)."""

    def __call__(self, tokens):
        for token in tokens:
            if token.text not in STOPWORDS:
                yield token


class Stem(Filter):
    """Replace each token by its stems; a second stem shares the first one's position."""

    is_morph = True

    def __init__(self, stemmer: str = DEFAULT_STEMMER):
        self.stemmer = stemmer

    def __eq__(self, other):
        return type(other) is type(self) and other.stemmer == self.stemmer

    def __hash__(self):
        return hash((type(self), self.stemmer))

    def __call__(self, tokens):
        stem_function = STEMMERS[self.stemmer]
        for token in tokens:
            for text in stem_function(token.text):
                token.text = text
                yield token


def arabic_analyzer(*, stem: bool = True, stemmer: str = DEFAULT_STEMMER) -> CompositeAnalyzer:
    """One chain for documents and queries; ``stem=False`` feeds the exact-form fields."""
    chain = (
        RegexTokenizer(TOKEN_PATTERN)
        | Compose()
        | StripDiacritics()
        | FoldLetters()
        | FoldDigits()
        | Lowercase()
        | JoinCompound()
        | SplitWords()
        | SplitCompounds()
    )
    if stem:
        chain = chain | DropStopwords() | Stem(stemmer)
    return chain


class Roots(Filter):
    """Replace each raw token by its root (`roots.token_roots`); drop a token without one.
    It reads the token as written, so it comes straight after the tokenizer."""

    def __call__(self, tokens):
        for token in tokens:
            for root in token_roots(token.text):
                token.text = root
                yield token


def root_analyzer() -> CompositeAnalyzer:
    """The root fields' chain: each word's root, for ``root:`` searches."""
    return RegexTokenizer(TOKEN_PATTERN) | Roots()


def analyzer_stemmer(analyzer: CompositeAnalyzer) -> str | None:
    """The stemmer a chain of this module applies (None for an exact-form chain)."""
    for item in getattr(analyzer, "items", ()):
        if isinstance(item, Stem):
            return item.stemmer
    return None
