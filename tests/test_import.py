"""`arabic-search index` reads CSV (a header row naming the fields, quoted fields, UTF-8 with
or without a BOM) and .json files holding an array, with the same checks as JSON Lines."""

from __future__ import annotations

import json

from click.testing import CliRunner

import search
from search.cli import main
from search.documents import Rejected, expected_documents, read_paths

CSV_TEXT = (
    "id,title,body,date,source,tags\n"
    'csv-1,"كوريا، والصواريخ","قال المسؤول: ""لا تراجع""\nفي سطر ثانٍ",2024-10-27,أ ف ب,كوريا\n'
    "csv-2,بلا مصدر,نص قصير عن سيول,,,\n"
    "csv-3,ناقص,,,,\n"
    "csv-4,زائد,نص,2024-01-01,مصدر,وسم,خلية زائدة\n"
)


def test_csv_rows_become_articles_and_bad_rows_are_named(tmp_path):
    for bom in ("", "\ufeff"):
        path = tmp_path / f"export{len(bom)}.csv"
        path.write_text(bom + CSV_TEXT, encoding="utf-8")
        items = list(read_paths([path]))
        first, second, missing, extra = items
        assert first.id == "csv-1" and first.title == "كوريا، والصواريخ"
        assert first.body == 'قال المسؤول: "لا تراجع"\nفي سطر ثانٍ'  # quotes and a line break
        assert (first.date.isoformat(), first.source, first.tags) == (
            "2024-10-27",
            "أ ف ب",
            ("كوريا",),
        )
        assert second.source is None and second.date is None
        assert missing == Rejected(str(path), 5, "missing field 'body'")
        assert extra == Rejected(str(path), 6, "the row has more cells than the header names")
    assert expected_documents([tmp_path / "export0.csv"]) == 5  # rows, about: lines less header


def test_a_json_array_becomes_articles(tmp_path):
    path = tmp_path / "export.json"
    rows = [{"id": "j1", "title": "عنوان", "body": "نص عن بيونغ يانغ"}, {"id": "j2"}]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    good, bad = read_paths([path])
    assert good.id == "j1"
    assert bad == Rejected(str(path), None, "document 2: missing field 'body'")
    single = tmp_path / "one.json"
    single.write_text('{"id": "x", "body": "y"}', encoding="utf-8")
    assert list(read_paths([single])) == [
        Rejected(str(single), None, "expected a JSON array of documents, got object")
    ]


def test_the_cli_indexes_csv_and_json_and_searches_them(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(CSV_TEXT, encoding="utf-8")
    rows = [{"id": "j1", "title": "عنوان", "body": "نص عن بيونغ يانغ"}]
    (tmp_path / "in" / "b.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    result = CliRunner().invoke(
        main, ["index", str(tmp_path / "in"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 0, result.output
    assert "indexed 3, replaced 0, skipped 2" in result.output
    with search.open_index(tmp_path / "ix") as index:
        assert [hit["id"] for hit in index.search("بيونج")["results"]] == ["j1"]
        assert index.search("كوريا")["results"][0]["id"] == "csv-1"
