"""The Arabic analysis chain, shared by indexing, querying and highlighting.

    chars       letters and marks by name
    normalize   the normalisation rules, each a plain ``str -> str`` function
    stopwords   the folded stop list (data/ holds the lists)
    stemmers    the light stemmer, Snowball, and both together
    tokens      the tokenizer pattern and the words a text holds, with offsets
    filters     Whoosh's side: one filter per rule, composed into the index's analyzers

Everything above the store sees plain functions and strings; only `filters` knows Whoosh.
"""

from .normalize import (
    WORD_CACHE,
    compose,
    fold_digits,
    fold_letters,
    normalize,
    strip_diacritics,
)
from .stemmers import DEFAULT_STEMMER, STEMMERS, light_stems, snowball_stems, stems
from .stopwords import STOPWORDS, is_stopword
from .tokens import (
    TOKEN_PATTERN,
    TOKEN_RE,
    Word,
    compound_words,
    folded,
    terms,
    token_words,
    words,
)

__all__ = [
    "DEFAULT_STEMMER",
    "STEMMERS",
    "STOPWORDS",
    "TOKEN_PATTERN",
    "TOKEN_RE",
    "WORD_CACHE",
    "Word",
    "compose",
    "compound_words",
    "fold_digits",
    "fold_letters",
    "folded",
    "is_stopword",
    "light_stems",
    "normalize",
    "snowball_stems",
    "stems",
    "strip_diacritics",
    "terms",
    "token_words",
    "words",
]
