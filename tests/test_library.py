"""The package as a library: the README's Python API does what it says, and the version has
one home (pyproject.toml, read back from the installed metadata everywhere)."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

import pytest
from click.testing import CliRunner

import search
from search.cli import main
from search.errors import BadParameter, IndexMissing
from search.web import create_app

from .conftest import SEEDS


def test_index_open_search_and_read_a_document(tmp_path):
    report = search.index_articles(tmp_path, search.read_paths([SEEDS]))
    assert (report.indexed, report.documents) == (5, 5)
    with search.open_index(tmp_path) as index:
        assert index.documents == 5
        body = index.search("بيونج يانج", per_page=3)
        assert body["total"] == 3 and len(body["results"]) == 3
        first = body["results"][0]
        assert "<mark>" in first["snippet_html"]
        assert index.document(first["id"])["title"] == first["title"]
        assert index.document("nothing") is None
        dated = index.search("كوريا", date_from=dt.date(2024, 1, 1), sort="date")
        assert [hit["date"] for hit in dated["results"]] == ["2024-10-27"]
        with pytest.raises(BadParameter):
            index.search("كوريا", per_page=1000)


def test_the_library_answers_as_the_api_does(tmp_path):
    search.index_articles(tmp_path, [search.Article("a", "عنوان", "نص عن سيول وطوكيو")])
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    api = client.get("/api/search", query_string={"q": "سيول"}).get_json()
    with search.open_index(tmp_path) as index:
        mine = index.search("سيول")
    for body in (api, mine):
        body.pop("took_ms")
    assert mine == api


def test_opening_a_folder_without_an_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexMissing, match="arabic-search index"):
        search.open_index(tmp_path / "none")


def test_the_version_has_one_home():
    installed = version("arabic-search")
    assert search.__version__ == installed
    spec = create_app({"TESTING": True}).test_client().get("/api/openapi.json").get_json()
    assert spec["info"]["version"] == installed
    assert installed in CliRunner().invoke(main, ["--version"]).output
