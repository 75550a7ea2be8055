"""How build and query cost grow with the index: the same queries on 10k, 50k and 70k articles.

usage:
    scaling.py CORPUS.jsonl WORKDIR [--sizes 10000 50000 0] [--procs N]
               [--keywords QUERIES.txt] [--questions QUERIES.jsonl] [--limit N]

For each size (0 = the whole corpus) the first SIZE articles of CORPUS are built into
WORKDIR/SIZE with the product's own fresh build (`index_articles`, bulk writer, --procs
workers), timed; then each query set runs through the API's `search()` (parse, compile,
rank, facets, ten snippets), one query at a time; the first 50 warm up and are not timed.
Prints one JSON line per size and query set, then a Markdown table. An index already in
WORKDIR/SIZE is reused (its build is not re-timed). The figures are wall-clock on a shared
machine: compare sizes within one run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

from hotspots import run_searches

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
WARMUP = 50  # queries run untimed first (caches, lazily built arrays)


def build(corpus: Path, size: int, folder: Path, procs: int) -> dict:
    from search.documents import read_jsonl
    from search.store import index_articles

    started = time.perf_counter()
    items = read_jsonl(corpus)
    report = index_articles(folder, itertools.islice(items, size) if size else items, procs=procs)
    seconds = time.perf_counter() - started
    return {
        "documents": report.indexed,
        "build_s": round(seconds, 1),
        "docs_per_s": round(report.indexed / seconds, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 0])
    ap.add_argument("--procs", type=int, default=min(os.cpu_count() or 1, 8))
    ap.add_argument("--keywords", type=Path, help="one query per line (the harness's keyword mix)")
    ap.add_argument("--questions", type=Path, default=DATA / "xquad_ar" / "queries.jsonl")
    ap.add_argument("--limit", type=int, default=None, help="queries per set")
    args = ap.parse_args()
    rows = []
    for size in args.sizes:
        folder = args.workdir / str(size or "all")
        built = (
            {} if (folder / "CURRENT").exists() else build(args.corpus, size, folder, args.procs)
        )
        for name, queries in (("keywords", args.keywords), ("questions", args.questions)):
            if queries is None:
                continue
            figures = run_searches(folder, queries, args.limit, warmup=WARMUP)
            row = {"size": size or "all", "set": name, **built, **figures}
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("\n| articles | queries | build docs/s | p50 ms | p95 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['size']} | {row['set']} ({row['queries']}) | {row.get('docs_per_s', '–')} "
            f"| {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | {row['mean_ms']} |"
        )


if __name__ == "__main__":
    main()
