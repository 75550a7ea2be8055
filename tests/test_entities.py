"""HTML entities from scraped exports are decoded on ingest, once, whichever way an article
arrives (seed file, JSON Lines, the write API), and the page shows the text, not the code."""

from __future__ import annotations

import json

from search.documents import read_paths
from search.store import index_articles
from search.web import create_app

TITLE = "ارتفاع &quot;فلكي&quot; في الأسعار"
BODY = "قال الوزير &#8220;لا تراجع&#8221; عن القرار &amp; أضاف أن &amp;quot; ليست علامة"


def test_seed_files_and_json_lines_are_decoded_once(tmp_path):
    seed = tmp_path / "s1.txt"
    seed.write_text(f"{TITLE}\n{BODY}\n", encoding="utf-8")
    lines = tmp_path / "in.jsonl"
    row = {"id": "j1", "title": TITLE, "body": BODY, "tags": ["أسعار &amp; أسواق"]}
    lines.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    articles = list(read_paths([seed, lines]))
    for article in articles:
        assert article.title == 'ارتفاع "فلكي" في الأسعار'
        assert article.body.startswith("قال الوزير “لا تراجع” عن القرار & أضاف")
        assert "&quot; ليست" in article.body  # &amp;quot; decoded once, to &quot;
    assert articles[1].tags == ("أسعار & أسواق",)


def test_the_write_api_decodes_and_the_page_shows_the_text(tmp_path):
    seed = tmp_path / "first.txt"
    seed.write_text("عنوان أول\nنص أول عن الأسعار\n", encoding="utf-8")
    index_articles(tmp_path / "ix", read_paths([seed]))
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix"), "ADMIN_TOKEN": "t"})
    client = app.test_client()
    sent = client.put(
        "/api/documents/prices",
        json={"title": TITLE, "body": BODY},
        headers={"Authorization": "Bearer t"},
    )
    assert sent.status_code == 201
    stored = client.get("/api/documents/prices").get_json()
    assert stored["title"] == 'ارتفاع "فلكي" في الأسعار'
    page = client.get("/articles/prices").get_data(as_text=True)
    assert "&amp;quot;فلكي" not in page and "فلكي" in page
    hits = client.get("/api/search", query_string={"q": "فلكي"}).get_json()["results"]
    assert hits[0]["title_html"] == 'ارتفاع "<mark>فلكي</mark>" في الأسعار'
