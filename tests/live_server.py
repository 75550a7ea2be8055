"""Real gunicorn servers for tests: start on a free loopback port, talk HTTP, always stop."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

STARTUP_SECONDS = 20.0  # a cold start takes about a second; this is only the give-up point
STOP_SECONDS = 10.0
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str, dict]:
    """GET ``url``: status, Content-Type and the decoded JSON body, for errors too."""
    try:
        with OPENER.open(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], json.load(error)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch(
    command_for_port: Callable[[int], list[str]], env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen, str]:
    """Start a server on a free port, logging to ``log_path``; its process and base URL once
    /healthz answers 200. The caller stops it (`stop`)."""
    port = free_port()
    with log_path.open("wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            command_for_port(port),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if fetch(f"{base}/healthz")[0] == 200:
                return process, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    stop(process)
    pytest.fail(f"no healthy /healthz within {STARTUP_SECONDS} s:\n{log_path.read_text()}")


@pytest.fixture
def serve(tmp_path) -> Iterator[Callable]:
    """``serve(command_for_port, env)`` starts a server and returns its base URL once healthy.

    Every process started here is stopped when the test ends, whatever happened.
    """
    started: list[subprocess.Popen] = []

    def start(command_for_port: Callable[[int], list[str]], env: dict[str, str]) -> str:
        process, base = launch(command_for_port, env, tmp_path / f"server-{len(started)}.log")
        started.append(process)
        return base

    try:
        yield start
    finally:
        for process in started:
            stop(process)


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    return env | extra


def send(
    method: str, url: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict, dict]:
    """Any method with a body: status, headers and the decoded JSON body, for errors too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.load(error)


def gunicorn_command(workers: int = 2) -> Callable[[int], list[str]]:
    """The deployed command line, for ``serve``: the app factory under gunicorn."""
    return lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:search.web.serving",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "search.web:create_app()",
    ]


def json_log(path: Path) -> list[dict]:
    """The JSON lines of a server's log (the app's and gunicorn's own)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
