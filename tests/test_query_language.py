"""The operators peers and Alfanous users expect: AND, NOT / ليس / وليس, ? wildcards, ^
boosts, sloppy phrases, and a visible notice for what the grammar does not support."""

from __future__ import annotations

import pytest

from search.query.parser import Not, Phrase, Required, Term, parse_with_notices

from .conftest import ids


def test_not_words_exclude_like_a_minus(find):
    minus = ids(find("روسيا -اليابان"))
    assert minus == ["004"]  # the only article naming روسيا and not اليابان
    for query in ("روسيا ليس اليابان", "روسيا وليس اليابان", "روسيا NOT اليابان"):
        assert ids(find(query)) == minus, query


def test_a_lone_not_word_is_searched_as_the_word():
    node, notices = parse_with_notices("ليس")
    assert node == Term("ليس") and notices == []


def test_and_requires_both_sides(find):
    both = find("كوريا AND روسيا")
    assert sorted(ids(both)) == ["000", "002", "003", "004"]  # 001 names كوريا only
    assert sorted(ids(find("كوريا روسيا"))) == ["000", "001", "002", "003", "004"]
    node, _ = parse_with_notices("كوريا AND روسيا سيول")
    assert node.nodes[:2] == (Required(Term("كوريا")), Required(Term("روسيا")))


def test_question_mark_is_one_letter_inside_a_word(find):
    body = find("كور?ا")
    assert body["total"] == 5
    assert "<mark>كوريا</mark>" in body["results"][0]["snippet_html"]
    assert find("كو??ا")["total"] == 5 and find("كور?")["total"] == 5  # a final ? ends a question
    assert find("كوري?ا")["total"] == 0  # no seven-letter word of the seeds fits
    # a ? that ends the text ends a question
    node, _ = parse_with_notices("ما هي عاصمة فرنسا?")
    assert node.nodes[-1] == Term("فرنسا")


def test_a_wildcard_needs_two_letters_before_it(client):
    response = client.get("/api/search", query_string={"q": "ك?ريا"})
    assert response.status_code == 400
    assert "2 letters" in response.get_json()["error"]["message"]


def test_boost_multiplies_the_word_and_adds_no_stray_number(find):
    plain = {h["id"]: h["score"] for h in find("كوريا", explain=True)["results"]}
    boosted = find("كوريا^2", explain=True)
    for hit in boosted["results"]:
        assert hit["score"] == pytest.approx(2 * plain[hit["id"]], abs=2e-4)
        assert all(row["term"] != "2" for row in hit["explain"])
        counted = sum(row["score"] for row in hit["explain"] if row["counted"])
        assert counted == pytest.approx(hit["score"], abs=5e-4)
    node, _ = parse_with_notices('"حلف الناتو"^3 كوريا^1.5')
    assert node.nodes == (Phrase(("حلف", "الناتو"), boost=3.0), Term("كوريا", boost=1.5))


def test_phrase_slop_lets_words_apart(find):
    assert find('"الولايات كوريا"')["total"] == 0  # never next to each other
    sloppy = find('"الولايات كوريا"~3')
    assert ids(sloppy) == ["003"]
    assert "<mark>كوريا</mark>" in sloppy["results"][0]["snippet_html"]
    node, _ = parse_with_notices('"الولايات كوريا"~3')
    assert node == Phrase(("الولايات", "كوريا"), slop=3)


def test_unsupported_syntax_gets_a_notice_never_a_silent_rewrite(find):
    body = find("كوريا~9")
    assert body["total"] == 5
    assert body["notices"] == ["كوريا~9: at most 2 edits; searched كوريا~2"]
    fielded = find("date:2024 كوريا")
    assert fielded["notices"][0].startswith("date: is not a field")
    assert find("كوريا")["notices"] == []


def test_the_source_filter_folds_spelling_as_source_colon_does(find):
    written = ids(find("كوريا", source="أ ف ب"))
    assert written == ["000"]
    for spelling in ("ا ف ب", "إ ف ب", " أ  ف ب "):
        assert ids(find("كوريا", source=spelling)) == written, spelling
    assert find("كوريا", source="أ ف")["total"] == 0  # a value is whole, not a prefix


def test_not_of_a_phrase_and_requirements_parse():
    node, _ = parse_with_notices('+"كوريا الشمالية" ليس "كوريا الجنوبية"')
    assert node.nodes == (
        Required(Phrase(("كوريا", "الشمالية"))),
        Not(Phrase(("كوريا", "الجنوبية"))),
    )


def test_the_page_shows_notices_and_documents_the_operators(client):
    page = client.get("/", query_string={"q": "كوريا~9"}).get_data(as_text=True)
    assert '<p class="notice" dir="auto">كوريا~9: at most 2 edits' in page
    help_text = client.get("/").get_data(as_text=True)
    for operator in ("ليس روسيا", "AND", "كور?ا", "كوريا^2", '"كوريا الصواريخ"~3', "كوريه~"):
        assert operator in help_text.replace("&#34;", '"'), operator
