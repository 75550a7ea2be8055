"""Bulk builds write the same index as Whoosh's own writer, on one core or several."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from search.documents import Article, read_paths
from search.results import SearchRequest, search
from search.store import bulk, index_articles, live_generation, open_reader
from search.store.schema import article_fields, make_schema

from .conftest import SEEDS, write_seed_corpus

SEED_ARTICLES = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]


def _whoosh_built(folder: Path, documents: list[dict]):
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer()
    for fields in documents:
        writer.add_document(**fields)
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _bulk_built(folder: Path, documents: list[dict], procs: int = 1):
    ix = whoosh_index.create_in(str(folder), make_schema())
    assert bulk.build(ix, iter(documents), procs=procs) == len(documents)
    return whoosh_index.open_dir(str(folder))


def _contents(ix) -> dict:
    """Everything a reader can see, keyed by article id rather than document number."""
    reader = ix.reader()
    ids = {n: reader.stored_fields(n)["id"] for n in range(reader.doc_count_all())}
    postings = {}
    for field, term in reader.all_terms():
        matcher = reader.postings(field, term)
        found = []
        while matcher.is_active():
            found.append((ids[matcher.id()], matcher.weight(), matcher.value() or b""))
            matcher.next()
        info = reader.term_info(field, term)
        stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
        postings[field, term] = (sorted(found), stats)
    by_id = {ids[n]: n for n in ids}
    documents = {
        doc_id: (
            reader.stored_fields(n),
            {f: reader.doc_field_length(n, f) for f in reader.schema.scorable_names()},
        )
        for doc_id, n in by_id.items()
    }
    columns = {f: sorted(map(str, reader.column_reader(f))) for f in ("source", "day", "year")}
    lengths = {f: reader.field_length(f) for f in reader.schema.scorable_names()}
    return {"postings": postings, "documents": documents, "columns": columns, "lengths": lengths}


def _numbered(count: int) -> list[dict]:
    """``count`` articles cycling through the seeds, each under an id of its own."""
    documents = []
    for i in range(count):
        fields = article_fields(SEED_ARTICLES[i % len(SEED_ARTICLES)])
        documents.append({**fields, "id": f"copy-{i:04d}"})
    return documents


def test_a_bulk_build_writes_what_whoosh_writes(tmp_path):
    documents = [article_fields(article) for article in SEED_ARTICLES]
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "whoosh", documents))
    built = _contents(_bulk_built(tmp_path / "bulk", documents))
    assert built["postings"].keys() == expected["postings"].keys()
    assert built == expected


def test_a_parallel_build_writes_the_same_index_in_one_segment_per_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 4)
    documents = _numbered(30)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "one", documents))
    ix = _bulk_built(tmp_path / "two", documents, procs=2)
    assert len(ix._segments()) == 2
    built = _contents(ix)
    # Term statistics are per segment, so only the postings and documents must agree.
    assert {k: v[0] for k, v in built["postings"].items()} == {
        k: v[0] for k, v in expected["postings"].items()
    }
    assert built["documents"] == expected["documents"]
    assert built["columns"] == expected["columns"]
    assert built["lengths"] == expected["lengths"]


def test_a_parallel_build_ranks_as_a_single_process_build(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 3)
    articles = [
        Article(id=f"copy-{i:02d}", title=a.title, body=a.body)
        for i, a in enumerate(SEED_ARTICLES * 4)
    ]
    results = {}
    for procs in (1, 2):
        folder = tmp_path / f"procs-{procs}"
        index_articles(folder, articles, procs=procs)
        with open_reader(folder) as reader:
            request = SearchRequest.from_args({"q": "بلينكن سيول", "per_page": "20"})
            found = search(reader, request)
        results[procs] = [(hit["score"], hit["id"]) for hit in found["results"]]
    assert len(results[1]) == 16  # the four seeds that name either, four times each
    # Equal scores may come in another order: document numbers differ between the builds.
    assert sorted(results[1]) == sorted(results[2])
    assert [score for score, _ in results[1]] == [score for score, _ in results[2]]


def test_a_failing_worker_fails_the_build_and_commits_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 4)
    documents = _numbered(20)
    documents[13]["day"] = "not a number"  # a value the worker's NUMERIC field refuses
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with pytest.raises(bulk.WorkerFailed, match="exit code 1"):
        bulk.build(ix, iter(documents), procs=2)
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0


def test_token_readings_follow_the_analyzer_chain():
    analyzer = make_schema()["body"].analyzer
    exact_analyzer = make_schema()["body_exact"].analyzer
    text = "وقال الرَّئِيسُ في ﷺ لكوريا والطالبات F-16 ٢٠٢٤"
    positions, counts = bulk.text_postings(text, "light+snowball")
    stems = {}
    for token in analyzer(text):
        stems[token.text] = stems.get(token.text, 0) + 1
    assert counts == stems
    exact = {}
    for token in exact_analyzer(text, positions=True):
        exact.setdefault(token.text, []).append(token.pos)
    assert positions == exact


def _bulk_workers(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"search.store.bulk_worker" in command and any(
                str(folder).encode() in c for c in command
            ):
                found.append(int(entry.name))
    return found


def test_workers_die_with_a_killed_build(tmp_path):
    folder = tmp_path / "index"
    index_articles(folder, SEED_ARTICLES)
    live = live_generation(folder)
    corpus = tmp_path / "big.jsonl"
    write_seed_corpus(corpus, 6_000, "copy")
    command = [sys.executable, "-m", "search", "index", str(corpus), "--index", str(folder)]
    process = subprocess.Popen([*command, "--rebuild", "--quiet", "--procs", "2"])
    try:
        deadline = time.monotonic() + 60
        while not _bulk_workers(folder):
            assert process.poll() is None, "the build ended before its workers were seen"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _bulk_workers(folder):
        assert time.monotonic() < deadline, "a build worker outlived its parent"
        time.sleep(0.05)
    assert live_generation(folder) == live
    report = index_articles(folder, SEED_ARTICLES, rebuild=True, lock_timeout=5)
    assert report.indexed == 5
