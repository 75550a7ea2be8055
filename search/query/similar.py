"""More like this: the articles closest to one article, by the key terms of its title and body.

An article's key terms are its stems weighted as a search would weigh them: frequency in the
article (a title occurrence counting `TITLE_WEIGHT` times) times their IDF, so a rare word
used often says most about the story. The best `KEY_TERMS` of them, each boosted by its
weight, make one query; the article itself is never among the results.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..analysis import words
from ..store import Reader
from . import nodes as qn
from .compiler import TITLE_WEIGHT
from .engine import Matches, engine_for, top

KEY_TERMS = 25  # the strongest stems of the article that make the query
MIN_TERM_LETTERS = 3
MAX_SHARE = 0.25  # a stem in more than this share of the articles says nothing of the story
MIN_FOR_SHARE = 100  # ... once there are this many articles (a handful share most words)
BODY_CHARS = 20_000  # the article text read for its terms (a long body says enough by then)


def key_terms(reader: Reader, title: str, body: str) -> list[tuple[str, float]]:
    """The article's strongest stems and their weights, strongest first."""
    counts: Counter[str] = Counter()
    for text, weight in ((title, TITLE_WEIGHT), (body[:BODY_CHARS], 1.0)):
        for word in words(text, reader.stemmer):
            for stem in word.stems[:1]:  # the first stem: the word as typed
                if len(stem) >= MIN_TERM_LETTERS and stem.isalpha():
                    counts[stem] += weight
    engine = engine_for(reader)
    weighted = []
    for stem, count in counts.items():
        ids, _ = reader.postings("body", stem)
        titles, _ = reader.postings("title", stem)
        holding = np.union1d(ids, titles)
        common = holding.size >= reader.documents or (
            reader.documents >= MIN_FOR_SHARE and holding.size > MAX_SHARE * reader.documents
        )
        if holding.size <= 1 or common:
            continue  # only this article holds it, or (nearly) every article does
        weighted.append((stem, count * engine.bm25.idf(int(holding.size), reader.documents)))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:KEY_TERMS]


def similar(reader: Reader, number: int, limit: int = 5) -> tuple[np.ndarray, Matches]:
    """Document numbers of the ``limit`` articles closest to article ``number`` (never itself),
    best first, and the matches they were picked from."""
    stored = reader.stored(number)
    terms = key_terms(reader, stored.get("title", ""), stored.get("body", ""))
    engine = engine_for(reader)
    if not terms:
        return np.empty(0, dtype=np.int64), engine.empty()
    weights = {"title": TITLE_WEIGHT, "body": 1.0}
    strongest = terms[0][1]
    query = qn.AnyOf(
        tuple(qn.FieldedTerm(stem, weights, boost=weight / strongest) for stem, weight in terms)
    )
    matches = engine.evaluate(query)
    matches.keep(engine.live)
    matches.exclude(number)
    return top(matches, limit), matches
