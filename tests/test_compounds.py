"""Letter-digit compounds (F-16, COVID-19, كوفيد-19) match their written variants (hyphen,
none, space), are marked as the article wrote them, and never dissolve into their number."""

from __future__ import annotations

import pytest

from search.documents import Article

ARTICLES = [
    Article("hyphen", "طائرات F-16 تصل", "وصلت طائرات F-16 الأمريكية اليوم إلى القاعدة"),
    Article("joined", "طائرات F16 جديدة", "تسلمت القوات الجوية طائرات F16 حديثة"),
    Article("spaced", "طائرة F 16", "سقطت طائرة من طراز F 16 قرب الحدود"),
    Article("covid", "إصابات كوفيد-19", "ارتفعت إصابات كوفيد-19 في المدينة"),
    Article("covid-spaced", "لقاح كوفيد 19", "بدأ توزيع لقاح كوفيد 19 أمس"),
    Article("covid-joined", "كوفيد١٩ والمدارس", "أغلقت المدارس بسبب كوفيد١٩ مؤقتا"),
    Article("number", "حصيلة 19 قتيلا", "قتل 19 شخصا في حادث سير على الطريق"),
    Article("latin", "COVID-19 vaccine", "The COVID-19 vaccine reached the city"),
]
F16 = {"hyphen", "joined", "spaced"}
COVID = {"covid", "covid-spaced", "covid-joined"}


def found(index, query: str) -> set[str]:
    return {hit["id"] for hit in index.search(query, per_page=20)["results"]}


@pytest.mark.parametrize("query", ["F-16", "F16", "f16", "F 16"])
def test_f16_is_found_however_it_is_written(index, query):
    assert found(index, query) == F16


@pytest.mark.parametrize("query", ["كوفيد-19", "كوفيد19", "كوفيد-١٩", "كوفيد 19"])
def test_covid_is_found_however_it_is_written(index, query):
    assert found(index, query) >= COVID


def test_a_compound_never_dissolves_into_its_number(index):
    assert "number" not in found(index, "كوفيد-19")  # 19 alone is another story
    assert "number" not in found(index, "F16")
    assert found(index, "COVID-19") == {"latin"}  # a Latin compound stays one word too
    assert index.search("F16")["suggestion"] is None  # the index knows f16


def test_compounds_are_marked_as_written(index):
    hits = {hit["id"]: hit for hit in index.search("كوفيد-19", per_page=20)["results"]}
    assert "<mark>كوفيد١٩</mark>" in hits["covid-joined"]["snippet_html"]
    assert "<mark>كوفيد-19</mark>" in hits["covid"]["snippet_html"]
    assert "<mark>كوفيد</mark> <mark>19</mark>" in hits["covid-spaced"]["snippet_html"]


def test_explain_adds_up_for_compounds_boosted_or_not(index):
    for query in ("كوفيد-19", "كوفيد-19^2 لقاح", "F16"):
        for hit in index.search(query, explain=True, per_page=20)["results"]:
            counted = sum(row["score"] for row in hit["explain"] if row["counted"])
            assert counted == pytest.approx(hit["score"], abs=5e-4), (query, hit["id"])
