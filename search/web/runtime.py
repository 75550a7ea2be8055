"""The served app's shared folder: what its gunicorn workers share while it runs.

Each start of the server (``arabic-search serve``, or gunicorn with ``-c
python:search.web.serving``) makes a fresh folder under the system's temporary folder
(``TMPDIR``), names it in ``ARABIC_SEARCH_RUN_DIR`` for the workers it forks, and removes it
when it stops. It holds the metrics each worker writes (prometheus_client's multiprocess
files, in ``metrics/``) and the rate limiter's counts (``rate-limits.sqlite``). An app with
no such folder (the Flask test client, a single process) keeps both in its own memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

RUN_DIR = "ARABIC_SEARCH_RUN_DIR"  # set by the server for its workers; not a setting
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable


def start() -> Path:
    """A fresh shared folder for this server's workers, named in the environment they inherit."""
    folder = Path(tempfile.mkdtemp(prefix="arabic-search-run-"))
    (folder / "metrics").mkdir()
    os.environ[RUN_DIR] = str(folder)
    os.environ[METRICS_DIR] = str(folder / "metrics")
    return folder


def stop() -> None:
    """Remove the folder `start` made (the server is stopping)."""
    folder = run_dir()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def run_dir() -> Path | None:
    """This server's shared folder, or None outside a server that made one."""
    value = os.environ.get(RUN_DIR)
    return Path(value) if value and Path(value).is_dir() else None
