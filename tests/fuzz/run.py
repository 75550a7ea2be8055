"""`make fuzz-api`: Schemathesis against a real gunicorn on a temporary index of the seeds.

usage: python -m tests.fuzz.run [--max-examples 100] [--seed 14] [--max-time SECONDS]

Builds an index of seeds/ in a temporary folder, serves it with the deployed command line
(gunicorn -c python:search.web.serving) on a free 127.0.0.1 port with a throwaway admin token,
and runs ``st run`` on /api/openapi.json with every check, write endpoints included
(tests/fuzz/schemathesis.toml, tests/fuzz/hooks.py). Exits with Schemathesis's status; the
server and the folder are removed whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
from pathlib import Path

from search.documents import read_paths
from search.store import index_articles

from ..live_server import ROOT, fetch, free_port, gunicorn_command, stop

HERE = Path(__file__).parent
TOKEN = "fuzz-token"  # a throwaway: the server lives as long as the run


def serve(index: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARABIC_SEARCH_")}
    env |= {
        "ARABIC_SEARCH_INDEX_DIR": str(index),
        "ARABIC_SEARCH_ADMIN_TOKEN": TOKEN,
        "ARABIC_SEARCH_LOG_JSON": "false",
        "ARABIC_SEARCH_WRITE_WAIT_SECONDS": "1",
    }
    with (index.parent / "gunicorn.log").open("wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            gunicorn_command(workers=2)(port), cwd=ROOT, env=env, stdout=log, stderr=log
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    stop(process)
    raise SystemExit(f"gunicorn did not start:\n{(index.parent / 'gunicorn.log').read_text()}")


def st_command(base: str, args: argparse.Namespace) -> list[str]:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--generation-deterministic",
        "--no-color",
        # Documents as long as the limits allow take a while to generate; that is the point.
        "--suppress-health-check",
        "too_slow",
    ]
    if args.phases:
        command += ["--phases", args.phases]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    return command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--max-time", type=int, default=0)
    parser.add_argument("--phases", default="", help="e.g. fuzzing (the suite's smoke run)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
    process = None
    try:
        index = work / "index"
        index_articles(index, read_paths([ROOT / "seeds"]))
        port = free_port()
        process = serve(index, port)
        env = os.environ | {"SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"}
        command = st_command(f"http://127.0.0.1:{port}", args)
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
