"""Searches on a real index of the seeds, through the package's own search function."""

from __future__ import annotations

import pytest

from search.errors import BadQuery

from .conftest import ids

AUSTIN_ARTICLES = ["000", "001", "003", "004"]  # the four seeds that name أوستن
KOREA_ARTICLES = ["000", "001", "002", "003", "004"]


def test_bare_alef_finds_every_hamzated_austin(find):
    assert sorted(ids(find("اوستن"))) == AUSTIN_ARTICLES


@pytest.mark.parametrize(
    "query",
    [
        "کوریا",  # Persian keheh and farsi yeh, as the seeds' tags write it
        "كـوريـا",  # tatweel
        "كُورِيَا",  # diacritics
        "ﻛﻮﺭﻳﺎ",  # presentation forms
    ],
)
def test_every_spelling_of_korea_finds_the_korea_articles(find, query):
    assert sorted(ids(find(query))) == KOREA_ARTICLES


def test_plural_query_finds_singular_text(find):
    body = find("التهديدات")
    texts = " ".join(hit["snippet_html"] + hit["title_html"] for hit in body["results"])
    assert "<mark>التهديد</mark>" in texts or "<mark>التهديدات</mark>" in texts
    assert "003" in ids(body)  # 003 writes التهديدات only in the body


def test_singular_query_finds_plural_text(find):
    assert "001" in ids(find("التهديد"))


def test_diacritized_query_finds_undiacritized_text(find):
    assert ids(find("بْلِينْكِن"))[0] == "002"


def test_marks_fall_on_the_word_as_the_article_wrote_it(find):
    hit = find("اوستن")["results"][0]
    assert "<mark>أوستن</mark>" in hit["snippet_html"]


def test_clitic_attached_forms_are_found_and_marked(find):
    body = find("كوريا")
    snippets = " ".join(hit["snippet_html"] for hit in body["results"])
    assert "<mark>لكوريا</mark>" in snippets or "<mark>وكوريا</mark>" in snippets


def test_blinken_ranks_his_article_first(find):
    assert ids(find("بلينكن"))[0] == "002"


def test_title_field_restricts_to_titles(find):
    assert ids(find("title:بلينكن")) == ["002"]


def test_natural_language_question_finds_the_article(find):
    body = find("متى وقعت الولايات المتحدة وكوريا الجنوبية اتفاقية الردع؟")
    assert ids(body)[0] == "000"


def test_more_matched_words_rank_higher(find):
    # 002 is the only article with both words; the others hold only كوريا
    assert ids(find("بلينكن كوريا"))[0] == "002"


@pytest.mark.parametrize(
    "typed, written",
    [
        ("بيونج", "بيونغ"),  # Egyptian ج vs Levantine غ
        ("بيونغ", "بيونج"),
        ("بوتن", "بوتين"),  # optional long vowel
        ("جونج", "جونغ"),
    ],
)
def test_name_spelling_variants_find_each_other(find, typed, written):
    snippets = " ".join(hit["snippet_html"] for hit in find(typed)["results"])
    assert f"<mark>{written}</mark>" in snippets


def test_exact_form_outranks_variant(find):
    # بيونج يانج is written so only in 004; 003 and 000 write بيونغ يانغ
    assert ids(find("بيونج يانج"))[0] == "004"


def test_phrase_matches_words_in_order_only(find):
    assert sorted(ids(find('"حلف شمال الأطلسي"'))) == ["003", "004"]
    assert ids(find('"الأطلسي شمال حلف"')) == []
    assert set(ids(find("الأطلسي شمال حلف"))) >= {"003", "004"}


def test_stop_word_inside_a_phrase_counts(find):
    assert ids(find('"محادثات أمنية سنوية مع المسؤولين"')) == ["000"]
    assert ids(find('"محادثات أمنية سنوية في المسؤولين"')) == []  # another stop word


def test_exclusion(find):
    assert "002" not in ids(find("كوريا -بلينكن"))
    assert set(ids(find('كوريا -"حلف شمال الأطلسي"'))) == {"000", "001", "002"}


def test_or_between_alternatives(find):
    # بلينكن: 000 and 002; ستولتنبرغ: 003 only
    assert set(ids(find("بلينكن OR ستولتنبرغ"))) == {"000", "002", "003"}
    assert set(ids(find("بلينكن أو ستولتنبرغ"))) == {"000", "002", "003"}
    assert set(ids(find("title:بلينكن OR title:ستولتنبرغ"))) == {"002"}


def test_prefix(find):
    body = find("ستولتن*")
    assert ids(body) == ["003"]
    assert "<mark>ستولتنبرغ</mark>" in body["results"][0]["snippet_html"]


def test_read_also_teasers_are_not_searchable(find):
    # "إيطاليا" appears only in 003's read-also line
    assert find("إيطاليا")["total"] == 0


def test_spelling_suggestion_from_the_index_vocabulary(find):
    body = find("الشكمالية")
    assert body["suggestion"] == "الشمالية"
    assert body["notices"][0].startswith("no article holds الشكمالية")


def test_no_suggestion_when_results_are_plenty(find):
    assert find("كوريا")["suggestion"] is None


@pytest.mark.parametrize("query", ["", "   ", "-كوريا", "...؟؟،،!!", "((()))"])
def test_queries_with_nothing_to_search_are_refused(find, query):
    with pytest.raises(BadQuery):
        find(query)


@pytest.mark.parametrize("query", ['"كوريا الشمالية', "(كوريا OR سيول", "كوريا)", "OR كوريا OR"])
def test_unbalanced_syntax_still_searches(find, query):
    assert find(query)["total"] > 0


def test_explain_names_the_matched_words_fields_and_forms(find):
    hit = find("بيونج يانج", explain="1")["results"]
    by_id = {h["id"][:3]: h for h in hit}
    forms_004 = {(row["word"], row["form"]) for row in by_id["004"]["explain"]}
    assert ("بيونج", "exact") in forms_004  # 004 writes بيونج
    forms_003 = {(row["word"], row["form"], row["term"]) for row in by_id["003"]["explain"]}
    assert ("بيونج", "variant", "بيونغ") in forms_003  # 003 writes بيونغ
    assert all(row["score"] > 0 for row in by_id["003"]["explain"])


def test_explain_is_absent_unless_asked(find):
    assert "explain" not in find("بلينكن")["results"][0]
