"""Repeated identical searches come from each worker's result cache, and only while the
index they were answered from is the live one."""

from __future__ import annotations

from search.documents import Article
from search.store import index_articles
from search.web import create_app
from search.web.results_cache import ResultCache


def test_a_repeated_search_is_answered_from_the_cache_with_the_same_body(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index)})
    client = app.test_client()
    cache = app.extensions["result_cache"]
    first = client.get("/api/search", query_string={"q": "كوريا"})
    again = client.get("/api/search", query_string={"q": "كوريا"})
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    assert (cache.hits, cache.misses) == (1, 1)
    other = client.get("/api/search", query_string={"q": "كوريا", "per_page": 5})
    assert len(other.get_json()["results"]) <= 5
    assert cache.misses == 2  # another parameter is another search


def test_a_new_generation_is_searched_afresh(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index)})
    client = app.test_client()
    before = client.get("/api/search", query_string={"q": "الزعفران"}).get_json()
    assert before["total"] == 0
    index_articles(writable_index, [Article(id="saffron", title="الزعفران", body="حقول")])
    after = client.get("/api/search", query_string={"q": "الزعفران"}).get_json()
    assert [hit["id"] for hit in after["results"]] == ["saffron"]


def test_the_cache_keeps_to_its_byte_budget():
    cache = ResultCache(budget_bytes=3_000)
    for number in range(10):
        cache.put(("g", str(number)), b"x" * 800, number)
    assert cache.get(("g", "0")) is None  # the oldest went first
    assert cache.get(("g", "9")) == (b"x" * 800, 9)
    assert sum(len(body) + 200 for body, _ in cache._entries.values()) <= 3_000
    cache.put(("g", "huge"), b"x" * 5_000, 1)
    assert cache.get(("g", "huge")) is None  # larger than the whole budget: not kept


def test_no_budget_keeps_nothing(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index), "RESULT_CACHE_MB": 0})
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/search", query_string={"q": "كوريا"}).status_code == 200
    assert app.extensions["result_cache"].hits == 0
