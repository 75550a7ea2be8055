"""Suggest as you type (issue 17): GET /api/suggest, `arabic-search suggest`, and the
completions behind them, as a reader typing into the search box meets them."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from search.cli import main
from search.documents import Article
from search.web import create_app

from .test_api import assert_error

TOKEN = "suggest-token"


def art(doc_id: str, title: str, body: str, day: int = 1) -> Article:
    return Article(id=doc_id, title=title, body=body, date=dt.date(2024, 5, day))


# Austin written as most articles write it (أوستن) and once without its hamza; two wire copies
# of one story under one title; more articles about the North than the East.
ARTICLES = [
    art("a1", "أوستن في سيول", "وصل وزير الدفاع أوستن إلى سيول.", 1),
    art("a2", "لقاء أوستن ونظيره", "قال أوستن إن التعاون مستمر.", 2),
    art("a3", "اوستن يغادر", "غادر اوستن العاصمة، وأوستن يعود الشهر المقبل.", 3),
    art("k1", "كوريا الشمالية تطلق صاروخاً", "أطلقت كوريا الشمالية صاروخاً جديداً.", 4),
    art("k2", "عقوبات على كوريا الشمالية", "فرضت عقوبات على كوريا الشمالية في المنطقة.", 5),
    art("k3", "كوريا والشرق", "كوريا الشمالية ودول الشرق الأقصى.", 6),
    art("w1", "اتفاق تجاري بين البلدين", "نص الخبر كما وزعته الوكالة.", 7),
    art("w2", "اتفاق تجاري بين البلدين", "نص الخبر كما وزعته الوكالة في صحيفة أخرى.", 8),
    art("s1", "فيضانات في الشرق", "ضربت الفيضانات مناطق في الشرق، في الليل.", 9),
]


def suggest(client, text: str) -> list[dict]:
    response = client.get("/api/suggest", query_string={"q": text})
    assert response.status_code == 200, response.data[:300]
    body = response.get_json()
    assert body["query"] == text
    return body["suggestions"]


def texts(found: list[dict], kind: str = "word") -> list[str]:
    return [item["text"] for item in found if item["kind"] == kind]


def test_a_folded_prefix_completes_to_the_word_as_the_articles_write_it(client):
    found = suggest(client, "اوس")  # typed without the hamza
    assert found[0] == {"text": "أوستن", "kind": "word", "count": 4}


def test_the_most_common_spelling_is_shown(articles_folder):
    client = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()
    # three articles write أوستن, one of them اوستن as well: the common form is shown
    assert suggest(client, "اوس")[0] == {"text": "أوستن", "kind": "word", "count": 3}
    assert suggest(client, "أوس")[0]["text"] == "أوستن"


def test_the_words_before_the_last_choose_and_count_its_completions(articles_folder):
    client = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()
    alone = suggest(client, "الش")
    assert texts(alone)[:2] == ["الشمالية", "الشرق"]
    after = suggest(client, "كوريا الش")
    words = [(item["text"], item["count"]) for item in after if item["kind"] == "word"]
    # three articles hold كوريا with الشمالية, one with الشرق; فيضانات في الشرق does not count
    assert words == [("كوريا الشمالية", 3), ("كوريا الشرق", 1)]


def test_titles_come_after_words_and_wire_copies_count_once(articles_folder):
    client = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()
    found = suggest(client, "اتفاق تجا")
    assert [item["kind"] for item in found] == ["word", "title"]
    title = found[1]
    assert (title["text"], title["count"]) == ("اتفاق تجاري بين البلدين", 2)
    assert title["id"] in ("w1", "w2")
    titles = texts(suggest(client, "كوريا الشم"), "title")
    assert titles[0] == "عقوبات على كوريا الشمالية"  # the newest first
    assert set(titles) == {"عقوبات على كوريا الشمالية", "كوريا الشمالية تطلق صاروخاً"}


def test_stop_words_and_query_syntax_are_not_completed(articles_folder):
    client = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()
    assert "في" not in texts(suggest(client, "ف"))
    assert texts(suggest(client, "فيضانات OR"), "word") == []  # OR is syntax, no word
    assert texts(suggest(client, "title:اوس"))[0] == "title:أوستن"  # the field stays as typed
    assert suggest(client, "   ") == []
    assert suggest(client, "؟!") == []
    assert texts(suggest(client, "اوستن "), "word") == []  # a space: the word is finished


def test_a_word_added_over_http_is_suggested_at_once(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index), "ADMIN_TOKEN": TOKEN})
    client = app.test_client()
    assert suggest(client, "زيلينس") == []
    document = {"title": "زيلينسكي في واشنطن", "body": "التقى زيلينسكي بالرئيس."}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.put("/api/documents/new-1", json=document, headers=headers).status_code == 201
    found = suggest(client, "زيلينس")
    assert found[0] == {"text": "زيلينسكي", "kind": "word", "count": 1}
    assert client.delete("/api/documents/new-1", headers=headers).status_code == 200
    assert suggest(client, "زيلينس") == []  # deleted: neither its words nor its title


def test_bad_requests_are_clear_errors(client):
    assert "q" in assert_error(client.get("/api/suggest"), 400, "bad_parameter")["message"]
    long = client.get("/api/suggest", query_string={"q": "ك" * 201})
    assert "200" in assert_error(long, 400, "bad_parameter")["message"]
    extra = client.get("/api/suggest", query_string={"q": "كور", "limit": "3"})
    assert extra.status_code == 400
    assert extra.get_json()["error"]["code"] == "unknown_parameter"
    assert "limit" in extra.get_json()["error"]["message"]
    assert client.get("/api/suggest", query_string={"q": "ك" * 200}).status_code == 200


def test_the_cli_prints_the_suggestions(seed_index):
    result = CliRunner().invoke(
        main, ["suggest", "اوس", "--index", str(seed_index)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == ["4", "word", "أوستن"]
