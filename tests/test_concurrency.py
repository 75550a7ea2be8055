"""Searches keep answering while writes land: real gunicorn workers, real writer processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from search.documents import read_paths
from search.store import index_articles

from .conftest import SEEDS, write_seed_corpus
from .live_server import environment, gunicorn_command, send

TOKEN = "concurrency-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
BLINKEN = "002_687531a2e5c0bf49"
VISIBLE_WITHIN = 1.0  # seconds from a write's response to the document being searchable


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "index"
    index_articles(target, read_paths([SEEDS]))
    return target


def start(serve, folder: Path, **env: str) -> str:
    return serve(
        gunicorn_command(workers=2),
        environment(
            ARABIC_SEARCH_INDEX_DIR=str(folder),
            ARABIC_SEARCH_ADMIN_TOKEN=TOKEN,
            ARABIC_SEARCH_LOG_JSON="false",
            **env,
        ),
    )


def search(base: str, q: str) -> tuple[int, dict]:
    status, _, body = send("GET", f"{base}/api/search?{urlencode({'q': q})}")
    return status, body


class Searcher(threading.Thread):
    """Searches one query in a loop until stopped, recording every status and top id."""

    def __init__(self, base: str, q: str):
        super().__init__(daemon=True)
        self.base, self.q = base, q
        self.stopped = threading.Event()
        self.answers: list[tuple[int, str | None, int]] = []

    def run(self) -> None:
        while not self.stopped.is_set():
            status, body = search(self.base, self.q)
            top = body["results"][0]["id"] if status == 200 and body["results"] else None
            self.answers.append((status, top, body.get("total", -1)))

    def stop(self) -> list[tuple[int, str | None, int]]:
        self.stopped.set()
        self.join(timeout=30)
        return self.answers


def test_http_writes_are_searchable_within_a_second_while_searches_keep_answering(serve, folder):
    base = start(serve, folder)
    reader = Searcher(base, "بلينكن")
    reader.start()
    delays = []
    try:
        for i in range(12):
            marker = f"marker{i:04d}"
            document = {"title": f"خبر عاجل {i}", "body": f"نص الخبر العاجل رقم {i} {marker}"}
            status, _, body = send(
                "PUT", f"{base}/api/documents/live-{i}", json.dumps(document).encode(), AUTH
            )
            assert status == 201, body
            written = time.monotonic()
            while True:  # both workers must see it: each request may land on either
                status, found = search(base, marker)
                assert status == 200
                if [hit["id"] for hit in found["results"]] == [f"live-{i}"]:
                    delays.append(time.monotonic() - written)
                    break
                assert time.monotonic() - written < VISIBLE_WITHIN, f"{marker} not searchable"
                time.sleep(0.01)
    finally:
        answers = reader.stop()
    assert len(answers) > 10
    assert {status for status, _, _ in answers} == {200}
    assert {top for _, top, _ in answers} == {BLINKEN}  # every answer ranked consistently
    assert max(delays) < VISIBLE_WITHIN
    assert send("GET", f"{base}/healthz")[2]["documents"] == 5 + 12


def test_searches_answer_during_a_bulk_index_and_a_competing_write_gets_503(
    serve, folder, tmp_path
):
    base = start(serve, folder, ARABIC_SEARCH_WRITE_WAIT_SECONDS="0.5")
    corpus = tmp_path / "bulk.jsonl"
    write_seed_corpus(corpus, 600, "bulk")
    reader = Searcher(base, "بلينكن")
    reader.start()
    bulk = subprocess.Popen(
        [sys.executable, "-m", "search", "index", str(corpus), "--index", str(folder), "--quiet"]
    )
    try:
        busy = None
        while bulk.poll() is None and busy is None:
            document = json.dumps({"body": "خبر يصل أثناء الفهرسة"}).encode()
            started = time.monotonic()
            status, headers, body = send("PUT", f"{base}/api/documents/during", document, AUTH)
            assert time.monotonic() - started < 5  # a busy index is refused, never a hang
            if status == 503:
                busy = (body["error"]["code"], int(headers["Retry-After"]))
            else:
                assert status in (200, 201), body
                time.sleep(0.05)
        assert bulk.wait(timeout=120) == 0
    finally:
        bulk.kill()
        answers = reader.stop()
    assert busy == ("index_busy", 5), "the bulk build never held the lock while we wrote"
    assert {status for status, _, _ in answers} == {200}
    totals = [total for _, _, total in answers]
    assert totals == sorted(totals)  # the bulk commit appears at once, never half of it
    assert totals[0] == 2 and totals[-1] > 2
    status, body = search(base, "بلينكن")
    assert body["total"] == 2 + 600 // 5 * 2  # two of the five seeds, repeated
