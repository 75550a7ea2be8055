"""The deployment in front of gunicorn: deploy/nginx.conf on loopback ports (issue 14).

nginx holds slow clients, so /healthz keeps answering while connections trickle their headers,
and its own errors (request line or headers too large, a body over the limit, gunicorn down)
are the API's JSON error body with the security headers, naming no server software.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from search.web.app import SECURITY_HEADERS

from .live_server import environment, fetch, free_port, gunicorn_command, stop
from .nginx_server import missing, nginx_command, write_config
from .test_served_errors import assert_json_error, raw, request

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")
STARTUP_SECONDS = 10.0


@contextlib.contextmanager
def nginx(folder: Path, upstream_port: int) -> Iterator[str]:
    """nginx with the shipped config in front of ``upstream_port``; its URL; always stopped."""
    port = free_port()
    config = write_config(folder, port, upstream_port)
    with (folder / "nginx.log").open("wb") as log:
        process = subprocess.Popen(
            nginx_command(config), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(f"nginx exited:\n{(folder / 'nginx.log').read_text()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"nginx did not listen within {STARTUP_SECONDS} s")
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


@pytest.fixture
def front(serve, seed_index, tmp_path):
    """gunicorn with ONE sync worker (the easiest to starve) behind nginx; nginx's URL."""
    env = environment(ARABIC_SEARCH_INDEX_DIR=str(seed_index), ARABIC_SEARCH_LOG_JSON="false")
    upstream = serve(gunicorn_command(workers=1), env)
    with nginx(tmp_path / "nginx", int(upstream.rsplit(":", 1)[1])) as base:
        yield base


def test_search_through_nginx_names_no_server_and_keeps_the_headers(front):
    status, headers, body = raw(
        front, request(b"/api/search?" + urlencode({"q": "بلينكن"}).encode())
    )
    assert status == 200
    assert json.loads(body)["results"][0]["id"].startswith("002_")
    assert "server" not in headers
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value
    path = b"/api/search?" + urlencode({"q": "بلينكن"}).encode()
    status, headers, body = raw(front, request(path, extra=b"Accept-Encoding: gzip\r\n"))
    assert (status, headers["content-encoding"]) == (200, "gzip")  # the app's, passed on
    assert json.loads(gzip.decompress(body))["results"][0]["id"].startswith("002_")


def test_healthz_stays_green_while_slow_clients_trickle_headers(front):
    host, port = front.removeprefix("http://").split(":")
    slow = []
    try:
        for _ in range(8):  # each would hold gunicorn's only worker for its timeout
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(sock)
        for round_number in range(3):
            for sock in slow:
                sock.sendall(b"a")  # one more header byte from each, never the end
            status, _, health = fetch(f"{front}/healthz")
            assert (status, health["status"]) == (200, "ok"), round_number
    finally:
        for sock in slow:
            sock.close()


def test_a_request_line_over_the_limit_is_a_json_414_from_nginx(front):
    path = "/api/search?" + urlencode({"q": "ع" * 1400})
    message = assert_json_error(raw(front, request(path.encode())), 414, "uri_too_long")
    assert "1,000 characters" in message


def test_the_longest_query_passes_nginx(front):
    q = " ".join(["عععععععع"] * 112)[:1000]
    status, _, body = raw(front, request(("/api/search?" + urlencode({"q": q})).encode()))
    assert status == 200
    assert json.loads(body)["query"] == q


def test_raw_utf8_in_the_request_line_is_a_json_400(front):
    answer = raw(front, request("/api/search?q=عاجل خبر".encode()))
    assert_json_error(answer, 400, "bad_request")


def test_headers_over_the_limit_are_a_json_431_from_nginx(front):
    answer = raw(front, request(b"/healthz", extra=b"X-Big: " + b"a" * 9000 + b"\r\n"))
    assert_json_error(answer, 431, "request_header_fields_too_large")


def test_a_body_over_the_limit_is_a_json_413_from_nginx(front):
    body = b"[" + b" " * (10 * 1024 * 1024 + 10) + b"]"
    head = b"POST /api/documents HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    head += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    try:
        answer = raw(front, head + body)
    except (BrokenPipeError, ConnectionResetError):  # nginx may answer before it all arrives
        answer = raw(front, head)
    assert_json_error(answer, 413, "request_entity_too_large")


def test_app_errors_pass_through_unchanged(front):
    answer = raw(front, request(b"/api/search?q=x&page=0"))
    assert_json_error(answer, 400, "bad_parameter")


def test_gunicorn_down_is_a_json_503(tmp_path):
    with nginx(tmp_path / "nginx", free_port()) as base:  # nothing listens upstream
        assert_json_error(raw(base, request(b"/healthz")), 503, "unavailable")
