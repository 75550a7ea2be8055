"""The write API: token checks, validation that writes nothing on error, busy writers, logs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from search.store import live_generation, open_reader, write_lock
from search.web import create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED_COUNT = 5
NEW = {
    "title": "مرصد فلكي جديد في الصحراء",
    "body": "افتتح المرصدُ الفلكيّ الجديد أبوابه أمام الزوار، ويضم تلسكوبا راديويا كبيرا.",
    "date": "2024-03-01",
    "source": "وكالة الأنباء",
    "tags": ["علوم", "فلك"],
}


@pytest.fixture
def folder(writable_index) -> Path:
    return writable_index


def make_client(folder: Path, **config):
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder), "ADMIN_TOKEN": TOKEN} | config)
    return app.test_client()


@pytest.fixture
def client(folder):
    return make_client(folder)


def count(folder: Path) -> int:
    with open_reader(folder) as reader:
        return reader.documents


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def hit_ids(client, q: str) -> list[str]:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    return [hit["id"] for hit in response.get_json()["results"]]


# --- Access control --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/documents/x1"), ("post", "/api/documents"), ("delete", "/api/documents/x1")],
)
def test_writes_are_disabled_without_a_configured_token(folder, method, path):
    client = make_client(folder, ADMIN_TOKEN="")
    response = getattr(client, method)(path, json=NEW | {"id": "x1"}, headers=AUTH)
    error = error_of(response, 403, "writes_disabled")
    assert "ARABIC_SEARCH_ADMIN_TOKEN" in error["message"]
    assert count(folder) == SEED_COUNT


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": f"Basic {TOKEN}"}, 401, "unauthorized"),
        ({"Authorization": "Bearer "}, 401, "unauthorized"),
        ({"Authorization": "Bearer wrong"}, 403, "forbidden"),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403, "forbidden"),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403, "forbidden"),
    ],
)
def test_a_write_without_the_right_token_is_refused(client, folder, headers, status, code):
    response = client.put("/api/documents/x1", json=NEW, headers=headers)
    error_of(response, status, code)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count(folder) == SEED_COUNT


def test_the_token_is_read_from_the_environment_as_text(folder, monkeypatch):
    monkeypatch.setenv("ARABIC_SEARCH_ADMIN_TOKEN", "1234")  # not turned into a number
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder)})
    response = app.test_client().put(
        "/api/documents/x1", json=NEW, headers={"Authorization": "Bearer 1234"}
    )
    assert response.status_code == 201


# --- Create, replace, delete -----------------------------------------------------------------


def test_a_put_document_is_searchable_and_highlighted_as_written(client, folder):
    response = client.put("/api/documents/obs-1", json=NEW, headers=AUTH)
    assert response.status_code == 201
    assert response.get_json() == {"id": "obs-1", "result": "created", "documents": 6}
    assert response.headers["Location"].endswith("/api/documents/obs-1")
    body = client.get("/api/search", query_string={"q": "المرصد الفلكي"}).get_json()
    assert body["results"][0]["id"] == "obs-1"
    assert "<mark>المرصدُ</mark> <mark>الفلكيّ</mark>" in body["results"][0]["snippet_html"]
    stored = client.get("/api/documents/obs-1").get_json()
    assert (stored["title"], stored["date"], stored["tags"]) == (
        NEW["title"],
        "2024-03-01",
        ["علوم", "فلك"],
    )
    assert count(folder) == SEED_COUNT + 1


def test_a_second_put_replaces_the_document(client, folder):
    assert client.put("/api/documents/obs-1", json=NEW, headers=AUTH).status_code == 201
    changed = NEW | {"body": "أغلق المرصد بسبب عاصفة رملية شديدة."}
    response = client.put("/api/documents/obs-1", json=changed, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json()["result"] == "replaced"
    assert hit_ids(client, "عاصفة رملية") == ["obs-1"]
    assert hit_ids(client, "تلسكوب") == []  # the old text is gone
    assert count(folder) == SEED_COUNT + 1


def test_post_indexes_a_json_list_in_one_request(client, folder):
    documents = [NEW | {"id": f"batch-{i}", "title": f"تقرير رقم {i}"} for i in range(3)]
    response = client.post("/api/documents", json=documents, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "result": "indexed",
        "created": 3,
        "replaced": 0,
        "documents": SEED_COUNT + 3,
    }
    assert sorted(hit_ids(client, "تلسكوب")) == ["batch-0", "batch-1", "batch-2"]


def test_post_accepts_json_lines(client, folder):
    lines = "\n".join(json.dumps(NEW | {"id": f"line-{i}"}, ensure_ascii=False) for i in range(2))
    response = client.post(
        "/api/documents",
        data=(lines + "\n\n").encode(),
        headers=AUTH | {"Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["created"] == 2
    assert count(folder) == SEED_COUNT + 2


def test_post_replaces_seed_documents_by_id(client, folder):
    seed_id = "002_687531a2e5c0bf49"
    response = client.post("/api/documents", json=[NEW | {"id": seed_id}], headers=AUTH)
    assert response.get_json()["replaced"] == 1
    assert seed_id not in hit_ids(client, "بلينكن")
    assert seed_id in hit_ids(client, "تلسكوب")
    assert count(folder) == SEED_COUNT


def test_delete_removes_a_document_from_search(client, folder):
    assert "002_687531a2e5c0bf49" in hit_ids(client, "بلينكن")
    response = client.delete("/api/documents/002_687531a2e5c0bf49", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {"id": "002_687531a2e5c0bf49", "result": "deleted"}
    assert "002_687531a2e5c0bf49" not in hit_ids(client, "بلينكن")
    error_of(client.get("/api/documents/002_687531a2e5c0bf49"), 404, "not_found")
    error_of(client.delete("/api/documents/002_687531a2e5c0bf49", headers=AUTH), 404, "not_found")
    assert count(folder) == SEED_COUNT - 1


def test_healthz_reports_the_age_of_the_last_change(client):
    client.put("/api/documents/obs-1", json=NEW, headers=AUTH)
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["documents"] == SEED_COUNT + 1
    assert 0 <= health["index_age_seconds"] < 60
    assert health["updated_at"] >= health["built_at"]


# --- Validation: a bad body is a 400 naming the fault, and nothing is written ----------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"title": "بلا نص"}, "body", "missing field 'body'"),
        ({"body": "  "}, "body", "field 'body' is empty"),
        ({"body": 42}, "body", "must be a string, got number"),
        (NEW | {"title": ["a"]}, "title", "must be a string, got array"),
        (NEW | {"date": "yesterday"}, "date", "invalid date"),
        (NEW | {"tags": [1, 2]}, "tags", "must be a list of strings"),
        (NEW | {"id": "another-id"}, "id", "differs from the id in the URL"),
    ],
)
def test_an_invalid_document_names_the_field_and_writes_nothing(client, folder, body, field, words):
    error = error_of(client.put("/api/documents/x1", json=body, headers=AUTH), 400, "bad_document")
    assert error["field"] == field
    assert words in error["message"]
    assert count(folder) == SEED_COUNT


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b'{"body": "\xd9\x85\xff"}', "not valid UTF-8 (byte 12)"),
        (b'{"body": "abc"', "invalid JSON"),
        (b"[1, 2]", "one JSON object"),
        (b'{"body": "\\ud800 lone"}', "lone surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
    ],
)
def test_undecodable_bodies_are_400(client, folder, data, words):
    response = client.put(
        "/api/documents/x1", data=data, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert words in error_of(response, 400, "bad_document")["message"]
    assert count(folder) == SEED_COUNT


def test_one_bad_document_in_a_batch_writes_none_of_it(client, folder):
    documents = [NEW | {"id": "ok-1"}, {"id": "bad-2", "body": None}, NEW | {"id": "ok-3"}]
    error = error_of(
        client.post("/api/documents", json=documents, headers=AUTH), 400, "bad_document"
    )
    assert (error["document"], error["field"]) == (2, "body")
    assert error["message"].startswith("document 2: missing field 'body'")
    assert count(folder) == SEED_COUNT
    assert hit_ids(client, "تلسكوب") == []


def test_a_bad_json_line_is_named_by_its_number(client, folder):
    data = json.dumps(NEW | {"id": "a"}) + "\n" + '{"id": "b", "body": }\n'
    response = client.post(
        "/api/documents", data=data, headers=AUTH | {"Content-Type": "application/x-ndjson"}
    )
    error = error_of(response, 400, "bad_document")
    assert error["line"] == 2
    assert error["message"].startswith("line 2: invalid JSON")
    assert count(folder) == SEED_COUNT


def test_an_id_sent_twice_keeps_its_last_version(client, folder):
    batch = [NEW | {"id": "same"}, NEW | {"id": "same", "title": "العنوان الأخير"}]
    response = client.post("/api/documents", json=batch, headers=AUTH)
    assert response.status_code == 200
    assert client.get("/api/documents/same").get_json()["title"] == "العنوان الأخير"
    assert count(folder) == SEED_COUNT + 1


@pytest.mark.parametrize(
    ("documents", "words"),
    [
        ([], "no documents"),
        ({"not": "a document"}, "missing field 'id'"),
        ("text", "JSON array"),
        ([NEW | {"id": "x" * 201}], "at most 200"),
        ([NEW | {"id": "a\nb"}], "control character"),
    ],
)
def test_bad_batches_are_400(client, folder, documents, words):
    response = client.post("/api/documents", json=documents, headers=AUTH)
    assert words in error_of(response, 400, "bad_document")["message"]
    assert count(folder) == SEED_COUNT


def test_an_oversized_body_is_413_and_writes_nothing(folder):
    client = make_client(folder, MAX_CONTENT_LENGTH=1024)
    big = NEW | {"body": "كلمة " * 1000}
    response = client.put("/api/documents/x1", json=big, headers=AUTH)
    error_of(response, 413, "request_entity_too_large")
    assert count(folder) == SEED_COUNT


# --- Busy writers and crashes ----------------------------------------------------------------


def test_a_busy_writer_is_a_503_with_retry_after_then_the_write_succeeds(folder):
    client = make_client(folder, WRITE_WAIT_SECONDS=0.2)
    with write_lock(folder):
        started = time.monotonic()
        response = client.put("/api/documents/x1", json=NEW, headers=AUTH)
        waited = time.monotonic() - started
        error = error_of(response, 503, "index_busy")
        assert "try again" in error["message"]
        assert int(response.headers["Retry-After"]) > 0
        assert waited < 5  # gave up after the configured wait, did not hang
        assert client.get("/api/search", query_string={"q": "بلينكن"}).status_code == 200
    assert client.put("/api/documents/x1", json=NEW, headers=AUTH).status_code == 201


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from search.store import write_lock
    with write_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
    """
)


def test_the_lock_of_a_killed_writer_is_recovered(folder):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        client = make_client(folder, WRITE_WAIT_SECONDS=0.1)
        error_of(client.put("/api/documents/x1", json=NEW, headers=AUTH), 503, "index_busy")
        holder.kill()
        holder.wait(timeout=10)
        response = client.put("/api/documents/x1", json=NEW, headers=AUTH)
        assert response.status_code == 201
    finally:
        holder.kill()
        holder.wait(timeout=10)
        holder.stdout.close()
    assert count(folder) == SEED_COUNT + 1
    assert live_generation(folder) is not None


# --- Logs ------------------------------------------------------------------------------------


def test_each_request_is_logged_with_its_id_status_and_latency(client, caplog):
    caplog.set_level("INFO", logger="search.access")
    response = client.get("/api/search?q=بلينكن", headers={"X-Request-Id": "trace-42"})
    assert response.headers["X-Request-Id"] == "trace-42"
    record = next(r for r in caplog.records if r.name == "search.access")
    assert (record.request_id, record.method, record.path, record.status) == (
        "trace-42",
        "GET",
        "/api/search",
        200,
    )
    assert record.ms >= 0


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-Id": "x" * 65})
    assert len(response.headers["X-Request-Id"]) == 16


def test_json_log_lines_parse():
    import logging

    from search.web.logs import JsonFormatter

    record = logging.LogRecord("search.access", logging.INFO, "", 0, "GET %s", ("/",), None)
    record.request_id, record.status, record.ms = "abc", 200, 1.5
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /"
    assert (line["request_id"], line["status"], line["ms"], line["level"]) == (
        "abc",
        200,
        1.5,
        "info",
    )
