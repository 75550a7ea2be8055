"""Sorting, filters of several values, exclusions, tags and chosen facets (issue 17), as a
reader uses them: through the API, the library and the CLI, over a small index of news
articles whose sources, tags and dates are known."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from search.cli import main
from search.documents import Article
from search.results.request import FACET_LIMIT
from search.web import create_app

from .test_api import assert_error

BODY = "أعلنت وزارة الصحة عن خطة جديدة لمكافحة الوباء في المدن الكبرى"
ARTICLES = [
    Article("a1", "خطة الصحة", BODY, dt.date(2021, 3, 1), "رويترز", tags=("صحة", "كورونا")),
    Article("a2", "خطة الصحة الثانية", BODY, dt.date(2022, 5, 2), "أ ف ب", tags=("صحة",)),
    Article("a3", "وزارة الصحة", BODY, dt.date(2023, 7, 3), "الأهرام", tags=("كورونا", "مصر")),
    Article("a4", "الصحة في المدن", BODY, dt.date(2020, 1, 4), "رويترز", tags=("مدن",)),
    Article("a5", "الوباء والصحة", BODY, None, "الجزيرة", tags=()),
]
# Twelve more sources, one article each, for the facet cap.
ARTICLES += [
    Article(f"s{i}", "الصحة", BODY, dt.date(2019, 1, 1 + i), f"مصدر {i}") for i in range(12)
]
SMALL = [a.id for a in ARTICLES[:5]]


@pytest.fixture(scope="module")
def client(articles_folder):
    return create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()


def get(client, **params) -> dict:
    response = client.get("/api/search", query_string={"q": "الصحة", **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def found(body: dict) -> list[str]:
    return [hit["id"] for hit in body["results"] if hit["id"] in SMALL]


# --- sorting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("date:desc", ["a3", "a2", "a1", "a4", "a5"]),
        ("date", ["a3", "a2", "a1", "a4", "a5"]),  # the older spelling of date:desc
        ("date:asc", ["a4", "a1", "a2", "a3", "a5"]),  # undated last either way
    ],
)
def test_sort_by_date_both_ways(client, sort, expected):
    body = get(client, sort=sort, per_page=100, source=["رويترز", "أ ف ب", "الأهرام", "الجزيرة"])
    assert found(body) == expected


def test_an_unknown_sort_is_a_400_naming_the_choices(client):
    error = assert_error(client.get("/api/search?q=الصحة&sort=date:up"), 400, "bad_parameter")
    assert "relevance, date:desc, date:asc" in error["message"]


# --- filters of several values, exclusions, tags ------------------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"source": ["رويترز", "أ ف ب"]}, {"a1", "a2", "a4"}),  # any of them
        ({"source": "ا ف ب"}, {"a2"}),  # folded as the source: field is
        ({"source_not": ["رويترز", "أ ف ب"]}, {"a3", "a5"}),
        ({"source": "رويترز", "source_not": "رويترز"}, set()),
        ({"tag": "كورونا"}, {"a1", "a3"}),
        ({"tag": ["مصر", "مدن"]}, {"a3", "a4"}),
        ({"tag_not": "صحة"}, {"a3", "a4", "a5"}),
        ({"tag": "كورونا", "tag_not": "مصر"}, {"a1"}),
        ({"tag": "كورونا", "source": "الأهرام"}, {"a3"}),  # different filters all apply
        ({"tag": "كورونا", "from": "2022-01-01", "to": "2023-12-31"}, {"a3"}),
        ({"source": ["", "  "], "facet_limit": 1}, set(SMALL)),  # empty values: no filter
    ],
)
def test_filters_of_several_values_and_exclusions(client, params, expected):
    body = get(client, per_page=100, **params)
    assert set(found(body)) == expected
    assert body["total"] == len(body["results"])


def test_the_tag_filter_takes_a_whole_tag_not_a_word_of_it(client):
    # كورونا is a tag of a1 and a3, and مصر a tag of a3 only: no word-level match
    assert found(get(client, tag="كورون")) == []


def test_too_many_values_of_one_filter_are_a_400(client):
    query = "&".join(f"source=s{i}" for i in range(21))
    error = assert_error(client.get(f"/api/search?q=الصحة&{query}"), 400, "bad_parameter")
    assert error["message"] == "source: takes at most 20 values"


# --- facets --------------------------------------------------------------------------------


def test_the_tag_facet_counts_each_tag_of_the_matches(client):
    facets = get(client, source=["رويترز", "أ ف ب", "الأهرام"])["facets"]
    assert facets["tag"] == {"صحة": 2, "كورونا": 2, "مدن": 1, "مصر": 1}
    assert list(facets) == ["source", "year", "tag"]


def test_a_facet_counts_the_same_however_its_pairs_are_found(articles_folder, monkeypatch):
    from search.results import SearchRequest, body, search
    from search.store import open_reader

    requests = [
        SearchRequest(q="الصحة"),
        SearchRequest(q="الصحة", sources=("رويترز", "أ ف ب", "الأهرام")),
        SearchRequest(q="الصحة", tags=("صحة",)),
        SearchRequest(q="كورونا"),
    ]
    found = {}
    with open_reader(articles_folder) as reader:
        for few in (0, 10**9):  # every search's pairs found by binary search, then by a mask
            monkeypatch.setattr(body, "FEW_DOCUMENTS", few)
            found[few] = [search(reader, request)["facets"] for request in requests]
    assert found[0] == found[10**9]
    assert found[0][1]["tag"] == {"صحة": 2, "كورونا": 2, "مدن": 1, "مصر": 1}
    assert sum(bool(facets["tag"]) for facets in found[0]) >= 3


@pytest.mark.parametrize(
    "chosen, names",
    [
        ("source,tag", ["source", "tag"]),
        ("year", ["year"]),
        ("", []),
        ("tag,source", ["source", "tag"]),
    ],
)
def test_facets_chooses_which_are_counted(client, chosen, names):
    assert list(get(client, facets=chosen)["facets"]) == names


def test_an_unknown_facet_is_a_400(client):
    error = assert_error(
        client.get("/api/search?q=الصحة&facets=source,colour"), 400, "bad_parameter"
    )
    assert "source, year, tag" in error["message"]


def test_each_facet_is_capped_most_frequent_first(client):
    sources = get(client)["facets"]["source"]
    assert len(sources) == FACET_LIMIT  # 16 sources match
    assert next(iter(sources)) == "رويترز"  # 2 articles; every other source has 1
    assert list(get(client, facet_limit=3)["facets"]["source"]) == ["رويترز", "أ ف ب", "الأهرام"]
    assert len(get(client, facet_limit=100)["facets"]["source"]) == 16


def test_facets_of_an_archive_without_sources_dates_or_tags_are_empty(tmp_path):
    """Articles that carry none of the facets' fields: every facet empty, even the chosen
    ones, and a filter on one of them finds nothing."""
    from search.store import index_articles

    index_articles(tmp_path, [Article(f"n{i}", "الصحة", BODY) for i in range(3)])
    plain = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    body = get(plain, facets="source,year,tag", source="رويترز")
    assert body["facets"] == {"source": {}, "year": {}, "tag": {}} and body["total"] == 0
    body = get(plain, facets="source,year,tag")
    assert body["facets"] == {"source": {}, "year": {}, "tag": {}} and body["total"] == 3


def test_a_chosen_value_beyond_the_cap_is_still_counted(client):
    sources = get(client, source="مصدر 9", facet_limit=1)["facets"]["source"]
    assert sources == {"مصدر 9": 1}
    assert assert_error(client.get("/api/search?q=الصحة&facet_limit=101"), 400, "bad_parameter")


# --- library and CLI -------------------------------------------------------------------------


def test_the_library_takes_the_same_filters(index):
    body = index.search("الصحة", tag=["مصر", "مدن"], sort="date:asc", facets=["tag"])
    assert [hit["id"] for hit in body["results"]] == ["a4", "a3"]
    assert body["facets"] == {"tag": {"كورونا": 1, "مدن": 1, "مصر": 1}}  # a3's three tags


def test_the_cli_takes_the_same_filters(articles_folder):
    result = CliRunner().invoke(
        main,
        [
            "query",
            "الصحة",
            "--index",
            str(articles_folder),
            "--source",
            "رويترز",
            "--source",
            "الأهرام",
            "--tag-not",
            "مدن",
            "--sort",
            "date:asc",
            "--json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert [hit["id"] for hit in json.loads(result.output)["results"]] == ["a1", "a3"]
