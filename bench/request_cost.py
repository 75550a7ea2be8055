"""What one search costs in-process: CPU time of the ranking and of the whole response body,
and the memory of the process, after opening the index and after the searches.

usage:
    request_cost.py INDEX QUERIES [--limit N] [--warmup N] [--tree DIR]

QUERIES is a text file (one query per line) or a .jsonl with a "query" field. Each query is
ranked (`search.query.rank`), then answered as the API answers it (`search.results.search`:
ranking, facets, suggestions, highlighted titles and snippets); both are timed with the
process's CPU clock, which a busy machine disturbs far less than the wall clock. ``--tree``
puts another checkout of the repo first on the path (a `git worktree` of an older commit),
so two versions are measured with one command; each must read an index it built (the index
format is checked). Memory is the process's resident set, its private part and its anonymous
(heap) part, from /proc/self/smaps_rollup: file pages of a memory-mapped index are shared by
every worker that maps them, the heap is each worker's own. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path


def memory_mb() -> dict[str, int]:
    """Resident, private and anonymous memory of this process, in MB (Linux)."""
    text = Path("/proc/self/smaps_rollup").read_text()

    def field(name: str) -> int:
        return int(re.search(name + r":\s+(\d+)", text).group(1)) // 1024

    return {
        "rss": field("Rss"),
        "private": field("Private_Clean") + field("Private_Dirty"),
        "anonymous": field("Anonymous"),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[int(share * (len(ordered) - 1))], 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index")
    parser.add_argument("queries", type=Path)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--tree", type=Path, help="a checkout whose search package is measured")
    args = parser.parse_args()
    if args.tree:
        sys.path.insert(0, str(args.tree.resolve()))
    import search
    from search.query import rank
    from search.results import SearchRequest
    from search.results import search as answer
    from search.store import open_reader

    lines = [line.strip() for line in args.queries.read_text("utf-8").splitlines()]
    if args.queries.suffix == ".jsonl":
        lines = [json.loads(line)["query"] for line in lines if line]
    queries = [line for line in lines if line][: args.warmup + args.limit]
    before = memory_mb()
    reader = open_reader(args.index)
    opened = memory_mb()
    for query in queries[: args.warmup]:
        answer(reader, SearchRequest(q=query))
    ranking, whole = [], []
    for query in queries[args.warmup :]:
        started = time.process_time()
        rank(reader, query, limit=10)
        ranked = time.process_time()
        answer(reader, SearchRequest(q=query))
        ranking.append((ranked - started) * 1000)
        whole.append((time.process_time() - ranked) * 1000)
    summary = {
        "package": str(Path(search.__file__).parent),
        "documents": reader.documents,
        "queries": len(whole),
        "rank_cpu_ms": {"p50": percentile(ranking, 0.5), "p95": percentile(ranking, 0.95)},
        "search_cpu_ms": {
            "p50": percentile(whole, 0.5),
            "p95": percentile(whole, 0.95),
            "mean": round(sum(whole) / len(whole), 3),
        },
        "memory_mb": {"at_start": before, "index_open": opened, "after_searches": memory_mb()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
