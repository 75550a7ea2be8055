"""The app as deployed: real gunicorn processes on a loopback port, spoken to over HTTP."""

from __future__ import annotations

import gc
import gzip
import json
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from click.testing import CliRunner

from search.cli import main
from search.web import serving

from .live_server import OPENER, environment, fetch, gunicorn_command


def test_gunicorn_serves_search_and_json_errors(serve, seed_index: Path):
    base = serve(gunicorn_command(workers=2), environment(ARABIC_SEARCH_INDEX_DIR=str(seed_index)))
    status, content_type, health = fetch(f"{base}/healthz")
    assert (status, health["status"], health["documents"]) == (200, "ok", 5)

    for _ in range(4):  # enough requests that both workers are likely to answer one
        status, content_type, body = fetch(f"{base}/api/search?{urlencode({'q': 'بلينكن'})}")
        assert status == 200
        assert content_type.startswith("application/json")
        assert body["results"][0]["id"].startswith("002_")
        assert "<mark>بلينكن</mark>" in body["results"][0]["title_html"]

    packed = urllib.request.Request(
        f"{base}/api/search?{urlencode({'q': 'بلينكن'})}", headers={"Accept-Encoding": "gzip"}
    )
    with OPENER.open(packed, timeout=5) as response:  # compressed by the app, not a proxy
        assert response.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(response.read()))["results"][0]["id"].startswith("002_")

    status, content_type, body = fetch(f"{base}/api/search?{urlencode({'q': 'x', 'page': 0})}")
    assert status == 400
    assert content_type.startswith("application/json")
    assert body["error"]["code"] == "bad_parameter"
    assert body["error"]["message"]

    status, content_type, body = fetch(f"{base}/api/nope")
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_cli_serve_starts_gunicorn_on_the_index(serve, seed_index: Path):
    base = serve(
        lambda port: [
            sys.executable,
            "-m",
            "search",
            "serve",
            "--index",
            str(seed_index),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        environment(),  # the command itself tells gunicorn where the index is
    )
    status, _, health = fetch(f"{base}/healthz")
    assert (status, health["status"], health["documents"]) == (200, "ok", 5)


def test_cli_serve_refuses_a_missing_index(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_a_worker_hides_its_startup_objects_from_the_collector():
    before = gc.get_threshold()
    try:
        serving.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000  # Flask, Whoosh, numpy and the app's modules
        assert gc.get_threshold() == serving.GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
