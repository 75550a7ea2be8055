"""bench/load.py: a short bounded load on the seeds answers without errors and stays consistent.

Figures are not checked, only their shape and the run's verdict: speed lives in bench/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search.documents import read_paths
from search.store import index_articles

from .conftest import ROOT, SEEDS
from .live_server import environment, gunicorn_command

SCRIPT = ROOT / "bench" / "load.py"
SMOKE_SECONDS = 120  # the give-up point; the run takes about five seconds
PERCENTILES = {"p50_ms", "p95_ms", "p99_ms", "max_ms"}
SEED_IDS = sorted(path.stem for path in SEEDS.glob("*.txt"))


def load_module():
    """bench/load.py as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_load", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def run_script(*args: str, cwd: Path) -> tuple[int, dict, str]:
    """Run bench/load.py in its own process group, so a hung run is stopped with its server."""
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=SMOKE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"bench/load.py still running after {SMOKE_SECONDS} s")
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, err
    return process.returncode, json.loads(lines[-1]), err


def test_a_short_load_on_the_seeds_has_no_errors_and_stays_consistent(tmp_path):
    code, figures, err = run_script(
        "--requests", "150", "--time-limit", "60", "--workdir", str(tmp_path / "run"), cwd=tmp_path
    )

    assert (code, figures["errors"], figures["error_samples"]) == (0, 0, []), err
    assert figures["requests"] == figures["planned"] == 150
    assert figures["completed"] and not figures["stopped_by_time_limit"]
    assert figures["requests_per_s"] > 0
    assert figures.keys() >= PERCENTILES
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    kinds = figures["kinds"]
    assert set(kinds) >= {"search", "document", "page", "put", "post", "delete"}
    assert sum(kind["requests"] for kind in kinds.values()) == 150
    for kind in kinds.values():
        assert kind.keys() >= PERCENTILES | {"requests", "errors", "busy"}
    assert set(figures["statuses"]) <= {"200", "201", "503"}
    assert figures["statuses"].get("503", 0) == figures["busy"]  # only the documented busy
    check = figures["consistency"]
    assert check["ok"], check["failures"]
    assert check["present"] > 0 and check["deleted"] > 0
    assert check["documents_served"] == check["documents_expected"] == 5 + check["present"]


def test_the_consistency_check_notices_lost_and_surviving_documents(serve, tmp_path, monkeypatch):
    load = load_module()
    monkeypatch.setattr(load, "VISIBLE_WITHIN", 0.0)  # no settling time: fail at once
    folder = tmp_path / "index"
    index_articles(folder, read_paths([SEEDS]))
    base = serve(
        gunicorn_command(workers=1),
        environment(ARABIC_SEARCH_INDEX_DIR=str(folder), ARABIC_SEARCH_LOG_JSON="false"),
    )
    api = load.Http(urlsplit(base).port, "unused")
    ledger = load.Ledger("t")
    lost = ledger.new_id()  # the ledger says written; the server never saw it
    ledger.add(lost, load.Written("عنوان", "نص lqtx00001", "lqtx00001"))
    ledger.deleted[SEED_IDS[0]] = load.Written("", "", "كوريا")  # "deleted", still served

    check = load.consistency(api, ledger, 5, threads=2)

    assert not check["ok"]
    assert check["failure_count"] == 3, check["failures"]
    assert any(lost in failure and "404" in failure for failure in check["failures"])
    assert any(SEED_IDS[0] in failure for failure in check["failures"])
    assert (check["documents_expected"], check["documents_served"]) == (6, 5)


def test_percentiles_are_nearest_rank():
    load = load_module()
    values = [float(ms) for ms in range(100, 0, -1)]
    assert load.percentiles(values) == {
        "p50_ms": 50.0,
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "max_ms": 100.0,
    }
    assert set(load.percentiles([]).values()) == {None}


def test_the_plan_has_exactly_the_requests_asked_for_with_the_write_share():
    load = load_module()
    plan = load.make_plan(1000, 0.2, random.Random(1))
    assert len(plan) == 1000
    assert sum(kind in load.WRITES for kind in plan) == 200
    assert load.make_plan(7, 0.0, random.Random(1)).count("put") == 0
