"""Did-you-mean never changes the meaning: only words the index does not know are respelled,
never into one of their own spelling variants, and a typo is respelled even when the rest of
the query finds plenty."""

from __future__ import annotations

from search.documents import Article

ARTICLES = [
    *(
        Article(f"ksa-{i}", "المملكة العربية السعودية", "أخبار المملكة العربية السعودية اليوم")
        for i in range(6)
    ),
    *(Article(f"whole-{i}", "الاقتصاد ككل", "نما الاقتصاد ككل هذا العام") for i in range(5)),
    *(Article(f"writer-{i}", "الكاتب والرواية", "قال الكاتب إن روايته الجديدة") for i in range(4)),
    *(Article(f"books-{i}", "كتب جديدة", "كتب كثيرة في المعرض") for i in range(5)),
]


def test_a_typo_among_well_found_words_is_respelled(index):
    body = index.search("المملكه العربيه السعودبه")
    assert body["total"] == 6  # the first two words find every article already
    assert body["suggestion"] == "المملكه العربيه السعودية"  # as the articles write it


def test_a_word_the_index_knows_through_its_stems_is_left_alone(index):
    body = index.search("كاتب")  # no article writes كاتب, four write الكاتب
    assert body["total"] == 4
    assert body["suggestion"] is None  # never كتب, a common word one letter away


def test_a_spelling_variant_is_no_correction(index):
    # كوكل (Google, from گوگل) is in no article; ككل ("as a whole") is one dropped long
    # vowel away and common: a variant the search tries itself, never a suggestion
    assert index.search("كوكل")["suggestion"] is None


def test_an_unknown_word_with_a_real_neighbour_is_respelled(index):
    assert index.search("الرواىة")["suggestion"] is None  # folds to الروايه: known
    body = index.search("الكتاتب")
    assert body["total"] == 4  # the fuzzy guess finds الكاتب's articles, below all else
    assert body["suggestion"] == "الكاتب"
