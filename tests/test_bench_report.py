"""bench/report.py: the harness's results as tables, the product beside Lucene."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).parents[1]
spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def _engine(name: str, docs_per_s: float, p50: float, ndcg: float | None = None) -> dict:
    engine = {
        "engine": name,
        "index": {"docs_per_s": docs_per_s, "index_mb": 100.0},
        "query": {"q_p50_ms": p50, "q_p95_ms": p50 * 2, "q_p99_ms": p50 * 3, "snip_p50_ms": 5.0},
    }
    if ndcg is not None:
        engine["quality"] = {"ndcg_at_10": ndcg, "recall_at_100": 0.9}
    return engine


def _results(tmp_path: Path, step: str, engines: list[dict]) -> None:
    folder = tmp_path / step
    folder.mkdir()
    meta = {"generated": "2026-12-01 08:00:00"}
    (folder / "results.json").write_text(json.dumps({"meta": meta, "engines": engines}))


def test_each_step_is_a_table_with_the_products_ratio_to_lucene(tmp_path):
    _results(tmp_path, "keywords", [_engine("lucene", 2000, 1.0), _engine("product", 500, 4.0)])
    _results(
        tmp_path,
        "distractors",
        [_engine("lucene", 3000, 2.0, 0.625), _engine("product", 300, 20.0, 0.875)],
    )
    block = report.render(tmp_path)
    keywords, distractors = block.split("### ")[1:3]
    assert "| product | 500 | 100 | 4.00 | 8.00 | 12.00 | 5.00 | – | – |" in keywords
    assert (
        "| product / lucene | 0.25x | 1.00x | 4.00x | 4.00x | 4.00x | 1.00x | – | – |" in keywords
    )
    assert "| product / lucene | 0.10x |" in distractors and "| 1.40x | 1.00x |" in distractors
    assert "questions, 240 paragraphs" not in block  # a step that was not run is left out


def test_the_block_replaces_the_previous_one_and_keeps_the_rest(tmp_path):
    _results(tmp_path, "keywords", [_engine("lucene", 2000, 1.0), _engine("product", 500, 4.0)])
    doc = "# Performance\n\nhand-written notes\n"
    once = report.replace_block(doc, report.render(tmp_path))
    twice = report.replace_block(once + "\nmore notes\n", report.render(tmp_path))
    assert once.startswith(doc.rstrip("\n"))
    assert twice.count(report.BEGIN) == 1 and twice.endswith("more notes\n")
    assert "hand-written notes" in twice
