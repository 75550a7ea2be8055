"""The write path never changes what it acknowledged (issue 14): ids round-trip exactly or
are refused with a 400 that says why; a missing index is a 503 and a write creates nothing;
a full disk is a 507; ids in a body are JSON strings; no body can cause a 500."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from search.store import open_reader
from search.web import create_app

TOKEN = "ids-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY = {"title": "عنوان", "body": "نص قصير عن الزعفران"}


@pytest.fixture
def folder(writable_index) -> Path:
    return writable_index


@pytest.fixture
def client(folder):
    return make_client(folder)


def make_client(folder: Path):
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder), "ADMIN_TOKEN": TOKEN})
    return app.test_client()


def documents(folder: Path) -> int:
    with open_reader(folder) as reader:
        return reader.documents


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape, with the security headers."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"].strip()
    return error


# --- Ids that round-trip --------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc_id",
    [
        "snn-20150721-00000",
        "خبر عاجل",  # Arabic with an inner space
        "a b",
        "100%",
        "what?",
        "a#b",
        "a+b",
        "a&b=c",
        "2023/10/20/story",  # path-like, with real segments
        "café",
        "0",
    ],
)
def test_an_id_round_trips_through_put_location_get_and_delete(client, doc_id):
    response = client.put(f"/api/documents/{quote(doc_id, safe='/')}", json=BODY, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] == doc_id
    location = response.headers["Location"]
    fetched = client.get(location)
    assert fetched.status_code == 200
    assert fetched.get_json()["id"] == doc_id
    hits = client.get("/api/search", query_string={"q": "الزعفران"}).get_json()["results"]
    assert [hit["id"] for hit in hits] == [doc_id]
    assert client.delete(location, headers=AUTH).status_code == 200
    assert client.get(location).status_code == 404


# --- Ids that cannot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, words",
    [
        ("%20ws%20", "starts or ends with a space"),
        ("ws%20", "starts or ends with a space"),
        ("%C2%A0ws", "starts or ends with a space"),  # a no-break space
        (".", "the path segment '.'"),
        ("..", "the path segment '..'"),
        ("../../etc/passwd", "the path segment '..'"),
        ("a/./b", "the path segment '.'"),
        ("a%2F..%2Fb", "the path segment '..'"),
        ("a%5C..%5Cb", "backslash"),
        ("a%E2%80%8Bb", "an invisible character (U+200B)"),  # zero-width space
        ("a%E2%80%AEb", "an invisible character (U+202E)"),  # right-to-left override
        ("%EF%BB%BFa", "an invisible character (U+FEFF)"),  # byte order mark
        ("a%E2%80%A8b", "an invisible character (U+2028)"),  # line separator
        ("a%01b", "a control character (U+0001)"),
        ("a%7Fb", "a control character (U+007F)"),
        ("x" * 201, "at most 200"),
    ],
)
def test_an_id_that_would_not_round_trip_is_a_400_saying_why(client, folder, path, words):
    response = client.put(f"/api/documents/{path}", json=BODY, headers=AUTH)
    error = assert_error(response, 400, "bad_document")
    assert error["field"] == "id"
    assert words in error["message"]
    assert documents(folder) == 5


@pytest.mark.parametrize("raw", ["coll%FE", "coll%FF", "%C3", "a%ED%A0%80"])
def test_invalid_utf8_in_an_id_is_a_400_never_a_replacement_character(client, folder, raw):
    path = f"/api/documents/{raw}"
    response = client.put(path, json=BODY, headers=AUTH, environ_overrides={"RAW_URI": path})
    error = assert_error(response, 400, "bad_document")
    assert "not valid UTF-8" in error["message"]
    response = client.delete(path, headers=AUTH, environ_overrides={"RAW_URI": path})
    assert_error(response, 400, "bad_document")
    assert documents(folder) == 5


@pytest.mark.parametrize(
    "doc_id, words",
    [
        (" ws ", "starts or ends with a space"),
        ("..", "the path segment '..'"),
        ("a//b", "an empty path segment"),
        ("/a", "an empty path segment"),
        ("a\u200db", "U+200D"),
        ("", "field 'id' is empty"),
        ("a/similar", "ends in '/similar'"),  # the address of a's similar articles
    ],
)
def test_the_same_ids_are_refused_in_a_batch(client, folder, doc_id, words):
    batch = [{"id": "fine", **BODY}, {"id": doc_id, **BODY}]
    error = assert_error(
        client.post("/api/documents", json=batch, headers=AUTH), 400, "bad_document"
    )
    assert (error["field"], error["document"]) == ("id", 2)
    assert words in error["message"]
    assert documents(folder) == 5


# --- Ids in a body are strings ----------------------------------------------------------------


@pytest.mark.parametrize("value, kind", [(0, "number"), (7.5, "number"), (True, "boolean")])
def test_a_non_string_id_in_a_put_body_is_a_400(client, folder, value, kind):
    response = client.put("/api/documents/0", json={"id": value, **BODY}, headers=AUTH)
    error = assert_error(response, 400, "bad_document")
    assert error["message"] == f"field 'id' must be a string, got {kind}"
    assert documents(folder) == 5


def test_a_non_string_id_in_a_batch_or_json_lines_is_a_400(client, folder):
    error = assert_error(
        client.post("/api/documents", json=[{"id": 1, **BODY}], headers=AUTH), 400, "bad_document"
    )
    assert error["message"] == "document 1: field 'id' must be a string, got number"
    lines = json.dumps({"id": "ok", **BODY}) + "\n" + json.dumps({"id": 2, **BODY})
    response = client.post(
        "/api/documents", data=lines, headers=AUTH | {"Content-Type": "application/x-ndjson"}
    )
    error = assert_error(response, 400, "bad_document")
    assert error["message"] == "line 2: field 'id' must be a string, got number"
    assert documents(folder) == 5


def test_a_matching_string_id_in_the_body_is_accepted(client):
    response = client.put("/api/documents/x1", json={"id": "x1", **BODY}, headers=AUTH)
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        '{"body": "نص", "views": ' + "1" * 5000 + "}",
        '{"body": "نص", "id": ' + "9" * 5000 + "}",
        "[" + "1" * 5000 + "]",
    ],
)
def test_a_5000_digit_integer_is_a_400_not_a_500(client, folder, body):
    for method, path in (("put", "/api/documents/n"), ("post", "/api/documents")):
        response = getattr(client, method)(
            path, data=body, headers=AUTH | {"Content-Type": "application/json"}
        )
        error = assert_error(response, 400, "bad_document")
        assert "invalid JSON" in error["message"] and "digits" in error["message"]
    assert documents(folder) == 5


# --- A missing or unreadable index ------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("put", "/api/documents/new", BODY),
        ("post", "/api/documents", [{"id": "new", **BODY}]),
        ("delete", "/api/documents/000", None),
    ],
)
def test_with_the_index_folder_gone_a_write_is_503_and_creates_nothing(
    tmp_path, method, path, body
):
    gone = tmp_path / "gone"
    client = make_client(gone)
    response = getattr(client, method)(path, json=body, headers=AUTH)
    error = assert_error(response, 503, "index_unavailable")
    assert "no index in" in error["message"]
    assert not gone.exists()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["error"]["code"] == "index_unavailable"


def test_with_an_empty_index_folder_a_write_is_503_and_builds_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    response = make_client(empty).put("/api/documents/new", json=BODY, headers=AUTH)
    assert_error(response, 503, "index_unavailable")
    assert not any(empty.glob("g-*")) and not (empty / "CURRENT").exists()


def unreadable_by_everyone(folder: Path) -> None:
    """Make the index unreadable: CURRENT becomes a folder (even root cannot read that as a
    file); for other users, the folder also loses its permissions."""
    (folder / "CURRENT").unlink()
    (folder / "CURRENT").mkdir()


@pytest.mark.parametrize("path", ["/api/search?q=x", "/healthz", "/api/documents/000"])
def test_an_unreadable_index_is_503_with_the_reason_everywhere(folder, path):
    unreadable_by_everyone(folder)
    response = make_client(folder).get(path)
    assert response.status_code == 503
    body = response.get_json()
    error = body["error"]
    assert error["code"] == "index_unavailable"
    assert "cannot be read: is a directory" in error["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder without permissions")
def test_an_index_folder_without_permissions_is_503(folder):
    os.chmod(folder, 0)
    try:
        for path in ("/api/search?q=x", "/healthz"):
            response = make_client(folder).get(path)
            assert response.status_code == 503
            assert "permission denied" in response.get_json()["error"]["message"]
    finally:
        os.chmod(folder, 0o755)


def test_the_search_page_on_an_unreadable_index_is_a_503_page(folder):
    unreadable_by_everyone(folder)
    response = make_client(folder).get("/", query_string={"q": "x"})
    assert response.status_code == 503
    assert "cannot be read" in response.get_data(as_text=True)


def test_an_unreadable_index_refuses_writes_with_503(folder):
    unreadable_by_everyone(folder)
    response = make_client(folder).put("/api/documents/new", json=BODY, headers=AUTH)
    assert_error(response, 503, "index_unavailable")


# --- A full disk ------------------------------------------------------------------------------


def test_a_full_disk_is_507_insufficient_storage(client, folder, monkeypatch):
    from search.web import writes

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writes, "index_articles", full)
    monkeypatch.setattr(writes, "delete_documents", full)
    error = assert_error(
        client.put("/api/documents/new", json=BODY, headers=AUTH), 507, "insufficient_storage"
    )
    assert "disk holding the index is full" in error["message"]
    assert_error(client.delete("/api/documents/000", headers=AUTH), 507, "insufficient_storage")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1.5 MB tmpfs (root only); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the simulated ENOSPC test runs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# whoosh3 3.54 leaves the failed segment's files open until they are collected (a
# ResourceWarning then); the next commit deletes them, as the last lines check.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_really_full_disk_is_507_and_the_index_still_serves(tiny_disk, seed_index):
    index = tiny_disk / "index"
    shutil.copytree(seed_index, index)
    filler = tiny_disk / "filler"
    with filler.open("wb", buffering=0) as out:  # fill what is left, to the last block
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    client = make_client(index)
    big = {"title": "عنوان", "body": " ".join(f"كلمة{i}" for i in range(10_000))}
    assert_error(
        client.put("/api/documents/new", json=big, headers=AUTH), 507, "insufficient_storage"
    )
    assert documents(index) == 5
    assert client.get("/api/search", query_string={"q": "بلينكن"}).status_code == 200
    filler.unlink()
    assert client.put("/api/documents/new", json=BODY, headers=AUTH).status_code == 201
    assert documents(index) == 6


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_write_to_an_articles_similar_list_is_405(client, folder, method):
    response = getattr(client, method)("/api/documents/000/similar", json=BODY, headers=AUTH)
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert documents(folder) == 5


def test_options_and_other_methods_on_a_similar_list_name_only_reads(client):
    for method in ("options", "post", "patch"):
        response = getattr(client, method)("/api/documents/000/similar", headers=AUTH)
        assert response.status_code in (204, 405)
        allowed = set(response.headers["Allow"].replace(" ", "").split(","))
        assert allowed == {"GET", "HEAD", "OPTIONS"}, method
