"""Synonyms (issue 17): a file in Solr's format, applied at query time, ranked below the words
typed, shown in explain, set by ARABIC_SEARCH_SYNONYMS or --synonyms, reloaded on change."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.query import rank
from search.query.synonyms import SynonymError, load_synonyms, parse_synonyms
from search.settings import BY_NAME
from search.store import open_reader
from search.web import create_app

from .conftest import ROOT, articles_of

EXAMPLE = ROOT / "deploy" / "synonyms.txt"
SYNONYMS = """\
# a comment, then a blank line

كورونا, كوفيد          # equivalent
الناتو, حلف شمال الأطلسي
مونديال => كأس العالم
"""


art = articles_of(dt.date(2024, 1, 1))


# The typed word in passing; its synonym in every line of the title and body of others.
ARTICLES = [
    art("typed-1", "تقرير صحي", "سجلت البلاد إصابات جديدة بفيروس كورونا هذا الأسبوع."),
    art("typed-2", "أخبار المستشفيات", "قال الأطباء إن كورونا ما زال ينتشر."),
    art("typed-3", "كورونا في المدارس", "أغلقت المدارس بسبب كورونا والإصابات."),
    art("synonym-1", "كوفيد كوفيد", "كوفيد كوفيد كوفيد: إصابات كوفيد في كل مكان، كوفيد."),
    art("synonym-2", "لقاحات كوفيد", "بدأت حملة لقاحات كوفيد في العاصمة."),
    art("nato-short", "قمة الناتو", "اجتمع قادة الناتو في بروكسل."),
    art("nato-long", "قمة الحلف", "اجتمع قادة حلف شمال الأطلسي في مدريد."),
    art("cup-short", "مونديال قطر", "انطلق مونديال قطر بمباراة الافتتاح."),
    art("cup-long", "كأس العالم للرجبي", "تستضيف فرنسا كأس العالم للرجبي."),
    art("other", "طقس", "أمطار غزيرة على الساحل."),
]


@pytest.fixture(scope="module")
def synonyms_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synonyms") / "synonyms.txt"
    path.write_text(SYNONYMS, "utf-8")
    return path


def ranked(reader, text: str, synonyms=None) -> list[tuple[str, float]]:
    found = rank(reader, text, limit=20, **({"synonyms": synonyms} if synonyms else {}))
    return [(reader.stored(n)["id"], found.matches.score(n)) for n in found.documents.tolist()]


def test_the_format_solr_s(synonyms_file):
    synonyms = load_synonyms(synonyms_file)
    assert synonyms.of(("كورونا",)) == (("كوفيد",),)
    assert synonyms.of(("كوفيد",)) == (("كورونا",),)
    assert synonyms.of(("الناتو",)) == (("حلف", "شمال", "الاطلسي"),)  # folded: أ -> ا
    assert synonyms.of(("حلف", "شمال", "الاطلسي")) == (("الناتو",),)
    assert synonyms.of(("مونديال",)) == (("كاس", "العالم"),)
    assert synonyms.of(("كاس", "العالم")) == ()  # one way
    both = parse_synonyms("أ, ب => ج, د")
    assert both.of(("ا",)) == both.of(("ب",)) == (("ج",), ("د",))


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("كورونا, كوفيد\n\n=> كوفيد", 3, "an empty entry"),
        ("# ok\nكورونا => كوفيد => وباء", 2, "more than one =>"),
        ("كورونا", 1, "names one entry"),
        ("كورونا, , كوفيد", 1, "an empty entry"),
        ("ا ب ت ث ج ح خ د ذ, ر", 1, "at most 8"),
    ],
)
def test_a_bad_line_is_named(tmp_path, text, line, words):
    path = tmp_path / "bad.txt"
    path.write_text(text, "utf-8")
    with pytest.raises(SynonymError) as error:
        load_synonyms(path)
    assert f"{path}, line {line}:" in str(error.value) and words in str(error.value)


def test_a_file_that_is_not_utf8_or_missing_is_named(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("كورونا, كوفيد\n".encode() + b"caf\xe9, cafe\n")
    with pytest.raises(SynonymError, match=r"latin.txt, line 2: not UTF-8"):
        load_synonyms(path)
    with pytest.raises(SynonymError, match=r"missing.txt: no such file"):
        load_synonyms(tmp_path / "missing.txt")


def test_the_shipped_example_parses_and_is_off_by_default():
    example = load_synonyms(EXAMPLE)
    assert ("حلف", "شمال", "الاطلسي") in example.of(("الناتو",))
    assert example.of(("كورونا",)) and example.of(("مونديال",)) == (("كاس", "العالم"),)
    assert BY_NAME["SYNONYMS"].default == ""


def test_synonyms_find_more_and_always_rank_below_the_typed_word(articles_folder, synonyms_file):
    synonyms = load_synonyms(synonyms_file)
    with open_reader(articles_folder) as reader:
        plain = ranked(reader, "كورونا")
        assert {doc for doc, _ in plain} == {"typed-1", "typed-2", "typed-3"}
        found = ranked(reader, "كورونا", synonyms)
        order = [doc for doc, _ in found]
        assert set(order[:3]) == {"typed-1", "typed-2", "typed-3"}
        assert set(order[3:]) == {"synonym-1", "synonym-2"}
        scores = dict(found)
        # synonym-1 says كوفيد nine times: its own BM25 beats the typed word's, yet it stays
        # below the least of the articles holding the word typed
        assert max(scores["synonym-1"], scores["synonym-2"]) < min(
            scores[doc] for doc in ("typed-1", "typed-2", "typed-3")
        )
        assert [doc for doc, _ in ranked(reader, "كوفيد", synonyms)][:2] == [
            "synonym-1",
            "synonym-2",
        ]


def test_explain_shows_the_synonym_and_what_it_kept(articles_folder, synonyms_file):
    app = create_app(
        {"TESTING": True, "INDEX_DIR": str(articles_folder), "SYNONYMS": str(synonyms_file)}
    )
    body = app.test_client().get("/api/search?q=كورونا&explain=true&per_page=10").get_json()
    hit = next(h for h in body["results"] if h["id"] == "synonym-1")
    (row,) = [r for r in hit["explain"] if r["form"] == "synonym"]
    assert (row["word"], row["term"], row["counted"]) == ("كورونا", "كوفيد", True)
    assert row["raw"] > row["score"]  # the share it kept, below the word as typed
    assert row["score"] == pytest.approx(hit["score"], abs=1e-3)
    assert "<mark>كوفيد</mark>" in hit["title_html"]
    typed = next(h for h in body["results"] if h["id"] == "typed-3")
    assert {r["form"] for r in typed["explain"]} >= {"exact", "stem"}


def test_entries_of_several_words_either_way(articles_folder, synonyms_file):
    synonyms = load_synonyms(synonyms_file)
    with open_reader(articles_folder) as reader:
        assert [d for d, _ in ranked(reader, "الناتو", synonyms)] == ["nato-short", "nato-long"]
        assert [d for d, _ in ranked(reader, "حلف شمال الأطلسي", synonyms)][:2] == [
            "nato-long",
            "nato-short",
        ]
        assert [d for d, _ in ranked(reader, '"حلف شمال الأطلسي"', synonyms)] == [
            "nato-long",
            "nato-short",
        ]
        assert [d for d, _ in ranked(reader, '"حلف شمال الأطلسي"')] == ["nato-long"]


def test_one_way_entries_find_one_way(articles_folder, synonyms_file):
    synonyms = load_synonyms(synonyms_file)
    with open_reader(articles_folder) as reader:
        assert [d for d, _ in ranked(reader, "مونديال", synonyms)] == ["cup-short", "cup-long"]
        assert "cup-short" not in [d for d, _ in ranked(reader, '"كأس العالم"', synonyms)]


def test_the_service_reloads_an_edited_file(articles_folder, tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("كورونا, كوفيد\n", "utf-8")
    app = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder), "SYNONYMS": str(path)})
    client = app.test_client()

    def found(q: str) -> set[str]:
        return {hit["id"] for hit in client.get(f"/api/search?q={q}").get_json()["results"]}

    assert "synonym-1" in found("كورونا")
    path.write_text("# كورونا no more\nالناتو, حلف شمال الأطلسي, حلف الأطلسي\n", "utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp, however fast the edit
    assert "synonym-1" not in found("كورونا")
    assert "nato-long" in found("الناتو")
    path.write_text("=> broken\n", "utf-8")  # a broken edit keeps the last good synonyms
    assert "nato-long" in found("الناتو")


def test_a_bad_file_stops_the_start_naming_file_and_line(articles_folder, tmp_path, seed_index):
    path = tmp_path / "bad.txt"
    path.write_text("كورونا, كوفيد\nالناتو =>\n", "utf-8")
    with pytest.raises(SynonymError, match=r"bad.txt, line 2: an empty entry"):
        create_app({"TESTING": True, "INDEX_DIR": str(articles_folder), "SYNONYMS": str(path)})
    for command in (["query", "كوريا"], ["serve"]):
        result = CliRunner().invoke(
            main, [*command, "--index", str(seed_index), "--synonyms", str(path)]
        )
        assert result.exit_code == 1
        assert f"{path}, line 2: an empty entry" in result.output


def test_the_cli_searches_with_the_example_file(seed_index):
    # the seeds write حلف شمال الأطلسي and الناتو: with the example, each finds the other
    args = ["query", "حلف الأطلسي", "--index", str(seed_index), "--json"]
    without = CliRunner().invoke(main, args, catch_exceptions=False)
    with_file = CliRunner().invoke(main, [*args, "--synonyms", str(EXAMPLE)])
    assert with_file.exit_code == 0
    assert '"total": 0' not in with_file.output
    assert without.output != with_file.output


def test_an_edited_file_is_never_answered_not_modified(articles_folder, tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("كورونا, كوفيد\n", "utf-8")
    app = create_app({"TESTING": True, "INDEX_DIR": str(articles_folder), "SYNONYMS": str(path)})
    client = app.test_client()
    first = client.get("/api/search?q=كورونا")
    etag = first.headers["ETag"]
    assert client.get("/api/search?q=كورونا", headers={"If-None-Match": etag}).status_code == 304
    path.write_text("الناتو, حلف شمال الأطلسي\n", "utf-8")
    os.utime(path, ns=(2, 2))
    again = client.get("/api/search?q=كورونا", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "synonym-1" not in {hit["id"] for hit in again.get_json()["results"]}
