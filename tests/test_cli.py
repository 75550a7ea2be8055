"""The `arabic-search` commands, run through click's runner on real indexes."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from search.cli import main

from .conftest import SEEDS


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_index_prints_a_one_line_summary(tmp_path):
    result = run("index", str(SEEDS), "--index", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.startswith("indexed 5, replaced 0, skipped 0 in ")
    again = run("index", str(SEEDS), "--index", str(tmp_path))
    assert again.output.startswith("indexed 0, replaced 5, skipped 0 in ")


def test_index_reports_bad_lines_with_file_and_line(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text(
        '{"id": "a", "title": "أ", "body": "نص عن سيول"}\n{not json}\n{"id": "b"}\n',
        encoding="utf-8",
    )
    result = run("index", str(data), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0
    assert f"skipped {data}:2" in result.output
    assert f"skipped {data}:3" in result.output
    assert "indexed 1, replaced 0, skipped 2" in result.output


def test_strict_makes_bad_input_fatal(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text('{"id": "a", "body": "نص"}\n{not json}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(data), "--index", str(tmp_path), "--strict"])
    assert result.exit_code == 1
    assert f"{data}:2" in result.output and "nothing was changed" in result.output


def test_stats(seed_index):
    result = run("stats", "--index", str(seed_index))
    assert "documents:  5" in result.output
    figures = json.loads(run("stats", "--index", str(seed_index), "--json").output)
    assert figures["documents"] == 5


def test_stats_without_an_index_explains_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["stats", "--index", str(tmp_path)])
    assert result.exit_code == 1
    assert "arabic-search index seeds/" in result.output


def test_query_prints_ranked_hits_with_marked_words(seed_index):
    result = run("query", "بلينكن", "--index", str(seed_index))
    lines = result.output.splitlines()
    assert lines[0].startswith("2 results in ")
    assert "  1. 002_687531a2e5c0bf49  2023-11-09" in result.output
    assert "<mark>" not in result.output


def test_query_json_is_the_api_body(seed_index, client):
    printed = json.loads(run("query", "بلينكن", "--index", str(seed_index), "--json").output)
    served = client.get("/api/search?q=بلينكن").get_json()
    for body in (printed, served):
        body.pop("took_ms")
    assert printed == served


def test_bad_query_is_a_clear_error(seed_index):
    result = CliRunner().invoke(main, ["query", "--index", str(seed_index), "--", "-كوريا"])
    assert result.exit_code == 1
    assert "only excludes words" in result.output


def test_python_dash_m_works():
    result = subprocess.run(
        [sys.executable, "-m", "search", "--help"], capture_output=True, text=True, check=True
    )
    assert "index" in result.stdout and "serve" in result.stdout


def test_query_explain(seed_index):
    result = run("query", "بوتن", "--index", str(seed_index), "--explain")
    assert "variant in body" in result.output and "(بوتين)" in result.output


def test_a_path_that_does_not_exist_is_an_error_and_creates_nothing(tmp_path):
    result = CliRunner().invoke(
        main, ["index", str(tmp_path / "typo.jsonl"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "ix").exists()


def test_a_run_that_indexes_nothing_fails_and_changes_nothing(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "x"}\n\n', encoding="utf-8")  # one bad line, one blank
    result = CliRunner().invoke(main, ["index", str(empty), "--index", str(tmp_path / "new")])
    assert result.exit_code == 1
    assert "no article to index (1 skipped)" in result.output
    assert not (tmp_path / "new").exists()
    live = tmp_path / "live"
    run("index", str(SEEDS), "--index", str(live))
    marker = (live / "CURRENT").read_text()
    tocs = sorted(p.name for p in live.glob("*/*.toc"))
    for args in ([str(empty)], [str(empty), "--rebuild"]):
        again = CliRunner().invoke(main, ["index", *args, "--index", str(live)])
        assert again.exit_code == 1, args
        assert (live / "CURRENT").read_text() == marker
        assert sorted(p.name for p in live.glob("*/*.toc")) == tocs
    assert "documents:  5" in run("stats", "--index", str(live)).output


def test_stats_after_a_deletion_over_http(tmp_path):
    from search.store import delete_documents

    run("index", str(SEEDS), "--index", str(tmp_path))
    assert delete_documents(tmp_path, ["002_687531a2e5c0bf49"]) == 1
    result = run("stats", "--index", str(tmp_path))
    assert result.exit_code == 0
    assert "documents:  4" in result.output
    assert "last run:   deleted 1 in " in result.output
