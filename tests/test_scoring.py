"""The ranking maths, pinned by hand-computed numbers on a four-article index.

Every figure below was worked out on paper from the formulas in `search.query.bm25` and the
weights in `search.query.compiler` / `search.query.ranking`; a change to IDF, saturation,
length normalisation, a field weight, the exact-form, clitic or variant weight, or the
proximity bonus changes at least one of them. The API rounds scores to 4 places.

The index (N = 4; every title is one word, so every title length is 1, mean 1):

    a  title سلام   body مطر مطر جبل             body length 3
    b  title جبل    body سلام نهر نهر نهر نهر     body length 5
    c  title نهر    body جبل جبل                 body length 2
    d  title مطر    body السلام سيول              body length 2     mean body length 3

    idf(df) = ln(1 + (N - df + 0.5) / (df + 0.5)):  df 1 -> 1.203973, 2 -> 0.693147,
                                                     3 -> 0.356675
    norm(length) = 1 - 0.75 + 0.75 * length / 3:    length 2 -> 0.75, 3 -> 1, 5 -> 1.5
    BM25F = idf * p * (1 + 1) / (p + 1),  p = sum of weight(field) * tf / norm
    weights: title 2, body 1; exact form x 0.25, clitic reading x 0.75, variant x 0.5
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from search.analysis import stems
from search.documents import Article
from search.query import BM25F

ARTICLES = [
    Article("a", "سلام", "مطر مطر جبل"),
    Article("b", "جبل", "سلام نهر نهر نهر نهر"),
    Article("c", "نهر", "جبل جبل"),
    Article("d", "مطر", "السلام سيول"),
]
IDF = {1: 1.203973, 2: 0.693147, 3: 0.356675}


def scores(index, query: str) -> list[tuple[str, float]]:
    return [(hit["id"], hit["score"]) for hit in index.search(query)["results"]]


def bm25f(df: int, pseudo: float) -> float:
    return IDF[df] * pseudo * 2 / (pseudo + 1)


def test_the_words_have_one_stem_each():
    """The figures assume no second reading where none is named."""
    for word in ("سلام", "مطر", "جبل", "نهر", "سيول", "سول"):
        assert stems(word) == (word,)
    assert stems("السلام") == ("سلام",)
    assert stems("لجبل") == ("لجبل", "جبل")


def test_idf_field_weight_length_norm_and_exact_form(index):
    """سلام: stem in a's title, b's and d's bodies (df 3); the exact form (not السلام) in a's
    title and b's body (df 2).

        a  stem  bm25f(3, 2 * 1 / 1)   = 0.475567   exact 0.25 * bm25f(2, 2)     = 0.231049
        b  stem  bm25f(3, 1 / 1.5)     = 0.285340   exact 0.25 * bm25f(2, 1/1.5) = 0.138629
        d  stem  bm25f(3, 1 / 0.75)    = 0.407629   (السلام: no exact match)
    """
    assert bm25f(3, 2) == pytest.approx(0.475567, abs=1e-6)
    assert scores(index, "سلام") == [
        ("a", pytest.approx(0.7066, abs=1e-4)),  # the title weighs twice the body
        ("b", pytest.approx(0.4240, abs=1e-4)),  # the longer body, but the exact form too
        ("d", pytest.approx(0.4076, abs=1e-4)),  # a short body, the stem only
    ]


def test_term_frequency_saturates(index):
    """نهر (df 2): four times in b's long body against once in c's title.

        b  bm25f(2, 4 / 1.5) = 1.008214, exact 0.252054: 1.260268
        c  bm25f(2, 2)       = 0.924196, exact 0.231049: 1.155245
    Four occurrences are worth 1.09 times one title occurrence, not four times.
    """
    assert scores(index, "نهر") == [
        ("b", pytest.approx(1.2603, abs=1e-4)),
        ("c", pytest.approx(1.1552, abs=1e-4)),
    ]


def test_a_clitic_reading_counts_three_quarters(index):
    """لجبل is not in the index; its reading ل + جبل is (df 3), at 0.75.

    c  0.75 * bm25f(3, 2 / 0.75) = 0.389100
    b  0.75 * bm25f(3, 2 * 1)    = 0.356675
    a  0.75 * bm25f(3, 1 / 1)    = 0.267506
    """
    assert scores(index, "لجبل") == [
        ("c", pytest.approx(0.3891, abs=1e-4)),
        ("b", pytest.approx(0.3567, abs=1e-4)),
        ("a", pytest.approx(0.2675, abs=1e-4)),
    ]


def test_a_spelling_variant_counts_half_of_the_word_typed(index):
    """سول finds d through its variant سيول (df 1): 0.5 * bm25f(1, 1 / 0.75) = 0.687984;
    typing سيول itself gives the stem and the exact form: 1.25 * 1.375969 = 1.719961."""
    assert scores(index, "سول") == [("d", pytest.approx(0.6880, abs=1e-4))]
    assert scores(index, "سيول") == [("d", pytest.approx(1.7200, abs=1e-4))]


def test_consecutive_words_close_together_earn_the_proximity_bonus(index):
    """مطر جبل: in a's body جبل follows مطر, within 3 words: 0.5 * the mean of their
    body_exact idf, (1.203973 + 0.693147) / 4 = 0.474280, on top of

        مطر  stem bm25f(2, 2) = 0.924196   exact 0.25 * bm25f(2, 2) = 0.231049
        جبل  stem bm25f(3, 1) = 0.356675   exact 0.25 * bm25f(3, 1) = 0.089169
    a: 1.601089 + 0.474280 = 2.075369. d holds only مطر (title): 1.155245.
    """
    ranked = scores(index, "مطر جبل")
    assert ranked[:2] == [
        ("a", pytest.approx(2.0754, abs=1e-4)),
        ("d", pytest.approx(1.1552, abs=1e-4)),
    ]
    rows = index.search("مطر جبل", explain=True)["results"][0]["explain"]
    bonus = [row["score"] for row in rows if row["form"] == "proximity"]
    assert bonus == [pytest.approx(0.4743, abs=1e-4)]


def test_bm25f_parts_one_by_one():
    bm25 = BM25F()
    assert bm25.idf(2, 4) == pytest.approx(math.log(2))
    assert bm25.idf(4, 4) > 0  # a word in every article still counts a little
    lengths = np.array([2.0, 3.0, 5.0], dtype=np.float32)
    assert bm25.length_norm(lengths, 3.0).tolist() == pytest.approx([0.75, 1.0, 1.5])
    assert bm25.saturate(np.array([1.0, 3.0, 1e9]), 1.0).tolist() == pytest.approx(
        [1.0, 1.5, 2.0]
    )  # k1 + 1 is the ceiling
    one_field = bm25.term(np.array([1.0]), np.array([3.0]), 3.0, 1.0)
    assert one_field.tolist() == pytest.approx([1.0])  # tf 1 at the mean length
    assert BM25F(b=0.0).length_norm(lengths, 3.0).tolist() == [1.0, 1.0, 1.0]
