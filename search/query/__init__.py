"""From what a reader typed to ranked document numbers.

    parser     the query language -> a syntax tree (`parse`)
    nodes      the compiled query: terms, fields, weights, phrases, ranges
    compiler   syntax tree -> compiled query against one index's vocabulary
    variants   other spellings of a transliterated name that the index holds
    bm25       BM25F: idf, saturation and length normalisation in one place
    engine     a compiled query scored over the store's arrays
    ranking    `rank`, the one path every caller shares, and `explain`
    suggest    "did you mean", from the index's own vocabulary

This layer reads the index only through `search.store.Reader` and knows nothing of HTML or
HTTP; `search.results` turns a ranking into what a reader sees.
"""

from .bm25 import BM25F
from .compiler import Compiled, Compiler, Marks
from .parser import MAX_QUERY_LENGTH, parse
from .ranking import Ranking, explain, rank
from .suggest import suggest

__all__ = [
    "BM25F",
    "MAX_QUERY_LENGTH",
    "Compiled",
    "Compiler",
    "Marks",
    "Ranking",
    "explain",
    "parse",
    "rank",
    "suggest",
]
