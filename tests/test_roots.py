"""Root search (issue 17): root:كتب and جذر:كتب find كاتب, مكتوبة, الكتب… through the root
fields both writers build, and roots never enter a search that does not ask for them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from search.analysis import TOKEN_RE, normalize
from search.analysis.normalize import compose, strip_diacritics
from search.analysis.roots import (
    ARABIC_WORD_RE,
    _extractors,
    _segment_roots,
    root_of,
    token_roots,
)
from search.cli import main
from search.documents import read_paths
from search.web import create_app

from .conftest import ROOT, articles_of
from .test_api import assert_error

SEEDS = ROOT / "seeds"

TOKEN = "roots-token"


art = articles_of(dt.date(2024, 3, 1))


ARTICLES = [
    art("writer", "الكاتب يوقّع روايته", "وقّع الكاتب روايته الجديدة في معرض الكتب."),
    art("letter", "رسالة مكتوبة بخط اليد", "عثر الباحثون على رسالة مكتوبة قبل قرن."),
    art("library", "مكتبة المدينة تفتح أبوابها", "افتتحت المكتبة العامة قسماً للأطفال."),
    art("schools", "المدارس تستأنف الدراسة", "عاد الطلاب إلى المدارس لبدء الدراسة."),
    art("weather", "طقس حار", "ارتفعت درجات الحرارة في المدينة."),
]


@pytest.fixture(scope="module")
def client(articles_folder):
    return create_app({"TESTING": True, "INDEX_DIR": str(articles_folder)}).test_client()


def found(client, q: str, **params) -> list[str]:
    response = client.get("/api/search", query_string={"q": q, "per_page": 20, **params})
    assert response.status_code == 200, response.data[:300]
    return [hit["id"] for hit in response.get_json()["results"]]


@pytest.mark.parametrize(
    "word, root",
    [
        ("كاتب", "كتب"),
        ("مكتوبة", "كتب"),
        ("الكتب", "كتب"),
        ("يكتبون", "كتب"),
        ("المدارس", "درس"),
        ("الحكومة", "حكم"),
        ("أطفال", "طفل"),
    ],
)
def test_the_extractor_finds_the_root(word, root):
    assert token_roots(word) == (root,)


def test_every_process_finds_the_same_roots(tmp_path):
    """Build workers are processes of their own: a word's root must not depend on the
    process's string hashing (Tashaphyne breaks ties over a set of strings)."""
    script = (
        "from search.analysis import TOKEN_RE\n"
        "from search.analysis.roots import token_roots\n"
        "from search.documents import read_paths\n"
        "words = sorted({t for a in read_paths(['seeds']) for t in TOKEN_RE.findall(a.body)})\n"
        "print(sorted((w, token_roots(w)) for w in words))\n"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1


def test_tashaphynes_candidates_come_from_its_segments_alone():
    """`_segment_roots` asks Tashaphyne only for its segments and each one's root, not for
    `light_stem` and `get_affix_list`, whose stems and affixes a root never reads: on every
    Arabic word of the seeds it gives the same candidate roots, so the same root is chosen."""
    stemmer = _extractors()[1]

    def affix_list_roots(word: str) -> list[str]:
        stemmer.light_stem(word)
        return [affix["root"] for affix in stemmer.get_affix_list()]

    words = sorted(
        {
            strip_diacritics(compose(t))
            for a in read_paths([SEEDS])
            for t in TOKEN_RE.findall(a.body)
        }
    )
    words = [word for word in words if ARABIC_WORD_RE.fullmatch(normalize(word))]
    assert len(words) > 500
    assert [sorted(_segment_roots(word)) for word in words] == [
        sorted(affix_list_roots(word)) for word in words
    ]


def test_particles_numbers_and_latin_have_no_root():
    assert [token_roots(t) for t in ("في", "من", "2024", "F-16", "بل")] == [()] * 5


@pytest.mark.parametrize("field", ["root", "جذر", "الجذر", "ROOT"])
def test_root_finds_the_words_of_one_root(client, field):
    assert set(found(client, f"{field}:كتب")) == {"writer", "letter", "library"}


def test_a_word_after_root_is_searched_by_its_root(client):
    assert root_of("مكتوبة") == "كتب"
    assert set(found(client, "root:مكتوبة")) == {"writer", "letter", "library"}


def test_roots_never_enter_a_search_that_does_not_ask(client):
    assert found(client, "كتب") == ["writer"]  # الكتب; not مكتوبة or مكتبة
    response = client.get("/api/search", query_string={"q": "مكتوبة", "explain": "true"})
    rows = [row for hit in response.get_json()["results"] for row in hit["explain"]]
    assert rows and "root" not in {row["form"] for row in rows}
    assert {row["field"] for row in rows} <= {"title", "body", "title+body", ""}


def test_explain_and_marks_of_a_root_search(client):
    body = client.get("/api/search", query_string={"q": "root:كتب", "explain": "true"}).get_json()
    letter = next(hit for hit in body["results"] if hit["id"] == "letter")
    (row,) = letter["explain"]
    assert (row["form"], row["term"], row["field"]) == ("root", "كتب", "title+body")
    assert row["score"] == pytest.approx(letter["score"], abs=1e-3)
    assert "<mark>مكتوبة</mark>" in letter["title_html"]
    assert "<mark>مكتوبة</mark>" in letter["snippet_html"]
    writer = next(hit for hit in body["results"] if hit["id"] == "writer")
    assert "<mark>الكتب</mark>" in writer["snippet_html"]
    page = client.get("/articles/letter", query_string={"q": "root:كتب"}).get_data(as_text=True)
    assert "<mark>مكتوبة</mark>" in page


def test_root_with_other_words_and_exclusions(client):
    assert found(client, "root:درس الطلاب") == ["schools"]
    assert set(found(client, "root:كتب -رسالة")) == {"writer", "library"}
    assert found(client, "root:كتب OR root:درس", per_page=2)  # both fields searchable at once
    assert set(found(client, "root:كتب OR root:درس")) == {"writer", "letter", "library", "schools"}


def test_a_document_written_over_http_is_found_by_its_root(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index), "ADMIN_TOKEN": TOKEN})
    client = app.test_client()
    document = {"title": "مؤتمر للكتّاب العرب", "body": "اجتمع الكتّاب في العاصمة."}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.put("/api/documents/writers", json=document, headers=headers).status_code == 201
    assert "writers" in found(client, "جذر:كتب")


def test_a_root_query_with_nothing_to_search_is_a_clear_error(client):
    assert_error(client.get("/api/search", query_string={"q": "root:"}), 400, "bad_query")


def test_the_cli_searches_by_root(articles_folder):
    result = CliRunner().invoke(
        main, ["query", "جذر:كتب", "--index", str(articles_folder)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.output.startswith("3 results")
