"""Fuzzy words (word~, word~N) and the fuzzy reading of a word no article holds: Arabic-aware
costs, below the word as typed, said so in a notice, bounded."""

from __future__ import annotations

import pytest

import search
from search.documents import Article
from search.query.fuzzy import distance

ARTICLES = [
    Article("typed", "كوريه في العنوان", "كتب الكاتب كوريه مرة"),
    Article("a1", "كوريا الشمالية", "تجارب كوريا الصاروخية"),
    Article("a2", "كوريا الجنوبية", "اقتصاد كوريا ينمو"),
    Article("far", "كوبا", "جزيرة كوبا في الكاريبي"),
]


def ids(body) -> list[str]:
    return [hit["id"] for hit in body["results"]]


def test_the_costs_are_arabic_aware():
    assert distance("بوتين", "بوتن") == 0.5  # a long vowel written or not
    assert distance("مسءول", "مسوول") == 0.5  # a hamza for a long vowel
    assert distance("حكومه", "حكومت") == 0.5  # ه for a final ت
    assert distance("كوريا", "كوبيا") == 1.0  # a real letter change
    assert distance("كوريا", "كوراي") == 1.0  # two letters swapped
    assert distance("كوريا", "كوبا") > 1.0


def test_word_tilde_finds_close_words_below_the_word_typed(index):
    body = index.search("كوريه~", explain=True)
    assert ids(body)[0] == "typed"  # the word as typed first
    assert set(ids(body)) == {"typed", "a1", "a2"}  # كوريا, one edit away; not كوبا (two)
    fuzzy = [row for row in body["results"][1]["explain"] if row["form"] == "fuzzy"]
    assert [row["term"] for row in fuzzy] == ["كوريا"]  # listed (Snowball's كوري counted)
    assert "<mark>كوريا</mark>" in body["results"][1]["snippet_html"]
    assert "far" not in ids(index.search("كوريا~"))  # كوبا: two edits from كوريا
    assert "far" in ids(index.search("كوريا~2"))


def test_a_word_no_article_holds_is_searched_fuzzily_and_said_so(index):
    body = index.search("كوريتا")
    assert set(ids(body)) >= {"a1", "a2"}
    assert body["notices"] == [
        "no article holds كوريتا; words one edit from it were searched (كوريا)"
    ]
    assert index.search("كوريا")["notices"] == []  # a known word is never fuzzed unasked


def test_fuzzy_work_is_bounded(index, client):
    with pytest.raises(search.SearchError, match="at least 2 letters"):
        index.search("ك~")
    response = client.get("/api/search", query_string={"q": "كوريا~9"})
    assert response.status_code == 200
    assert response.get_json()["notices"] == ["كوريا~9: at most 2 edits; searched كوريا~2"]
