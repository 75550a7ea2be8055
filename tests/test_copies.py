"""Copies of an index: an export that `index` reads back to exactly the same documents, and
a snapshot taken while writes land that opens on its own, complete."""

from __future__ import annotations

import json
import threading

from click.testing import CliRunner

import search
from search.cli import main
from search.documents import Article, read_paths
from search.store import index_articles, open_reader, snapshot

from .conftest import SEEDS

TRICKY = [
    Article("amp", "AT&T &amp; شركاؤها", "نص فيه &quot; كما هو، و & وحده", tags=("أ&amp;ب",)),
    Article("dated", "عنوان", "نص", date=__import__("datetime").date(2024, 10, 27), source="أ ف ب"),
]


def documents(folder) -> list[dict]:
    with search.open_index(folder) as index, open_reader(folder) as reader:
        ids = sorted(reader.stored(n)["id"] for n in reader.live.nonzero()[0].tolist())
        return [index.document(doc_id) for doc_id in ids]


def test_export_then_index_gives_back_the_same_documents(tmp_path):
    index_articles(tmp_path / "a", [*read_paths([SEEDS]), *TRICKY])
    exported = tmp_path / "all.jsonl"
    result = CliRunner().invoke(
        main, ["export", "--index", str(tmp_path / "a"), "--output", str(exported)]
    )
    assert result.exit_code == 0, result.output
    assert "exported 7 documents" in result.output
    rows = [json.loads(line) for line in exported.read_text("utf-8").splitlines()]
    assert len(rows) == 7 and {"id", "title", "body"} <= set(rows[0])
    again = CliRunner().invoke(main, ["index", str(exported), "--index", str(tmp_path / "b")])
    assert again.exit_code == 0, again.output
    assert documents(tmp_path / "b") == documents(tmp_path / "a")
    amp = search.open_index(tmp_path / "b").document("amp")
    assert amp["title"] == "AT&T &amp; شركاؤها"  # as the article held it, not decoded again


def test_a_snapshot_under_concurrent_writes_opens_complete(tmp_path):
    live = tmp_path / "live"
    index_articles(live, read_paths([SEEDS]))
    stop = threading.Event()
    written: list[int] = []

    def keep_writing():
        i = 0
        while not stop.is_set() and i < 40:
            index_articles(live, [Article(f"w{i}", f"مقال {i}", f"نص المقال رقم {i} عن سيول")])
            written.append(i)
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        shots = [snapshot(live, tmp_path / f"shot{k}") for k in range(5)]
    finally:
        stop.set()
        writer.join(timeout=60)
    for k, shot in enumerate(shots):
        copy = tmp_path / f"shot{k}"
        with open_reader(copy) as reader:
            count = reader.documents
            stored = {reader.stored(n)["id"] for n in reader.live.nonzero()[0].tolist()}
        assert count >= 5 and len(stored) == count
        extra = sorted(int(doc[1:]) for doc in stored if doc.startswith("w"))
        assert extra == list(range(len(extra)))  # a prefix of the writes: no half commit
        with search.open_index(copy) as index:
            assert index.search("سيول")["total"] >= 1
        assert shot["files"] == shot["linked"] + shot["copied"] > 0
    refused = CliRunner().invoke(main, ["snapshot", str(tmp_path / "shot0"), "--index", str(live)])
    assert refused.exit_code == 1 and "not empty" in refused.output
