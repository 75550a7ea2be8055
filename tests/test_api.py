"""The HTTP API through Flask's test client: what a user of /api/search and friends sees."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from urllib.parse import quote

import pytest
from flask import request

from search.documents import Article
from search.results import SearchRequest
from search.store import index_articles
from search.web import create_app

from .conftest import ids

HARAKAT = "\u064b-\u065f\u0670"
WORD = re.compile(rf"[\w{HARAKAT}]+")
WORD_CHAR = re.compile(rf"[\w{HARAKAT}]")
TAG = re.compile(r"<[^>]*>")
CLAUSE_MARKS = "،؛؟.!?;"
ELLIPSIS = "…"
MAX_SNIPPET_TEXT = 260  # SNIPPET_CHARS (200) plus ellipses and the spaces around them
SEED_QUERIES = ["كوريا", "بلينكن", "اوستن", "الردع النووي", "روسيا", "بوتين", "ستولتن*"]
PUBLISHER = "وكالة الصحافة المستقلة"  # the source of 002 and 004

# A small index of articles the seeds lack: full diacritics, markup in the text, and bodies
# whose clause marks (or lack of them) decide where a snippet may be cut.
FILLER = "كان الطقس معتدلا في المدينة طوال اليوم"
CLAUSES = [f"{FILLER} رقم {i}" for i in range(12)]
CLAUSES[6] = "وقد زرع الفلاحون الزعفران في الحقول الشرقية"
CLAUSE_BODY = " ".join(c + m for c, m in zip(CLAUSES, "،؛؟.،؛؟.،؛؟.", strict=True))
UNPUNCTUATED = ("الجبل والنهر والوادي والسهل والبحر والغابة " * 20).split()
UNPUNCTUATED[60] = "القرنفل"
FAR_APART = (  # two query words about 380 characters apart, no clause mark between them
    "الزيتون " + "المطر يهطل على الهضاب الخضراء " * 12 + "البرتقال " + "الشمس تشرق على التلال " * 12
).strip()
EXTRA_ARTICLES = [
    Article(
        id="diacritized",
        title="الرَّئِيسُ يَزُورُ سِيُول",
        body="وَصَلَ الرَّئِيسُ إِلَى سِيُول صَبَاحَ الْيَوْمِ، وَالْتَقَى رَئِيسَ الْوُزَرَاءِ.",
        date=dt.date(2022, 5, 1),
    ),
    Article(
        id="markup",
        title="عنوان <script>alert(1)</script> & \"اقتباس\" 'مفرد' تجربة",
        body=(
            'نص تجربة <script>alert(1)</script> و<b>عريض</b> & "اقتباس" '
            "<mark>مزيف</mark> هنا <img src=x onerror=alert(1)>."
        ),
    ),
    Article(id="clauses", title="مقالة الفواصل", body=CLAUSE_BODY),
    Article(id="unpunctuated", title="مقالة بلا فواصل", body=" ".join(UNPUNCTUATED)),
    Article(id="far-apart", title="مقالة متباعدة", body=FAR_APART),
]


@pytest.fixture(scope="module")
def extra(tmp_path_factory):
    """A test client over an index of EXTRA_ARTICLES."""
    folder = tmp_path_factory.mktemp("extra-index")
    index_articles(folder, EXTRA_ARTICLES)
    return create_app({"TESTING": True, "INDEX_DIR": str(folder)}).test_client()


# --- Helpers -----------------------------------------------------------------------------


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: JSON ``{"error": {"code", "message", "docs"}}`` with this status."""
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "docs"}
    assert body["error"]["docs"] == "README.md#errors"
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"].strip()
    return body["error"]


def get_search(client, q: str, **params) -> dict:
    response = client.get("/api/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def text_of(fragment_html: str) -> str:
    """What the reader sees: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", fragment_html))


def flat(text: str) -> str:
    """Runs of whitespace as one space, as the snippet renders them."""
    return " ".join(text.split())


def is_whole_word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w{HARAKAT}]){re.escape(word)}(?![\w{HARAKAT}])", text) is not None


def fragments(snippet_html: str) -> list[str]:
    """The snippet's fragments as plain text, without the leading/trailing ellipsis."""
    return [part.strip() for part in text_of(snippet_html).split(ELLIPSIS) if part.strip()]


def body_of(client, doc_id: str) -> str:
    response = client.get(f"/api/documents/{doc_id}")
    assert response.status_code == 200
    return response.get_json()["body"]


def assert_only_mark_tags(fragment_html: str) -> None:
    """Only <mark> and </mark>, paired and unnested; no other markup and no bare `&`."""
    assert set(TAG.findall(fragment_html)) <= {"<mark>", "</mark>"}, fragment_html
    unmarked = re.sub(r"<mark>[^<>]*</mark>", "", fragment_html)
    assert "<" not in unmarked and ">" not in unmarked, fragment_html
    assert not re.search(r"&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);)", fragment_html, re.I)


# --- Ranking and query syntax --------------------------------------------------------------


def test_blinken_ranks_his_article_first(client):
    body = get_search(client, "بلينكن")
    assert ids(body)[0] == "002"
    assert body["results"][0]["title_html"].startswith("<mark>بلينكن</mark>")


@pytest.mark.parametrize(
    "q, expected",
    [
        ("title:بلينكن", ["002"]),  # only 002 names him in its title; 000 in its body
        ('"حلف شمال الأطلسي"', ["003", "004"]),  # the phrase, in this order
        ('"الأطلسي شمال حلف"', []),  # the same words in another order are no phrase
        ("كوريا -بلينكن", ["001", "003", "004"]),  # 000 and 002 name بلينكن
        ('كوريا -"حلف شمال الأطلسي"', ["000", "001", "002"]),
        ("بلينكن OR ستولتنبرغ", ["000", "002", "003"]),
        ("بلينكن أو ستولتنبرغ", ["000", "002", "003"]),
        ("ستولتن*", ["003"]),
    ],
)
def test_query_syntax_selects_articles(client, q, expected):
    assert sorted(ids(get_search(client, q))) == expected


def test_loose_words_find_more_than_the_phrase(client):
    assert set(ids(get_search(client, "الأطلسي شمال حلف"))) > {"003", "004"}


def test_prefix_marks_the_whole_word(client):
    hit = get_search(client, "ستولتن*")["results"][0]
    assert "<mark>ستولتنبرغ</mark>" in hit["snippet_html"]


def test_every_hit_has_the_documented_fields(client):
    body = get_search(client, "كوريا")
    assert list(body) == [
        "query",
        "total",
        "page",
        "per_page",
        "took_ms",
        "results",
        "facets",
        "suggestion",
        "notices",
    ]
    assert (body["query"], body["total"], body["page"], body["per_page"]) == ("كوريا", 5, 1, 10)
    assert isinstance(body["took_ms"], int | float) and body["took_ms"] >= 0
    for hit in body["results"]:
        assert set(hit) == {
            "id",
            "title",
            "title_html",
            "snippet_html",
            "date",
            "source",
            "url",
            "tags",
            "score",
            "duplicates",
        }
        assert isinstance(hit["tags"], list)
        assert hit["duplicates"] == []  # no seed article is a copy of another
        assert hit["score"] > 0
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


# --- Marks on the words as written -------------------------------------------------------


def test_bare_alef_query_marks_the_hamzated_name(client):
    body = get_search(client, "اوستن")
    assert sorted(ids(body)) == ["000", "001", "003", "004"]
    for hit in body["results"]:
        assert "<mark>أوستن</mark>" in hit["snippet_html"]
        assert "<mark>اوستن</mark>" not in hit["snippet_html"]


def test_plain_query_marks_the_fully_diacritized_word(extra):
    hit = get_search(extra, "الرئيس")["results"][0]
    assert hit["id"] == "diacritized"
    assert hit["title_html"] == "<mark>الرَّئِيسُ</mark> يَزُورُ سِيُول"
    assert "<mark>الرَّئِيسُ</mark>" in hit["snippet_html"]


def test_diacritized_query_marks_the_diacritized_word(extra):
    hit = get_search(extra, "سِيُول")["results"][0]
    assert hit["title_html"] == "الرَّئِيسُ يَزُورُ <mark>سِيُول</mark>"


# --- Escaping ----------------------------------------------------------------------------


def test_markup_in_an_article_is_escaped(extra):
    hit = get_search(extra, "تجربة")["results"][0]
    assert hit["id"] == "markup"
    for field in ("title_html", "snippet_html"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit[field]
        assert "&amp;" in hit[field]
        assert "<script" not in hit[field]
        assert_only_mark_tags(hit[field])
    assert "<mark>تجربة</mark>" in hit["title_html"]
    assert "&lt;mark&gt;مزيف&lt;/mark&gt;" in hit["snippet_html"]  # the article's own tag
    assert "&lt;img src=x onerror=alert(1)&gt;" in hit["snippet_html"]
    assert hit["title"] == EXTRA_ARTICLES[1].title  # the plain field stays as written


@pytest.mark.parametrize("q", ["script", "alert", "مزيف", "img", "عريض", "اقتباس"])
def test_a_match_inside_markup_is_still_escaped(extra, q):
    for hit in get_search(extra, q)["results"]:
        assert "<mark>" in hit["title_html"] + hit["snippet_html"]
        for field in ("title_html", "snippet_html"):
            assert "<script" not in hit[field]
            assert_only_mark_tags(hit[field])


def test_markup_in_the_query_is_echoed_as_plain_text(client):
    q = "<script>alert(1)</script> كوريا"
    body = get_search(client, q)
    assert body["query"] == q
    assert body["total"] == 5
    for hit in body["results"]:
        assert "<script" not in hit["title_html"] + hit["snippet_html"]


@pytest.mark.parametrize("q", [*SEED_QUERIES, '"حلف شمال الأطلسي"', "اوستن بلينكن"])
def test_seed_results_carry_only_mark_tags(client, q):
    for hit in get_search(client, q, per_page=100)["results"]:
        assert_only_mark_tags(hit["title_html"])
        assert_only_mark_tags(hit["snippet_html"])
        assert text_of(hit["title_html"]) == flat(hit["title"])


# --- Snippets ----------------------------------------------------------------------------


@pytest.mark.parametrize("q", SEED_QUERIES)
def test_snippets_are_short_whole_word_fragments_of_the_body(client, q):
    for hit in get_search(client, q, per_page=100)["results"]:
        body = flat(body_of(client, hit["id"]))
        text = text_of(hit["snippet_html"])
        assert len(text) <= MAX_SNIPPET_TEXT, text
        parts = fragments(hit["snippet_html"])
        assert 1 <= len(parts) <= 3, text
        assert text.count(ELLIPSIS) <= len(parts) + 1
        for part in parts:  # verbatim, and never starting or ending inside a word
            at = body.find(part)
            assert at >= 0, part
            end = at + len(part)
            assert at == 0 or not WORD_CHAR.match(body[at - 1]), body[at - 10 : end]
            assert end == len(body) or not WORD_CHAR.match(body[end]), body[at : end + 10]
        for word in WORD.findall(text):
            assert is_whole_word_in(word, body), word
        for marked in re.findall(r"<mark>([^<]*)</mark>", hit["snippet_html"]):
            assert is_whole_word_in(html.unescape(marked), body), marked


def test_fragments_are_joined_by_an_ellipsis(client):
    # 004 names بوتين (and بوتن) in two clauses far apart
    hit = next(h for h in get_search(client, "بوتين")["results"] if h["id"].startswith("004"))
    text = text_of(hit["snippet_html"])
    assert f" {ELLIPSIS} " in text.strip(f" {ELLIPSIS}")
    assert len(fragments(hit["snippet_html"])) >= 2


def test_snippet_from_the_start_has_no_leading_ellipsis(client):
    hit = get_search(client, "بلينكن")["results"][0]  # 002 names him in its first sentence
    assert not text_of(hit["snippet_html"]).startswith(ELLIPSIS)
    assert text_of(hit["snippet_html"]).endswith(ELLIPSIS)


def test_snippet_is_cut_at_arabic_clause_marks(extra):
    hit = get_search(extra, "الزعفران")["results"][0]
    text = text_of(hit["snippet_html"])
    assert text.startswith(ELLIPSIS + " ") and text.endswith(" " + ELLIPSIS)
    [part] = fragments(hit["snippet_html"])
    assert part[-1] in CLAUSE_MARKS  # ends on a clause mark ...
    before = CLAUSE_BODY[: CLAUSE_BODY.find(part)].rstrip()
    assert before[-1] in CLAUSE_MARKS  # ... and starts right after one
    assert "<mark>الزعفران</mark>" in hit["snippet_html"]


def test_unpunctuated_text_is_cut_at_word_boundaries(extra):
    hit = get_search(extra, "القرنفل")["results"][0]
    text = text_of(hit["snippet_html"])
    assert len(text) <= MAX_SNIPPET_TEXT
    [part] = fragments(hit["snippet_html"])
    assert f" {part} " in f" {' '.join(UNPUNCTUATED)} "  # whole words on both sides
    assert "<mark>القرنفل</mark>" in hit["snippet_html"]


def test_snippet_shows_each_query_word_even_when_far_apart(extra):
    hit = get_search(extra, "الزيتون البرتقال")["results"][0]
    assert "<mark>الزيتون</mark>" in hit["snippet_html"]
    assert "<mark>البرتقال</mark>" in hit["snippet_html"]
    assert len(fragments(hit["snippet_html"])) == 2
    assert len(text_of(hit["snippet_html"])) <= MAX_SNIPPET_TEXT


# --- Errors ------------------------------------------------------------------------------

LONG_QUERY = "ك" * 1001
PUNCTUATION = '!؟،.()"*-:' * 50


@pytest.mark.parametrize(
    "query_string, code",
    [
        ("", "bad_parameter"),  # no q at all
        ("q=", "bad_query"),
        ("q=%20%20%20", "bad_query"),
        (f"q={quote(PUNCTUATION)}", "bad_query"),
        (f"q={quote('(' * 500)}", "bad_query"),  # deeper than the parser's nesting limit
        (f"q={quote(LONG_QUERY)}", "bad_query"),
        ("q=-كوريا", "bad_query"),  # only an exclusion
        ("q=ك*", "bad_query"),  # prefix too short
        ("q=كوريا&per_page=0", "bad_parameter"),
        ("q=كوريا&per_page=101", "bad_parameter"),
        ("q=كوريا&per_page=abc", "bad_parameter"),
        ("q=كوريا&page=0", "bad_parameter"),
        ("q=كوريا&page=-1", "bad_parameter"),
        ("q=كوريا&page=abc", "bad_parameter"),
        ("q=كوريا&page=101&per_page=100", "bad_parameter"),  # beyond result 10,000
        ("q=كوريا&page=10001", "bad_parameter"),
        ("q=كوريا&sort=bogus", "bad_parameter"),
        ("q=كوريا&from=2023-13-45", "bad_parameter"),
        ("q=كوريا&to=2023-02-30", "bad_parameter"),
        ("q=كوريا&from=yesterday", "bad_parameter"),
        ("q=كوريا&year=abc", "bad_parameter"),
    ],
)
def test_bad_search_requests_are_400_json(client, query_string, code):
    error = assert_error(client.get(f"/api/search?{query_string}"), 400, code)
    assert "Traceback" not in error["message"]


def test_a_date_range_that_ends_before_it_starts_matches_nothing(client):
    body = get_search(client, "كوريا", **{"from": "2024-01-01", "to": "2023-01-01"})
    assert (body["total"], body["results"]) == (0, [])


@pytest.mark.parametrize(
    "query_string, words",
    [
        ("q=x&page=", "page: must be a whole number"),
        ("q=x&page=%D9%A2", "page: must be a whole number"),  # an Arabic-Indic digit
        ("q=x&per_page=+5", "per_page: must be a whole number"),
        ("q=x&sort=", "sort: must be one of relevance, date"),
        ("q=x&from=2023-10-20T00:00", "from: must be a date written YYYY-MM-DD"),
        ("q=x&to=2023-1-5", "to: must be a date written YYYY-MM-DD"),
        ("q=x&explain=1", "explain: must be true or false"),
        ("q=x&year=", "year: must be a whole number"),
    ],
)
def test_the_api_reads_parameters_exactly_as_documented(client, query_string, words):
    error = assert_error(client.get(f"/api/search?{query_string}"), 400, "bad_parameter")
    assert error["message"].startswith(words)


def test_the_search_page_reads_its_form_leniently(client):
    page = client.get("/?q=%D9%83%D9%88%D8%B1%D9%8A%D8%A7&from=&to=&sort=&page=")
    assert page.status_code == 200
    typed = SearchRequest.from_args({"q": "كوريا", "from": "٢٠٢٣-١١-٠١"})  # Arabic-Indic digits
    assert typed.date_from == dt.date(2023, 11, 1)
    error = assert_error(get_raw(client, "كوريا", **{"from": "٢٠٢٣-١١-٠١"}), 400, "bad_parameter")
    assert "YYYY-MM-DD" in error["message"]


def get_raw(client, q: str, **params):
    return client.get("/api/search", query_string={"q": q, **params})


def test_error_messages_name_the_parameter(client):
    assert (
        "per_page"
        in assert_error(client.get("/api/search?q=x&per_page=0"), 400, "bad_parameter")["message"]
    )
    assert (
        "1000"
        in assert_error(client.get(f"/api/search?q={LONG_QUERY}"), 400, "bad_query")["message"]
    )


def test_deepest_allowed_page_is_served_empty(client):
    body = get_search(client, "كوريا", page=100, per_page=100)  # exactly result 10,000
    assert body["results"] == [] and body["total"] == 5


@pytest.mark.parametrize(
    "path",
    ["/api/documents/nope", "/api/documents/002", "/api/documents/a/b/c"],
)
def test_unknown_document_is_404_json(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/nope", "/api/search/", "/api/documents/"])
def test_unknown_api_path_is_404_json(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_api_root_404_is_json(client):
    assert_error(client.get("/api"), 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_wrong_method_is_405_json_with_allow(client, method):
    response = getattr(client, method)("/api/search?q=كوريا")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}


def test_wrong_method_on_healthz_is_json(client):
    assert_error(client.post("/healthz"), 405, "method_not_allowed")


@pytest.fixture
def tiny_app(seed_index):
    """An app with a 16-byte body limit and two routes that exist only in this test."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(seed_index), "MAX_CONTENT_LENGTH": 16})

    @app.post("/api/test-upload")
    def upload():
        return {"bytes": len(request.get_data())}

    @app.get("/api/test-crash")
    def crash():
        raise RuntimeError("secret detail: /etc/passwd")

    return app


def test_oversized_body_is_json_never_html(tiny_app):
    client = tiny_app.test_client()
    big = b"x" * 1024
    response = client.post("/api/search?q=كوريا", data=big)
    codes = {405: "method_not_allowed", 413: "request_entity_too_large"}
    assert response.status_code in codes  # the method check may come before the size check
    assert_error(response, response.status_code, codes[response.status_code])
    response = client.put("/api/documents/002_687531a2e5c0bf49", data=big)
    assert_error(response, 403, "writes_disabled")  # refused before the body is read
    assert_error(client.post("/api/test-upload", data=big), 413, "request_entity_too_large")
    assert client.post("/api/test-upload", data=b"small").get_json() == {"bytes": 5}


def test_unexpected_exception_is_500_json_without_details(tiny_app, caplog):
    tiny_app.testing = False
    tiny_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = tiny_app.test_client().get("/api/test-crash")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "RuntimeError" not in error["message"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    logged = [r for r in caplog.records if r.exc_info and "secret detail" in str(r.exc_info[1])]
    assert logged  # the details go to the log instead


# --- Pagination --------------------------------------------------------------------------


def test_pages_split_the_ranking_without_repeats(client):
    everything = ids(get_search(client, "كوريا"))
    assert len(everything) == 5
    pages = [get_search(client, "كوريا", per_page=2, page=n) for n in (1, 2, 3, 4)]
    assert [len(body["results"]) for body in pages] == [2, 2, 1, 0]
    assert {body["total"] for body in pages} == {5}
    assert [body["page"] for body in pages] == [1, 2, 3, 4]
    assert {body["per_page"] for body in pages} == {2}
    assert [i for body in pages for i in ids(body)] == everything


def test_page_far_past_the_end_is_empty_with_the_total(client):
    body = get_search(client, "كوريا", page=50, per_page=100)
    assert body["results"] == []
    assert body["total"] == 5
    assert sum(body["facets"]["source"].values()) == 4  # facets still describe every hit


def test_per_page_at_the_maximum_is_accepted(client):
    assert get_search(client, "كوريا", per_page=100)["per_page"] == 100


# --- Filters and sorting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"from": "2023-11-01"}, ["002", "004"]),
        ({"to": "2023-11-08"}, ["001"]),
        ({"from": "2023-10-20", "to": "2023-11-09"}, ["001", "002"]),  # both ends included
        ({"year": "2023"}, ["001", "002"]),
        ({"year": "2024"}, ["004"]),
        ({"year": "2022"}, []),
        ({"source": PUBLISHER}, ["002", "004"]),
        ({"source": PUBLISHER, "year": "2024"}, ["004"]),
        ({"source": "مصدر لا وجود له"}, []),
        ({"from": "", "to": "", "source": ""}, ["000", "001", "002", "003", "004"]),
    ],
)
def test_filters(client, params, expected):
    body = get_search(client, "كوريا", **params)
    assert sorted(ids(body)) == expected
    assert body["total"] == len(expected)


def test_date_filters_leave_out_undated_articles(client):
    # 000 and 003 carry no date, so no date range can hold them
    assert not {"000", "003"} & set(ids(get_search(client, "كوريا", **{"from": "1900-01-01"})))


def test_sort_by_date_orders_dated_hits_newest_first(client):
    body = get_search(client, "كوريا", sort="date")
    dated = [hit for hit in body["results"] if hit["date"]]
    assert [hit["id"][:3] for hit in dated] == ["004", "002", "001"]
    assert sorted(ids(body)) == ["000", "001", "002", "003", "004"]


def test_sort_by_date_puts_undated_hits_last(client):
    body = get_search(client, "كوريا", sort="date")
    assert ids(body)[:3] == ["004", "002", "001"]
    assert [hit["date"] is None for hit in body["results"]] == [False] * 3 + [True] * 2


# --- Facets and suggestions --------------------------------------------------------------


@pytest.mark.parametrize(
    "q, params", [("كوريا", {}), ("بلينكن", {}), ("اوستن", {}), ("كوريا", {"year": "2023"})]
)
def test_facets_count_the_results(client, q, params):
    body = get_search(client, q, per_page=100, **params)
    sources = Counter(hit["source"] for hit in body["results"] if hit["source"])
    years = Counter(hit["date"][:4] for hit in body["results"] if hit["date"])
    assert body["facets"]["source"] == dict(sources)
    assert body["facets"]["year"] == dict(years)


def test_korea_facets(client):
    facets = get_search(client, "كوريا")["facets"]
    assert facets["source"] == {PUBLISHER: 2, "أ ف ب": 1, "وكالة تقدم الاخبارية": 1}
    assert next(iter(facets["source"])) == PUBLISHER  # most frequent first
    assert facets["year"] == {"2024": 1, "2023": 2}
    assert list(facets["year"]) == ["2024", "2023"]  # newest first


def test_misspelling_gets_a_suggestion(client):
    body = get_search(client, "الشكمالية")
    # no article holds it: the articles of the word one edit away, said so, and the respelling
    assert body["total"] == 5
    assert body["notices"] == [
        "no article holds الشكمالية; words one edit from it were searched (الشماليه)"
    ]
    assert body["suggestion"] == "الشمالية"
    assert get_search(client, body["suggestion"])["total"] == 5


def test_no_suggestion_when_results_are_plenty(client):
    assert get_search(client, "كوريا")["suggestion"] is None


# --- Documents, health, OpenAPI ----------------------------------------------------------


def test_document_is_returned_without_the_read_also_teasers(client):
    response = client.get("/api/documents/002_687531a2e5c0bf49")
    assert response.status_code == 200
    doc = response.get_json()
    assert {"title", "body", "date", "source", "url", "tags", "related"} <= set(doc)
    assert doc["id"] == "002_687531a2e5c0bf49"
    assert doc["title"].startswith("بلينكن يعبر عن قلقه")
    assert doc["date"] == "2023-11-09"
    assert doc["source"] == PUBLISHER
    assert doc["url"].startswith("https://www.reuters.com/")
    assert isinstance(doc["tags"], list) and doc["tags"]
    assert "بلينكن" in doc["body"]
    for teaser in ("صواريخنا قادرة", "الشكمالية", "إقرأ أيضاً", "كلمات دلالية", "تاريخ النشر"):
        assert teaser not in doc["body"]
    assert any(line.startswith("صواريخنا قادرة") for line in doc["related"])


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["documents"] == 5


def test_openapi_documents_every_api_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")

    def shape(path: str) -> str:
        return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path)

    documented = {shape(path): item for path, item in spec["paths"].items()}
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(("/api", "/healthz"))]
    assert len(rules) >= 4
    for rule in rules:
        item = documented.get(shape(rule.rule))
        assert item is not None, f"{rule.rule} is not in openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in item, f"{method} {rule.rule}"


def test_openapi_lists_every_search_parameter(client):
    spec = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert names >= {"q", "page", "per_page", "sort", "from", "to", "source", "year"}


# --- Encoding and headers ----------------------------------------------------------------


def test_json_is_utf8_with_readable_arabic(client):
    response = client.get("/api/search?q=بلينكن")
    assert response.mimetype == "application/json"
    assert "بلينكن".encode() in response.data
    assert b"\\u" not in response.data
    response = client.get("/api/documents/nope")
    assert b"'nope'" in response.data


@pytest.mark.parametrize(
    "path", ["/api/search?q=كوريا", "/api/search", "/api/nope", "/healthz", "/api/openapi.json"]
)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("q", ["بلينكن", "كوريا الشمالية", "صاروخ*", "لا يوجد شيء كهذا"])
def test_a_search_body_is_the_standard_encoders_compact_utf8(client, q):
    """orjson writes the answers: the bytes json.dumps wrote, Arabic as UTF-8, keys in order."""
    response = client.get("/api/search", query_string={"q": q})
    body = response.get_json()
    standard = json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert response.get_data() == standard.encode("utf-8")
    assert list(body) == [
        "query", "total", "page", "per_page", "took_ms", "results", "facets", "suggestion",
        "notices",
    ]  # fmt: skip


def test_values_orjson_would_render_its_own_way_keep_flasks_rendering(app):
    """A date is an HTTP date, an integer key a string, a huge integer exact."""
    with app.test_request_context():
        provider = app.json
        response = provider.response(
            {"when": dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC), 7: "seven"}
        )
        assert response.get_data() == b'{"when":"Fri, 01 Mar 2024 12:00:00 GMT","7":"seven"}\n'
        assert provider.response({"n": 2**70}).get_json() == {"n": 2**70}
