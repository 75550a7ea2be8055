"""Every request path is bounded: did-you-mean, prefix expansion, snippets, article pages, and
the size of what a document may hold (issue 14). Work is counted, never timed: the lookups
a request makes, the words a prefix expands to, the characters a snippet reads."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from click.testing import CliRunner

from search.cli import main
from search.documents import (
    MAX_BODY_CHARS,
    MAX_TAGS,
    Article,
    Rejected,
    TooLarge,
    article_from_mapping,
    read_paths,
)
from search.query import Compiler, compiler, parse
from search.query import nodes as qn
from search.query.suggest import MAX_SUGGEST_WORDS
from search.results import highlight
from search.results.highlight import snippet
from search.store import Reader, index_articles, open_reader
from search.web import create_app

from .conftest import SEEDS
from .test_api import assert_error

ARABIC = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"
TOKEN = "limits-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def noise(letters: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ARABIC) for _ in range(letters))


@pytest.fixture
def lookups(monkeypatch):
    """Counts the vocabulary lookups (doc_frequency) and prefix reads a request makes."""
    counts = {"doc_frequency": 0, "expand_prefix": 0}
    for name in counts:
        original = getattr(Reader, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Reader, name, counted)
    return counts


# --- Did you mean ----------------------------------------------------------------------------


@pytest.mark.parametrize("letters", [160, 400, 1000])
def test_a_long_unknown_word_gets_no_suggestion_and_costs_a_few_lookups(client, lookups, letters):
    response = client.get("/api/search", query_string={"q": noise(letters)})
    assert response.status_code == 200
    assert response.get_json()["suggestion"] is None
    assert lookups["doc_frequency"] < 100  # was every string two edits away: millions


def test_a_query_of_1000_zeros_is_answered_cheaply(client, lookups):
    response = client.get("/api/search", query_string={"q": "0" * 1000})
    assert response.status_code == 200
    assert lookups["doc_frequency"] < 100


def test_many_unknown_words_respell_only_the_first_few(client, lookups):
    words = [noise(8, seed) for seed in range(150)]
    response = client.get("/api/search", query_string={"q": " ".join(words)[:1000]})
    assert response.status_code == 200
    # One edit of an 8-letter word is ~490 candidates, looked up in two fields: respelling
    # all 111 words would cost over 100,000 lookups; spelling variants cost ~50 a word.
    per_word = 2 * (58 * 8 + 30)
    assert lookups["doc_frequency"] < MAX_SUGGEST_WORDS * per_word + 111 * 60


def test_the_first_unknown_words_are_still_respelled(client):
    q = "الشكمالية " + " ".join(noise(8, seed) for seed in range(10))
    body = client.get("/api/search", query_string={"q": q}).get_json()
    assert body["suggestion"].startswith("الشمالية ")


def test_a_repeated_typo_is_respelled_everywhere(client):
    body = client.get("/api/search", query_string={"q": "الشكمالية الشكمالية"}).get_json()
    assert body["suggestion"] == "الشمالية الشمالية"


def test_two_deletions_still_respell_a_long_word(client):
    body = client.get("/api/search", query_string={"q": "الشمماليةة"}).get_json()
    assert body["suggestion"] == "الشمالية"


# --- Prefix expansion ------------------------------------------------------------------------


def compiled_terms(reader, q: str) -> list[qn.Term]:
    found = []

    def walk(node):
        if isinstance(node, qn.Term):
            found.append(node)
        for child in getattr(node, "children", ()):
            walk(child)
        for name in ("required", "optional", "positive", "negative"):
            if hasattr(node, name):
                walk(getattr(node, name))

    walk(Compiler(reader).compile(parse(q)).query)
    return found


def test_a_repeated_prefix_is_expanded_once(client, lookups):
    response = client.get("/api/search", query_string={"q": " ".join(["ال*"] * 120)})
    assert response.status_code == 200
    assert response.get_json()["total"] == 5
    assert lookups["expand_prefix"] == 2  # title and body, once


def test_a_repeated_prefix_counts_once_in_the_query(seed_index):
    with open_reader(seed_index) as reader:
        once = compiled_terms(reader, "ال*")
        assert len(compiled_terms(reader, "ال* ال* ال*")) == len(once)


def test_too_many_different_prefixes_are_a_400(client):
    q = " ".join(f"{a}{b}*" for a, b in zip("ابتثجحخدذرز", "لمنهويبتثجح", strict=True))
    error = assert_error(client.get("/api/search", query_string={"q": q}), 400, "bad_query")
    assert f"at most {compiler.MAX_PREFIXES} different prefix searches" in error["message"]


def test_a_prefix_matching_too_much_of_the_vocabulary_is_a_400(client, monkeypatch):
    monkeypatch.setattr(compiler, "MAX_PREFIX_SCAN", 50)
    error = assert_error(client.get("/api/search", query_string={"q": "ال*"}), 400, "bad_query")
    assert "ال* matches too many words" in error["message"]
    assert client.get("/api/search", query_string={"q": "الشم*"}).status_code == 200


def test_the_query_expands_to_at_most_the_total_of_words(seed_index, monkeypatch):
    monkeypatch.setattr(compiler, "MAX_EXPANDED_TERMS", 30)
    with open_reader(seed_index) as reader:
        assert len(compiled_terms(reader, "ال* وال* بال* الم*")) == 30


# --- Snippets and the article page -----------------------------------------------------------


def test_a_snippet_reads_only_the_start_of_a_long_body():
    filler = "كلام عادي عن الأخبار اليومية. " * 2_000  # 60,000 characters
    body = filler + "الزعفران في الحقول."
    marks = compiler.Marks(frozenset({"الزعفران"}))
    assert "<mark>" not in snippet(body, marks)  # past SNIPPET_SOURCE_CHARS
    assert snippet(body, marks).endswith(highlight.ELLIPSIS)
    assert "<mark>الزعفران</mark>" in snippet(body, marks, source_chars=len(body))


def test_a_page_of_100_hits_reads_no_text_and_shares_the_snippet_budget(tmp_path, monkeypatch):
    """Results are marked from the index's positions and stored offsets: no shown body is
    analysed, and the text a page's snippets are cut from is shared out."""
    cut = []
    original = highlight.StoredLayout.__init__

    def stored_layout(self, text, located):
        cut.append(len(text))
        original(self, text, located)

    def analysed_layout(self, text, marks, stemmer):
        raise AssertionError("a search result's text was analysed")

    monkeypatch.setattr(highlight.StoredLayout, "__init__", stored_layout)
    monkeypatch.setattr(highlight._Layout, "__init__", analysed_layout)
    body = "الزعفران " + "كلام عادي عن الأخبار اليومية. " * 3_000
    articles = [Article(id=f"long-{i}", title=f"عنوان {i}", body=body) for i in range(100)]
    index_articles(tmp_path, articles)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    response = client.get("/api/search", query_string={"q": "الزعفران", "per_page": 100})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == 100
    assert all(hit["snippet_html"].startswith("<mark>الزعفران</mark>") for hit in results)
    bodies = [length for length in cut if length > 1_000]
    assert len(bodies) == 100
    assert sum(bodies) <= highlight.SNIPPET_PAGE_CHARS


def test_an_oversized_article_of_an_older_index_is_marked_only_at_its_start(tmp_path):
    paragraph = "الزعفران في الحقول الشرقية وكلام آخر كثير. "
    body = "\n".join([paragraph * 200] * 20)  # 20 paragraphs, 172,000 characters
    index_articles(tmp_path, [Article(id="huge", title="الزعفران", body=body)])
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    page = client.get("/articles/huge", query_string={"q": "الزعفران"}).get_data(as_text=True)
    marked = page.count("<mark>الزعفران</mark>")
    assert 200 * (MAX_BODY_CHARS // len(paragraph * 200)) <= marked < 200 * 20
    assert page.count("الزعفران") > 200 * 20  # the rest is shown, unmarked


# --- What a document may hold ----------------------------------------------------------------


@pytest.fixture
def writable(seed_index, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder), "ADMIN_TOKEN": TOKEN})
    return app.test_client(), folder


@pytest.mark.parametrize(
    "document, field, words",
    [
        ({"body": "ن" * (MAX_BODY_CHARS + 1)}, "body", f"at most {MAX_BODY_CHARS}"),
        ({"body": "نص", "title": "ع" * 1001}, "title", "at most 1000"),
        ({"body": "نص", "tags": [f"وسم{i}" for i in range(200_000)]}, "tags", "200000 items"),
        ({"body": "نص", "tags": ["و" * 101]}, "tags", "at most 100 each"),
        ({"body": "نص", "related": ["خبر"] * 51}, "related", "at most 50"),
        ({"body": "نص", "url": "http://x/" + "a" * 2000}, "url", "at most 2000"),
    ],
)
def test_a_document_over_a_limit_is_413_and_writes_nothing(writable, document, field, words):
    client, folder = writable
    response = client.put("/api/documents/big", json=document, headers=AUTH)
    error = assert_error_with(response, 413, "document_too_large")
    assert error["field"] == field
    assert words in error["message"]
    assert client.get("/api/documents/big").status_code == 404
    with open_reader(folder) as reader:
        assert reader.documents == 5


def assert_error_with(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return error


def test_a_batch_with_one_oversized_document_is_413_naming_it(writable):
    client, _ = writable
    batch = [{"id": "a", "body": "نص"}, {"id": "b", "body": "نص", "tags": ["x"] * 101}]
    error = assert_error_with(
        client.post("/api/documents", json=batch, headers=AUTH), 413, "document_too_large"
    )
    assert (error["document"], error["field"]) == (2, "tags")
    assert client.get("/api/documents/a").status_code == 404


def test_a_document_at_every_limit_is_indexed(writable):
    client, _ = writable
    document = {
        "title": "ع" * 1000,
        "body": ("كلمة " * (MAX_BODY_CHARS // 5))[:MAX_BODY_CHARS],
        "tags": [f"وسم{i}" for i in range(MAX_TAGS)],
    }
    assert client.put("/api/documents/full", json=document, headers=AUTH).status_code == 201
    assert len(client.get("/api/documents/full").get_json()["tags"]) == MAX_TAGS


def test_file_ingestion_rejects_an_oversized_line_and_keeps_the_rest(tmp_path):
    source = tmp_path / "docs.jsonl"
    rows = [
        {"id": "ok-1", "body": "نص"},
        {"id": "huge", "body": "ن" * (MAX_BODY_CHARS + 1)},
        {"id": "tags", "body": "نص", "tags": ["و"] * (MAX_TAGS + 1)},
        {"id": "ok-2", "body": "نص"},
    ]
    source.write_text("\n".join(json.dumps(row) for row in rows))
    items = list(read_paths([source]))
    assert [item.id for item in items if isinstance(item, Article)] == ["ok-1", "ok-2"]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [(item.line, item.reason.split(";")[0]) for item in rejected] == [
        (2, f"field 'body' is {MAX_BODY_CHARS + 1} characters long"),
        (3, f"field 'tags' holds {MAX_TAGS + 1} items"),
    ]
    result = CliRunner().invoke(
        main, ["index", str(source), "--index", str(tmp_path / "index")], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "indexed 2" in result.output and "skipped 2" in result.output


def test_an_oversized_seed_file_is_rejected(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "seeds" / "huge.txt").write_text("عنوان\n" + "ن" * (MAX_BODY_CHARS + 1))
    rejected = [item for item in read_paths([tmp_path / "seeds"]) if isinstance(item, Rejected)]
    assert [item.path.endswith("huge.txt") for item in rejected] == [True]
    assert "field 'body'" in rejected[0].reason


def test_too_large_names_its_field():
    with pytest.raises(TooLarge) as raised:
        article_from_mapping({"id": "x", "body": "نص", "tags": ["و"] * (MAX_TAGS + 1)})
    assert raised.value.field == "tags"


def test_a_write_of_more_text_than_one_commit_may_index_is_413(writable, monkeypatch):
    from search.web import writes

    monkeypatch.setattr(writes, "MAX_WRITE_CHARS", 1_000)
    client, _ = writable
    batch = [{"id": f"d{i}", "body": "ن" * 400} for i in range(3)]
    response = client.post("/api/documents", json=batch, headers=AUTH)
    error = assert_error_with(response, 413, "batch_too_large")
    assert "1200 characters of text; at most 1000" in error["message"]
    assert client.post("/api/documents", json=batch[:2], headers=AUTH).status_code == 200


def test_a_repeated_fuzzy_word_reads_the_vocabulary_once(client, lookups):
    response = client.get("/api/search", query_string={"q": " ".join(["الشمالية~2"] * 60)})
    assert response.status_code == 200
    assert lookups["expand_prefix"] == 2  # title and body, once


def test_too_many_different_fuzzy_words_are_a_400(client):
    words = [f"{a}{b}الشمال~1" for a, b in zip("ابتثجحخدذرز", "لمنهويبتثجح", strict=True)]
    response = client.get("/api/search", query_string={"q": " ".join(words)})
    error = assert_error(response, 400, "bad_query")
    assert f"at most {compiler.MAX_FUZZY_WORDS} different fuzzy words" in error["message"]
