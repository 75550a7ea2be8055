"""Precision at ten for frequent words: does a search keep the word the reader typed?

nDCG says whether the judged article is found; it cannot see a look-alike pushed above the
word that was typed (السعدي for السعودية). This measure can. For a spread of frequent title
words of a corpus, each searched alone, it counts the top-10 hits that hold the typed word in
some inflected form, and the words with `FAILING_FROM` or more of their ten without it.

The judge is the same for every engine (`bench/precision.py` runs Lucene and SQLite FTS5 on
the same words): a hit holds the word when one of its title or body tokens, folded as readers
fold spellings (`search.analysis.normalize`: diacritics, hamza seats, ة/ه, ى/ي), contains the
word's core and is at most `MAX_AFFIX` letters longer. The core is the folded word without
a leading article cluster (ال وال بال لل …) and a final ة/ه or plural ending (ات ين ون), so
السعودية holds in السعوديين and وبالسعودية but not in السعدية; a nisba ي stays in the core.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analysis import TOKEN_RE, is_stopword, normalize
from .errors import BadQuery
from .query import rank
from .store import Reader

CUTOFF = 10  # hits judged per word
FAILING_FROM = 5  # a word with this many of its ten hits lacking it has failed
WORDS = 92  # words judged, spread over the frequency ranks of ...
POOL = 500  # ... this many most frequent title words
MIN_LETTERS = 3
MAX_AFFIX = 5  # letters a holding token may have around the core (و + ب + ال + ـه)
ARTICLES = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "لل", "ال")
ENDINGS = (("ات", 3), ("ين", 4), ("ون", 4), ("ه", 3))  # with the least core left (بوتين stays)


def core(word: str) -> str:
    """The part of a word every inflected form of it holds.

    >>> core("السعودية"), core("الولايات"), core("بوتين")
    ('سعودي', 'ولاي', 'بوتين')
    """
    folded = normalize(word)
    for prefix in ARTICLES:
        if folded.startswith(prefix) and len(folded) - len(prefix) >= MIN_LETTERS:
            folded = folded[len(prefix) :]
            break
    for ending, least in ENDINGS:
        if folded.endswith(ending) and len(folded) - len(ending) >= least:
            return folded[: -len(ending)]
    return folded


def holds(text: str, word: str) -> bool:
    """True when ``text`` holds ``word`` in some inflected form (the module's judge).

    >>> holds("وقالت السعوديه امس", "السعودية"), holds("قرية السعدية", "السعودية")
    (True, False)
    """
    wanted = core(word)
    longest = len(wanted) + MAX_AFFIX
    return any(
        wanted in token and len(token) <= longest
        for token in (normalize(raw) for raw in TOKEN_RE.findall(text))
    )


def frequent_words(titles: Iterable[str], count: int = WORDS, pool: int = POOL) -> list[str]:
    """``count`` frequent title words spread evenly over the ``pool`` most frequent ones, each
    as titles most often write it: Arabic words of MIN_LETTERS or more, no stop words."""
    documents: Counter[str] = Counter()
    written: dict[str, Counter[str]] = {}
    for title in titles:
        seen = set()
        for raw in TOKEN_RE.findall(title):
            folded = normalize(raw)
            if len(folded) < MIN_LETTERS or not _arabic(folded) or is_stopword(folded):
                continue
            written.setdefault(folded, Counter())[raw] += 1
            if folded not in seen:
                seen.add(folded)
                documents[folded] += 1
    ranked = [word for word, _ in sorted(documents.items(), key=lambda item: (-item[1], item[0]))]
    ranked = ranked[:pool]
    if len(ranked) <= count:
        chosen = ranked
    else:
        step = len(ranked) / count
        chosen = [ranked[int(i * step)] for i in range(count)]
    return [written[word].most_common(1)[0][0] for word in chosen]


def _arabic(word: str) -> bool:
    return word.isalpha() and all("\u0621" <= char <= "\u064a" for char in word)


@dataclass(frozen=True)
class WordPrecision:
    """One word's top hits: how many there were and how many hold the word."""

    word: str
    hits: int
    holding: int

    @property
    def lacking(self) -> int:
        return self.hits - self.holding


@dataclass
class PrecisionReport:
    words: list[WordPrecision]

    @property
    def hits(self) -> int:
        return sum(word.hits for word in self.words)

    @property
    def share(self) -> float:
        """Share of all judged hits that hold their word (1.0 when nothing was found)."""
        return sum(word.holding for word in self.words) / self.hits if self.hits else 1.0

    @property
    def failing(self) -> list[WordPrecision]:
        return [word for word in self.words if word.lacking >= FAILING_FROM]

    def as_json(self) -> dict:
        return {
            "precision@10": round(self.share, 4),
            "words": len(self.words),
            "failing_words": len(self.failing),
            "failing": [
                {"word": word.word, "lacking": word.lacking, "hits": word.hits}
                for word in self.failing
            ],
        }


def judge(word: str, texts: Sequence[str]) -> WordPrecision:
    """One word's hits, judged (``texts``: title and body of each hit, best first)."""
    shown = texts[:CUTOFF]
    return WordPrecision(word, len(shown), sum(holds(text, word) for text in shown))


def precision(reader: Reader, words: Sequence[str]) -> PrecisionReport:
    """Search each word alone through the API's ranking and judge its top ten."""
    judged = []
    for word in words:
        try:
            numbers = rank(reader, word, limit=CUTOFF).documents.tolist()
        except BadQuery:
            numbers = []
        stored = [reader.stored(number) for number in numbers]
        texts = [f"{fields.get('title', '')}\n{fields.get('body', '')}" for fields in stored]
        judged.append(judge(word, texts))
    return PrecisionReport(judged)
