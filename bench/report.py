"""Write the latest benchmark tables into docs/performance.md, the product beside Lucene.

usage:
    report.py OUTDIR [--doc docs/performance.md]

Reads the harness's results.json of each step bench/run.sh ran (OUTDIR/keywords,
OUTDIR/questions, OUTDIR/distractors) and the HTTP runs (OUTDIR/http/http_load.jsonl), and
replaces the block between the two marker lines of the doc with one table per step: every
engine's build rate, query and snippet latencies and quality, and the product's figures as
ratios to Lucene's from the same run. Without the markers the block is appended.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

BEGIN = "<!-- bench/report.py: begin -->"
END = "<!-- bench/report.py: end -->"
STEPS = (
    ("keywords", "Keyword mix, first 50k news articles, clauses AND-ed"),
    ("questions", "xquad_ar questions, 240 paragraphs, clauses OR-ed"),
    ("distractors", "xquad_ar questions among all 70,174 articles, OR-ed"),
)
COLUMNS = (
    ("docs/s", ("index", "docs_per_s"), "{:,.0f}"),
    ("index MB", ("index", "index_mb"), "{:,.0f}"),
    ("q p50 ms", ("query", "q_p50_ms"), "{:.2f}"),
    ("q p95 ms", ("query", "q_p95_ms"), "{:.2f}"),
    ("q p99 ms", ("query", "q_p99_ms"), "{:.2f}"),
    ("snip p50 ms", ("query", "snip_p50_ms"), "{:.2f}"),
    ("nDCG@10", ("quality", "ndcg_at_10"), "{:.3f}"),
    ("R@100", ("quality", "recall_at_100"), "{:.3f}"),
)


def _value(engine: dict, path: tuple[str, str]) -> float | None:
    section = engine.get(path[0]) or {}
    value = section.get(path[1])
    return float(value) if isinstance(value, (int, float)) else None


def step_table(title: str, results: dict) -> list[str]:
    """One markdown table: a row per engine, then the product's ratios to Lucene."""
    engines = results.get("engines", [])
    lines = [f"### {title}", "", f"Run {results.get('meta', {}).get('generated', '?')}.", ""]
    lines.append("| engine | " + " | ".join(name for name, _, _ in COLUMNS) + " |")
    lines.append("|---" * (len(COLUMNS) + 1) + "|")
    by_name = {engine["engine"]: engine for engine in engines}
    for engine in engines:
        cells = []
        for _, path, style in COLUMNS:
            value = _value(engine, path)
            cells.append("–" if value is None else style.format(value))
        lines.append(f"| {engine['engine']} | " + " | ".join(cells) + " |")
    product, lucene = by_name.get("product"), by_name.get("lucene")
    if product and lucene:
        cells = []
        for _, path, _ in COLUMNS:
            ours, theirs = _value(product, path), _value(lucene, path)
            cells.append("–" if not ours or not theirs else f"{ours / theirs:.2f}x")
        lines.append("| product / lucene | " + " | ".join(cells) + " |")
    return [*lines, ""]


def http_table(path: Path) -> list[str]:
    runs = []
    for line in path.read_text("utf-8").splitlines():
        record = json.loads(line)
        if "connections" in record:
            runs.append(record)
    lines = ["### HTTP: `arabic-search serve --workers 2` under wrk", ""]
    lines.append("| connections | requests/s | p50 ms | p99 ms | errors | repeats | load avg |")
    lines.append("|---|---|---|---|---|---|---|")
    for run in runs:
        lines.append(
            f"| {run['connections']} | {run['requests_per_s']:.1f} | {run['latency_p50_ms']:.1f}"
            f" | {run['latency_p99_ms']:.1f} | {run['errors']} | {run['repeats']}"
            f" | {run['load_average']:.1f} |"
        )
    return [*lines, ""]


def render(outdir: Path) -> str:
    lines = [BEGIN, "", "## Latest `make bench` run (written by bench/report.py)", ""]
    for folder, title in STEPS:
        results = outdir / folder / "results.json"
        if results.is_file():
            lines += step_table(title, json.loads(results.read_text("utf-8")))
    http = outdir / "http" / "http_load.jsonl"
    if http.is_file():
        lines += http_table(http)
    return "\n".join([*lines, END])


def replace_block(doc: str, block: str) -> str:
    """The doc with its marked block replaced, or the block appended."""
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + block + tail
    return doc.rstrip("\n") + "\n\n" + block + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--doc", type=Path, default=Path("docs/performance.md"))
    args = ap.parse_args()
    block = render(args.outdir)
    args.doc.write_text(replace_block(args.doc.read_text("utf-8"), block), "utf-8")
    print(f"wrote {args.doc}")


if __name__ == "__main__":
    main()
