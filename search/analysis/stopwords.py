"""Stop words: Lucene's Arabic list plus the project's own, folded like every token.

Lucene's source warns that its list "is not normalized"; here each entry goes through
`normalize`, so a stop word matches its own text whichever way it is spelled.
"""

from __future__ import annotations

from importlib import resources

from .normalize import normalize


def _load_stopwords(*names: str) -> frozenset[str]:
    words: set[str] = set()
    for name in names:
        text = resources.files("search.analysis").joinpath("data", name).read_text("utf-8")
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(normalize(line))
    return frozenset(words)


# Lucene's list (folded through `normalize`, so ركوكو فى still matches its own text) plus the
# project's own question words and pronouns (search/analysis/data/stopwords-extra.txt).
STOPWORDS = _load_stopwords("stopwords-lucene.txt", "stopwords-extra.txt")


def is_stopword(term: str) -> bool:
    """True for a normalised term that carries no topic on its own."""
    return term in STOPWORDS
