"""Workloads to profile, and a reader for py-spy's collapsed stacks.

usage:
    hotspots.py search INDEX QUERIES [--limit N]   the API's search() per query, as a worker does
    hotspots.py top STACKS.txt [--n 25] [--match search/]

Run a workload under py-spy (not a project dependency: ``pip install py-spy``), then read the
profile as a table of functions, inclusive and self share of the samples:

    py-spy record -r 250 -f raw -o /tmp/index.txt -- \\
        .venv/bin/python bench/peer_runner.py index CORPUS.jsonl /tmp/ix --limit 5000
    py-spy record -r 250 -f raw -o /tmp/questions.txt -- \\
        .venv/bin/python bench/hotspots.py search INDEX ../shared/data/xquad_ar/queries.jsonl
    .venv/bin/python bench/hotspots.py top /tmp/questions.txt
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

FRAME_LINE = re.compile(r":\d+\)$")  # "rank (search/query/ranking.py:61)" -> one per function


def run_searches(index: Path, queries: Path, limit: int | None, warmup: int = 0) -> dict:
    """Every query through `search.results.search`: parse, compile, rank, facets, snippets;
    returns the latency summary. The first ``warmup`` queries (at most half) run untimed."""
    from search.errors import BadQuery
    from search.results import SearchRequest, search
    from search.store import open_reader

    lines = [line.strip() for line in queries.read_text("utf-8").splitlines() if line.strip()]
    if queries.suffix == ".jsonl":
        lines = [json.loads(line)["query"] for line in lines]
    lines = lines[:limit] if limit else lines
    warmup = min(warmup, len(lines) // 2)
    times = []
    with open_reader(index) as reader:
        for text in lines[:warmup]:
            with contextlib.suppress(BadQuery):
                search(reader, SearchRequest(q=text))
        for text in lines[warmup:]:
            started = time.perf_counter()
            with contextlib.suppress(BadQuery):
                search(reader, SearchRequest(q=text))
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "p99_ms": round(times[int(0.99 * (len(times) - 1))], 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


def top(stacks: Path, n: int, match: str | None) -> None:
    """Functions by inclusive share of samples (on the stack) and self share (at the top)."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text("utf-8").splitlines():
        frames_text, _, count_text = line.rpartition(" ")
        if not frames_text:
            continue
        count = int(count_text)
        frames = [FRAME_LINE.sub(")", frame) for frame in frames_text.split(";")]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    print(f"{total} samples")
    print(f"{'incl %':>7} {'self %':>7}  function")
    shown = 0
    for frame, count in inclusive.most_common():
        if match and match not in frame:
            continue
        print(f"{100 * count / total:7.1f} {100 * leaf[frame] / total:7.1f}  {frame}")
        shown += 1
        if shown >= n:
            break
    print(f"\n{'self %':>7}  function (by self time)")
    for frame, count in leaf.most_common(n):
        print(f"{100 * count / total:7.1f}  {frame}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("search")
    run.add_argument("index", type=Path)
    run.add_argument("queries", type=Path, help="queries.txt or queries.jsonl")
    run.add_argument("--limit", type=int, default=None)
    read = sub.add_parser("top")
    read.add_argument("stacks", type=Path, help="py-spy record -f raw output")
    read.add_argument("--n", type=int, default=25)
    read.add_argument("--match", default=None, help="only functions whose frame contains this")
    args = ap.parse_args()
    if args.command == "search":
        print(json.dumps(run_searches(args.index, args.queries, args.limit)))
    else:
        top(args.stacks, args.n, args.match)


if __name__ == "__main__":
    main()
