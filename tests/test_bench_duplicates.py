"""bench/duplicates.py measures the copy detector on judged pairs and prints pairs to judge,
on a small collection written here (one wire story from three outlets, two other stories)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from .test_collapse import ARTICLES

SCRIPT = Path(__file__).parents[1] / "bench" / "duplicates.py"


def run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_detector_s_figures_on_judged_pairs(tmp_path):
    docs = tmp_path / "docs.jsonl.gz"
    with gzip.open(docs, "wt", encoding="utf-8") as out:
        for a in ARTICLES:
            out.write(
                json.dumps({"id": a.id, "title": a.title, "body": a.body, "source": a.source})
            )
            out.write("\n")
    judged = tmp_path / "judged.tsv"
    judged.write_text(
        "# a comment line\n"
        "wire-a\twire-b\t1\n"
        "wire-b\twire-c\t1\n"
        "wire-a\twire-a-again\t1\n"  # one outlet twice: a copy the rule leaves apart
        "wire-a\tother-000\t0\n",
        "utf-8",
    )
    report = json.loads(run("--docs", str(docs), "--judged", str(judged)))
    assert (report["articles"], report["judged_pairs"], report["judged_copies"]) == (6, 4, 3)
    at = report["detector"]["0.5"]
    assert (at["precision"], at["recall"]) == (1.0, round(2 / 3, 3))
    assert report["similarity_only"]["0.5"]["recall"] == 1.0
    assert (report["articles_with_copies"], report["stories_with_copies"]) == (4, 1)
    pairs = [line.split("\t") for line in run("--docs", str(docs), "--sample", "8").splitlines()]
    judged_lines = [p for p in pairs if len(p) == 3]  # then each article's opening, indented
    assert judged_lines and all(
        a.startswith("wire") and b.startswith("wire") for a, b, _ in judged_lines
    )
