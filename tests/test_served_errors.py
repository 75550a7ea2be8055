"""What gunicorn itself answers, as deployed (issue 14): requests it cannot parse, request lines
and headers over its limits, a request past the worker timeout, OPTIONS. Each is the API's JSON
error body with the security headers, and no response names the server software."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from search.settings import BY_NAME
from search.web import serving
from search.web.app import SECURITY_HEADERS

from .live_server import environment, gunicorn_command

TOKEN = "served-token"
ARABIC_LETTER = "\u0639"  # ع, 6 bytes URL-encoded


@pytest.fixture(scope="module")
def served_index(tmp_path_factory):
    from search.documents import read_paths
    from search.store import index_articles

    from .conftest import SEEDS

    folder = tmp_path_factory.mktemp("served-index")
    index_articles(folder, read_paths([SEEDS]))
    return folder


@pytest.fixture
def base(serve, served_index) -> str:
    env = environment(
        ARABIC_SEARCH_INDEX_DIR=str(served_index),
        ARABIC_SEARCH_ADMIN_TOKEN=TOKEN,
        ARABIC_SEARCH_LOG_JSON="false",
    )
    return serve(gunicorn_command(workers=1), env)


def raw(base: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers and body of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def request(path: bytes, method: bytes = b"GET", extra: bytes = b"") -> bytes:
    return method + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + b"\r\n"


def assert_json_error(answer, status: int, code: str) -> str:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["content-type"].startswith("application/json")
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value
    assert "server" not in headers
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["docs"] == "README.md#errors"  # gunicorn's and nginx's as the app's
    return error["message"]


def test_raw_utf8_in_the_request_line_is_a_json_400(base):
    answer = raw(base, request("/api/search?q=عاجل خبر".encode()))
    message = assert_json_error(answer, 400, "bad_request")
    assert "--data-urlencode" in message


def test_a_request_line_over_the_limit_is_a_json_414(base):
    path = "/api/search?" + urlencode({"q": ARABIC_LETTER * 1400})
    message = assert_json_error(raw(base, request(path.encode())), 414, "uri_too_long")
    assert "at most 1,000 characters" in message


def test_a_header_over_the_limit_is_a_json_431(base):
    answer = raw(base, request(b"/healthz", extra=b"X-Big: " + b"a" * 9000 + b"\r\n"))
    assert_json_error(answer, 431, "request_header_fields_too_large")


def test_a_query_of_1000_arabic_letters_fits_the_request_line(base):
    q = " ".join([ARABIC_LETTER * 9] * 100)[:1000]
    status, headers, body = raw(base, request(("/api/search?" + urlencode({"q": q})).encode()))
    assert status == 200
    assert json.loads(body)["query"] == q
    assert "server" not in headers


def test_the_documented_query_limit_fits_with_room_for_the_other_parameters():
    worst = len("GET /api/search?q=" + quote(ARABIC_LETTER * 1000) + " HTTP/1.1")
    assert worst + 1000 < serving.LIMIT_REQUEST_LINE


def test_answers_do_not_name_the_server_and_carry_the_security_headers(base):
    for path in (b"/healthz", b"/", b"/api/nope", b"/static/style.css"):
        status, headers, _ = raw(base, request(path))
        assert status in (200, 404)
        assert "server" not in headers
        assert headers["x-content-type-options"] == "nosniff"


def test_options_is_a_204_naming_the_methods(base):
    status, headers, body = raw(base, request(b"/api/search", method=b"OPTIONS"))
    assert status == 204
    assert set(headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers and body == b""


@pytest.mark.parametrize(
    "line",
    [b"OPTIONS * HTTP/1.1", b"BREW /x HTTP/1.1", b"PUT /articles/x HTTP/1.1"],
)
def test_methods_no_page_answers_get_json_errors(base, line):
    answer = raw(base, line + b"\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    assert answer[0] in (404, 405)
    assert_json_error(answer, answer[0], {404: "not_found", 405: "method_not_allowed"}[answer[0]])


def test_a_client_preferring_json_gets_json_from_a_page_address(base):
    answer = raw(base, request(b"/no-such-page", extra=b"Accept: application/json\r\n"))
    assert_json_error(answer, 404, "not_found")
    status, headers, _ = raw(base, request(b"/no-such-page", extra=b"Accept: text/html\r\n"))
    assert (status, headers["content-type"]) == (404, "text/html; charset=utf-8")


@pytest.mark.parametrize("raw_id", [b"coll%FE", b"coll%FF"])
def test_invalid_utf8_ids_are_refused_by_the_served_app(base, raw_id):
    body = json.dumps({"body": "نص"}).encode()
    auth = f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
    extra = (auth + f"Content-Length: {len(body)}\r\n").encode()
    answer = raw(base, request(b"/api/documents/" + raw_id, b"PUT", extra) + body)
    status, _, reply = answer
    assert status == 400, reply
    assert "not valid UTF-8" in json.loads(reply)["error"]["message"]


# --- The worker hooks -------------------------------------------------------------------------


def test_a_request_past_the_timeout_is_answered_with_json():
    server, client = socket.socketpair()
    with server, client:
        worker = serving.Worker.__new__(serving.Worker)
        worker.client = server
        serving.worker_abort(worker)
        client.settimeout(2)
        data = client.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"Server:" not in head and b"X-Content-Type-Options: nosniff" in head
    assert json.loads(body)["error"]["code"] == "unavailable"


class FakeWorker:
    alive = True

    class log:  # gunicorn's worker.log
        @staticmethod
        def warning(*args):
            pass


def test_a_worker_grown_past_its_memory_ceiling_is_replaced(monkeypatch):
    worker = FakeWorker()
    monkeypatch.setattr(serving, "resident_mb", lambda: 100.0)
    serving.post_request(worker, None, {}, None)
    assert worker.alive
    monkeypatch.setattr(serving, "resident_mb", lambda: BY_NAME["WORKER_MAX_MB"].default + 1.0)
    serving.post_request(worker, None, {}, None)
    assert not worker.alive


def test_workers_are_recycled_with_jitter():
    assert serving.max_requests == BY_NAME["MAX_REQUESTS"].default
    assert 0 < serving.max_requests_jitter < serving.max_requests
    assert serving.worker_class == "search.web.serving.Worker"
    assert serving.resident_mb() > 10  # this process, read from /proc


def touched(megabytes: int) -> bytearray:
    """Memory made resident: one byte written on each page."""
    block = bytearray(megabytes * 2**20)
    block[::4096] = b"x" * len(range(0, len(block), 4096))
    return block


def test_resident_memory_is_read_afresh_and_by_each_forked_worker():
    """The kept /proc descriptor: a new figure at each call, and a forked worker's own."""
    before = serving.resident_mb()
    grown = touched(200)
    assert serving.resident_mb() > before + 150
    del grown
    serving.resident_mb()  # the descriptor is open in this process now
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: its own figure grows with what it alone allocates
        try:
            before = serving.resident_mb()
            held = touched(200)
            os.write(write_end, str(serving.resident_mb() - before).encode())
            del held
        finally:
            os._exit(0)
    os.close(write_end)
    grown_in_child = float(os.read(read_end, 64).decode())
    os.close(read_end)
    os.waitpid(pid, 0)
    assert grown_in_child > 150  # read from the worker's /proc entry, not the parent's


def test_nginx_errors_carry_the_apps_security_headers():
    """deploy/errors.conf repeats the app's headers for nginx's own answers."""
    text = (Path(__file__).parents[1] / "deploy" / "errors.conf").read_text()
    found = dict(re.findall(r'^add_header ([\w-]+) "([^"]*)" always;', text, re.MULTILINE))
    assert SECURITY_HEADERS.items() <= found.items()
