"""Logs (issue 18): one JSON line per request and every gunicorn message in the same shape,
the query readable, the user agent and the client through trusted proxies; plain text lines
with ARABIC_SEARCH_LOG_JSON=false."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from .live_server import environment, gunicorn_command, launch, send, stop

QUERY = {"q": "بلينكن وزير", "page": "1"}
AGENT = "arabic-search-test/1.0 (+https://example.org/bot)"


def serve_and_log(seed_index, tmp_path, **env) -> list[str]:
    """Start gunicorn, send one search through a trusted proxy, stop it: its log lines."""
    log = tmp_path / "gunicorn.log"
    settings = environment(
        ARABIC_SEARCH_INDEX_DIR=str(seed_index), ARABIC_SEARCH_TRUSTED_PROXIES="127.0.0.1", **env
    )
    process, base = launch(gunicorn_command(workers=1), settings, log)
    try:
        headers = {"User-Agent": AGENT, "X-Forwarded-For": "203.0.113.9"}
        status, _, _ = send("GET", f"{base}/api/search?{urlencode(QUERY)}", headers=headers)
        assert status == 200
    finally:
        stop(process)
    return [line for line in log.read_text("utf-8").splitlines() if line.strip()]


def test_every_line_is_json_and_the_request_reads_as_sent(seed_index, tmp_path):
    lines = [json.loads(line) for line in serve_and_log(seed_index, tmp_path)]
    gunicorn = [line for line in lines if line["logger"].startswith("gunicorn")]
    assert any("Booting worker" in line["message"] for line in gunicorn)
    assert all({"time", "level", "pid", "message"} <= line.keys() for line in lines)
    (access,) = [line for line in lines if line.get("path") == "/api/search"]
    assert access["query"] == "q=بلينكن وزير&page=1"  # decoded, not q=%D8%A8...
    assert access["user_agent"] == AGENT
    assert access["remote"] == "203.0.113.9"  # the client the proxy named
    assert (access["method"], access["status"]) == ("GET", 200)
    assert len(access["request_id"]) == 16 and access["ms"] >= 0


def test_plain_text_lines_when_json_is_off(seed_index, tmp_path):
    lines = serve_and_log(seed_index, tmp_path, ARABIC_SEARCH_LOG_JSON="false")
    assert not [line for line in lines if line.startswith("{")]
    assert any("Booting worker" in line for line in lines)
    (access,) = [line for line in lines if " search.access GET /api/search 200" in line]
    assert 'query="q=بلينكن وزير&page=1"' in access
    assert 'remote="203.0.113.9"' in access and AGENT in access
