"""bench/peer_runner.py still honours the shared harness's runner contract (on the seeds).

Figures are not checked, only their shape: speed lives in bench/, never in timed tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.documents import Article, read_paths

ROOT = Path(__file__).parents[1]
RUNNER = ROOT / "bench" / "peer_runner.py"
BENCH = Path(os.environ.get("ARABIC_SEARCH_BENCH_DIR") or ROOT.parent / "shared" / "bench")

pytestmark = pytest.mark.skipif(
    not (BENCH / "common.py").is_file(), reason=f"no benchmark harness in {BENCH}"
)

INDEX_KEYS = {"engine", "docs", "text_mb", "build_s", "docs_per_s", "mb_per_s", "index_mb"}
INDEX_KEYS |= {"version", "analysis"}
QUERY_KEYS = {"engine", "op", "queries", "query_errors", "mean_hits", "zero_hit_queries"}
QUERY_KEYS |= {f"q_{k}" for k in ("n", "p50_ms", "p95_ms", "p99_ms", "mean_ms")}
QUERY_KEYS |= {f"snip_{k}" for k in ("n", "p50_ms", "p95_ms", "p99_ms", "mean_ms")}
QUERY_KEYS |= {"docs_in_index"}
QUERIES = [
    "كوريا",  # in every seed
    '"الولايات المتحدة"',  # a phrase
    "كوريا زززقققث",  # the second word is in no article: AND finds nothing, OR finds Korea
    "title:(كوريا) OR -سيول",  # query syntax is separators here, never operators
    "في",  # a stop word alone: no clause left, no hits, no error
]


def run(*args: str) -> dict:
    """Run one step; its last non-empty stdout line must be one JSON object."""
    done = subprocess.run(
        [sys.executable, str(RUNNER), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    return json.loads(last)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, set[str]]:
    folder = tmp_path_factory.mktemp("bench")
    path = folder / "seeds.jsonl"
    converter = BENCH / "seeds_to_jsonl.py"
    if converter.is_file():
        command = [sys.executable, str(converter), str(ROOT / "seeds"), str(path)]
        subprocess.run(command, check=True, capture_output=True)
    else:
        with open(path, "w", encoding="utf-8") as handle:
            for item in read_paths([ROOT / "seeds"]):
                if isinstance(item, Article):
                    doc = {"id": item.id, "title": item.title, "body": item.body}
                    handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    ids = {json.loads(line)["id"] for line in path.read_text("utf-8").splitlines()}
    return path, ids


@pytest.fixture(scope="module")
def index(corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bench-index") / "index"
    figures = run("index", str(corpus[0]), str(folder))
    assert figures.keys() >= INDEX_KEYS
    assert figures["engine"] == "product"
    assert figures["docs"] == len(corpus[1])
    return folder


@pytest.mark.parametrize("op", ["and", "or"])
def test_query_step_follows_the_contract(corpus, index, tmp_path, op):
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join([QUERIES[0], "", *QUERIES[1:]]) + "\n", "utf-8")
    results = tmp_path / "ranked.jsonl"

    figures = run("query", str(index), str(queries), "--op", op, "--results", str(results))

    assert figures.keys() >= QUERY_KEYS
    assert (figures["op"], figures["queries"], figures["query_errors"]) == (op, 5, 0)
    assert figures["docs_in_index"] == len(corpus[1])
    lines = [json.loads(line) for line in results.read_text("utf-8").splitlines()]
    assert [r["qid"] for r in lines] == list(range(5))
    assert [r["query"] for r in lines] == QUERIES
    for r in lines:
        assert set(r["top10"]) <= corpus[1]
        assert r["top10"] == r["top100"][:10]
        assert r["hits"] == len(r["top100"])  # five seeds: every match is in the top 100
    hits = [r["hits"] for r in lines]
    assert hits[0] == len(corpus[1])
    assert hits[1] > 0
    assert hits[2] == (0 if op == "and" else hits[0])
    assert hits[4] == 0


def test_scaling_builds_each_size_and_times_both_query_sets(corpus, tmp_path):
    keywords = tmp_path / "keywords.txt"
    keywords.write_text("\n".join(QUERIES) + "\n", "utf-8")
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"query": "ما عاصمة كوريا؟"}, ensure_ascii=False) + "\n")
    command = [sys.executable, str(ROOT / "bench" / "scaling.py"), str(corpus[0])]
    command += [str(tmp_path / "work"), "--sizes", "2", "0", "--procs", "1"]
    command += ["--keywords", str(keywords), "--questions", str(questions)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(r["size"], r["set"], r["documents"]) for r in rows] == [
        (2, "keywords", 2),
        (2, "questions", 2),
        ("all", "keywords", len(corpus[1])),
        ("all", "questions", len(corpus[1])),
    ]
    # of five keyword queries two warm up (at most half do), the question alone is timed
    assert all(r["queries"] == (3 if r["set"] == "keywords" else 1) for r in rows)
    assert all(r["p50_ms"] > 0 for r in rows)
    assert "| articles | queries |" in done.stdout


def test_kernels_times_each_configuration_and_refuses_an_unknown_pass(index, tmp_path):
    """bench/kernels.py prints one JSON object with CPU figures for every configuration
    asked for, and refuses a compiled pass it does not know before any work."""
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(QUERIES) + "\n", encoding="utf-8")
    script = ROOT / "bench" / "kernels.py"
    command = [sys.executable, str(script), str(index), str(queries), "--rounds", "1"]
    done = subprocess.run([*command, "--configs", "none,merge"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["queries"] == len(QUERIES)
    assert set(figures["cpu_ms"]) == {"none", "merge"}
    assert all(row.keys() == {"p50", "p95", "mean"} for row in figures["cpu_ms"].values())
    refused = subprocess.run([*command, "--configs", "merge+zlib"], capture_output=True, text=True)
    assert refused.returncode != 0
    assert "no compiled pass named zlib" in refused.stderr
