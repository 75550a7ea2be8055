"""More like this: the articles closest to one article, never itself, over the API and on the
article page («مقالات ذات صلة»)."""

from __future__ import annotations

from .conftest import ids  # noqa: F401  (the seed fixtures)

KOREA_US = "000_02ae32e1ae9663b9"  # Austin in Seoul: US and South Korea against the North


def test_similar_articles_never_include_the_article(client):
    response = client.get(f"/api/documents/{KOREA_US}/similar")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == KOREA_US
    found = [hit["id"] for hit in body["results"]]
    assert KOREA_US not in found and len(found) == 4  # every other seed shares its story
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert set(body["results"][0]) == {"id", "title", "date", "source", "score"}


def test_the_closest_article_is_the_same_story(client):
    # 001: Seoul and Washington discuss deterring the North's nuclear threats, as 000 does
    body = client.get(f"/api/documents/{KOREA_US}/similar", query_string={"limit": 1}).get_json()
    assert [hit["id"] for hit in body["results"]] == ["001_5247e4dff38d7759"]


def test_unknown_ids_and_bad_limits_are_clear_errors(client):
    missing = client.get("/api/documents/nothing/similar")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    for limit in ("0", "21", "x"):
        bad = client.get(f"/api/documents/{KOREA_US}/similar", query_string={"limit": limit})
        assert bad.status_code == 400, limit
        assert "limit" in bad.get_json()["error"]["message"]
    extra = client.get(f"/api/documents/{KOREA_US}/similar", query_string={"n": "3"})
    assert extra.status_code == 400


def test_the_article_page_lists_related_articles(client):
    page = client.get(f"/articles/{KOREA_US}").get_data(as_text=True)
    assert "مقالات ذات صلة" in page
    assert 'href="/articles/003_64d9782297a6b38a"' in page
    assert f'href="/articles/{KOREA_US}"' not in page
