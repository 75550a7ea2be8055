"""Building, updating and rebuilding real indexes in temporary folders."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.documents import Article, Rejected, read_paths
from search.errors import IndexBusy, IndexFormatMismatch, IndexMissing
from search.store import (
    FORMAT,
    MarkerWatch,
    StrictFailure,
    delete_documents,
    generations,
    index_articles,
    index_stats,
    live_generation,
    open_reader,
    write_lock,
)

from .conftest import SEEDS, write_seed_corpus


def count(folder: Path) -> int:
    with open_reader(folder) as reader:
        return reader.documents


def stored(folder: Path, doc_id: str) -> dict | None:
    with open_reader(folder) as reader:
        number = reader.document_number(doc_id)
        return None if number is None else reader.stored(number)


def test_indexing_the_seeds_twice_leaves_five_documents(tmp_path):
    first = index_articles(tmp_path, read_paths([SEEDS]))
    second = index_articles(tmp_path, read_paths([SEEDS]))
    assert (first.indexed, first.replaced) == (5, 0)
    assert (second.indexed, second.replaced) == (0, 5)
    assert count(tmp_path) == 5


def test_reindexing_an_id_replaces_it(tmp_path):
    index_articles(tmp_path, [Article("a", "عنوان أول", "نص أول عن سيول")])
    index_articles(tmp_path, [Article("a", "عنوان ثان", "نص ثان عن طوكيو")])
    assert count(tmp_path) == 1
    assert stored(tmp_path, "a")["title"] == "عنوان ثان"


def test_a_repeated_id_within_one_run_keeps_the_last_version(tmp_path):
    report = index_articles(
        tmp_path, [Article("a", "قديم", "نص"), Article("b", "ب", "نص"), Article("a", "جديد", "نص")]
    )
    assert count(tmp_path) == 2
    assert stored(tmp_path, "a")["title"] == "جديد"
    assert report.replaced == 1


def test_stored_fields_of_a_seed(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]))
    doc = stored(tmp_path, "002_687531a2e5c0bf49")
    assert doc["date"] == dt.datetime(2023, 11, 9)
    assert doc["source"] == "وكالة الصحافة المستقلة"
    assert doc["url"].startswith("https://www.reuters.com/")
    assert doc["related"] and "الشكمالية" not in doc["body"]


def test_bad_input_is_skipped_and_counted(tmp_path):
    items = [
        Article("a", "أ", "نص"),
        Rejected("x.jsonl", 3, "invalid JSON"),
        Article("b", "ب", "نص"),
    ]
    report = index_articles(tmp_path, items)
    assert (report.indexed, report.skipped) == (2, 1)
    assert report.rejected[0].line == 3


def test_strict_stops_at_bad_input_and_changes_nothing(tmp_path):
    index_articles(tmp_path, [Article("keep", "أ", "نص")])
    before = live_generation(tmp_path)
    items = [Article("new", "ب", "نص"), Rejected("x.jsonl", 7, "missing field 'body'")]
    with pytest.raises(StrictFailure, match=r"x\.jsonl:7"):
        index_articles(tmp_path, items, strict=True, rebuild=True)
    assert live_generation(tmp_path) == before
    assert count(tmp_path) == 1
    assert [p.name for p in tmp_path.glob("g-*")] == [before.name]


def test_rebuild_switches_to_a_new_generation_and_removes_the_old(tmp_path):
    index_articles(tmp_path, [Article("old", "قديم", "نص")])
    old = live_generation(tmp_path)
    index_articles(tmp_path, read_paths([SEEDS]), rebuild=True)
    assert live_generation(tmp_path) != old
    assert not old.exists()
    assert count(tmp_path) == 5


def test_a_reader_keeps_reading_while_a_rebuild_switches(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]))
    reader = open_reader(tmp_path)
    index_articles(tmp_path, [Article("only", "وحيد", "نص")], rebuild=True)
    assert reader.documents == 5  # the old generation's files stay readable
    number = reader.document_number("002_687531a2e5c0bf49")
    assert reader.stored(number)["title"].startswith("بلينكن")
    reader.close()
    assert count(tmp_path) == 1


class CountedListings:
    """generation_marker with a count of its calls (each reads CURRENT and lists a folder)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        read = generations.generation_marker

        def counted(folder):
            self.calls += 1
            return read(folder)

        monkeypatch.setattr(generations, "generation_marker", counted)


def test_the_marker_watch_sees_each_commit_and_rebuild_at_once(tmp_path):
    index_articles(tmp_path, [Article("a", "أول", "نص")])
    watch = MarkerWatch(tmp_path)
    first = watch.marker()
    assert first == generations.generation_marker(tmp_path) != ""
    assert watch.marker() == first
    index_articles(tmp_path, [Article("b", "ثان", "نص")])  # a commit in the same generation
    second = watch.marker()
    assert second == generations.generation_marker(tmp_path) != first
    index_articles(tmp_path, [Article("c", "ثالث", "نص")], rebuild=True)  # a new generation
    third = watch.marker()
    assert third.partition("/")[0] == live_generation(tmp_path).name != second.partition("/")[0]


def test_the_marker_watch_lists_again_only_while_its_stats_are_racy(tmp_path, monkeypatch):
    index_articles(tmp_path, [Article("a", "أول", "نص")])
    listings = CountedListings(monkeypatch)
    watch = MarkerWatch(tmp_path)
    for _ in range(3):  # the folder changed just now: no stat is trusted yet
        watch.marker()
    assert listings.calls == 3
    monkeypatch.setattr(MarkerWatch, "RACY_SECONDS", 0.0)  # as if a second had gone by
    marker = watch.marker()
    assert listings.calls == 4  # stats taken, now trusted
    assert [watch.marker() for _ in range(5)] == [marker] * 5
    assert listings.calls == 4  # five answers from two stats each


def test_the_marker_watch_sees_a_change_that_kept_the_folders_mtime(tmp_path, monkeypatch):
    """rsync sets a folder's mtime back to the primary's; its ctime still moves on."""
    index_articles(tmp_path, [Article("a", "أول", "نص")])
    monkeypatch.setattr(MarkerWatch, "RACY_SECONDS", 0.0)
    watch = MarkerWatch(tmp_path)
    watch.marker(), watch.marker()
    generation = live_generation(tmp_path)
    before = os.stat(generation)
    time.sleep(0.02)  # past a clock tick, so the ctime below is a new one
    (generation / "_MAIN_999.toc").write_bytes(b"")
    os.utime(generation, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(generation).st_mtime_ns == before.st_mtime_ns
    assert watch.marker() == f"{generation.name}/_MAIN_999.toc"


def test_delete_documents(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]))
    assert delete_documents(tmp_path, ["002_687531a2e5c0bf49", "missing"]) == 1
    assert count(tmp_path) == 4


def test_document_ids_are_the_stored_ids_in_every_segment(tmp_path):
    """`Reader.document_ids` reads the id column: the same ids as the stored fields, for a
    bulk build's segments, a segment Whoosh's writer added and a replaced document."""
    articles = [
        Article(f"copy-{i:04d}", a.title, a.body)
        for i, a in enumerate([a for a in read_paths([SEEDS]) if isinstance(a, Article)] * 500)
    ]
    index_articles(tmp_path, articles, procs=2)
    index_articles(tmp_path, [Article("late", "عنوان", "نص متأخر"), articles[3]])
    delete_documents(tmp_path, ["copy-0007"])
    with open_reader(tmp_path) as reader:
        assert reader.segments >= 3
        numbers = [n for n in range(reader.size) if reader.live[n]]
        assert reader.document_ids(numbers) == [reader.stored(n)["id"] for n in numbers]
        ids = reader.document_ids(numbers)
        assert "late" in ids and "copy-0007" not in ids and len(ids) == len(set(ids)) == 2500


def test_stored_fields_read_straight_are_whooshs_in_every_segment(tmp_path):
    """`Reader.stored` reads each segment's stored column without Whoosh's reader layers:
    the same fields as Whoosh's own `stored_fields`, for every document number of a bulk
    build's segments, a segment Whoosh's writer added and a deleted document."""
    from whoosh import index as whoosh_index

    articles = [
        Article(f"copy-{i:04d}", a.title, a.body)
        for i, a in enumerate([a for a in read_paths([SEEDS]) if isinstance(a, Article)] * 40)
    ]
    index_articles(tmp_path, articles, procs=2)
    index_articles(tmp_path, [Article("late", "عنوان متأخر", "نص متأخر")])
    delete_documents(tmp_path, ["copy-0007"])
    with open_reader(tmp_path) as reader:
        assert reader.segments >= 2
        with whoosh_index.open_dir(str(reader.generation)).searcher() as whooshs:
            for number in range(reader.size):
                assert reader.stored(number) == whooshs.stored_fields(number)
        assert reader.stored(reader.size - 1)["title"] == "عنوان متأخر"
        with pytest.raises(IndexError):
            reader.stored(reader.size)


def test_opening_a_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexMissing, match="arabic-search index"):
        open_reader(tmp_path / "nothing")


def test_a_busy_writer_gives_a_clear_error(tmp_path):
    with write_lock(tmp_path), pytest.raises(IndexBusy):
        index_articles(tmp_path, [Article("a", "أ", "نص")], lock_timeout=0.2)


def test_stats(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]))
    figures = index_stats(tmp_path)
    assert figures["documents"] == 5
    assert figures["size_bytes"] > 0
    assert {"title", "body", "title_exact", "body_exact"} <= set(figures["fields"])
    assert figures["last_run"]["indexed"] == 5
    assert dt.datetime.fromisoformat(figures["built_at"])


def test_snowball_stemmer_is_recorded_and_used_by_queries(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]), stemmer="snowball")
    assert index_stats(tmp_path)["stemmer"] == "snowball"
    index_articles(tmp_path, read_paths([SEEDS]), rebuild=True)  # keeps the index's stemmer
    assert index_stats(tmp_path)["stemmer"] == "snowball"


def test_a_killed_rebuild_leaves_the_old_index_serving_and_the_next_build_works(tmp_path):
    folder = tmp_path / "index"
    index_articles(folder, read_paths([SEEDS]))
    live = live_generation(folder)
    corpus = tmp_path / "big.jsonl"
    write_seed_corpus(corpus, 20_000, "doc")
    command = [sys.executable, "-m", "search", "index", str(corpus), "--index", str(folder)]
    process = subprocess.Popen([*command, "--rebuild", "--quiet"], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while not [p for p in folder.glob("g-*") if p != live]:  # the rebuild has started
            assert process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert live_generation(folder) == live
    assert count(folder) == 5
    # The kernel released the dead writer's lock; the next build succeeds and cleans up.
    report = index_articles(folder, read_paths([SEEDS]), rebuild=True)
    assert report.indexed == 5
    assert [p.name for p in folder.glob("g-*")] == [live_generation(folder).name]


def _as_an_earlier_version_left_it(folder: Path) -> None:
    """build.json as the flat package wrote it: no format number."""
    record = live_generation(folder) / "build.json"
    info = json.loads(record.read_text("utf-8"))
    del info["format"]
    record.write_text(json.dumps(info), "utf-8")


def test_an_index_of_another_format_is_refused_with_the_rebuild_command(tmp_path):
    index_articles(tmp_path, read_paths([SEEDS]))
    assert json.loads((live_generation(tmp_path) / "build.json").read_text())["format"] == FORMAT
    _as_an_earlier_version_left_it(tmp_path)
    with pytest.raises(IndexFormatMismatch, match=r"format 1.*--rebuild") as refused:
        open_reader(tmp_path)
    assert refused.value.status == 503 and refused.value.code == "index_format"
    with pytest.raises(IndexFormatMismatch):  # an update would mix formats: rebuild only
        index_articles(tmp_path, [Article("new", "عنوان", "نص")])
    report = index_articles(tmp_path, read_paths([SEEDS]), rebuild=True)
    assert report.documents == 5
    with open_reader(tmp_path) as reader:
        assert reader.documents == 5


def test_the_service_and_the_cli_say_how_to_rebuild_an_old_index(tmp_path):
    from click.testing import CliRunner

    from search.cli import main
    from search.web import create_app

    index_articles(tmp_path, read_paths([SEEDS]))
    _as_an_earlier_version_left_it(tmp_path)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path)}).test_client()
    for path in ("/api/search?q=كوريا", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503
        assert "--rebuild" in response.get_data(as_text=True)
    assert client.get("/api/search?q=كوريا").get_json()["error"]["code"] == "index_format"
    result = CliRunner().invoke(main, ["stats", "--index", str(tmp_path)])
    assert result.exit_code == 1
    assert "--rebuild" in result.output and "Traceback" not in result.output
