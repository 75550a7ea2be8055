"""What the compiled passes save, in one process: the same searches with each compiled pass
and with its numpy fallback, in turn, CPU time per search.

usage:

    kernels.py INDEX QUERIES [--limit N] [--rounds R] [--configs none,merge,merge+occ,all]

QUERIES: one query per line (the HTTP mix, bench/http_load.py's queries.txt), or a .jsonl of
the harness's questions (each ranked as bench/peer_runner.py ranks it, OR, ten results);
lines go through the API's `search()` (ranking, facets, suggestions, ten snippets).

A configuration names the compiled passes it keeps, the others falling back to numpy:
``merge`` (`search.query._merge`: a word's readings, large unions), ``occ`` (a word's positions
in chosen documents read in place), ``postings`` (a term's posting list read in place);
``none`` keeps none, ``all`` every one. The rounds alternate the configurations, after one
untimed pass, so a slow minute of the machine falls on all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from pathlib import Path

from search.errors import BadParameter, BadQuery
from search.query import engine
from search.results import search
from search.results.request import SearchRequest
from search.store import codec, open_reader

COMPILED = {
    "merge": (engine, ("merge_readings", "sum_dense")),
    "occ": (codec, ("block_occurrences",)),
    "postings": (codec, ("block_postings",)),
}
SAVED = {
    name: {attr: getattr(module, attr) for attr in attrs}
    for name, (module, attrs) in COMPILED.items()
}


def select(config: str) -> None:
    """Keep the compiled passes ``config`` names; the others fall back to numpy."""
    kept = set(COMPILED) if config == "all" else set(config.split("+")) - {"none"}
    unknown = kept - set(COMPILED)
    if unknown:
        raise SystemExit(f"kernels: no compiled pass named {', '.join(sorted(unknown))}")
    for name, (module, attrs) in COMPILED.items():
        for attr in attrs:
            setattr(module, attr, SAVED[name][attr] if name in kept else None)


def workload(path: Path, limit: int):
    """One callable per query: an API search, or a harness question's ranking."""
    if path.suffix == ".jsonl":
        import peer_runner

        texts = peer_runner.common.read_queries(str(path))[:limit]
        return texts, lambda reader, text: peer_runner.ranked(reader, text, "or", 10)
    texts = [line.strip() for line in path.open(encoding="utf-8") if line.strip()][:limit]

    def api(reader, text: str) -> None:
        with contextlib.suppress(BadQuery, BadParameter):  # the API's 400, timed all the same
            search(reader, SearchRequest(text))

    return texts, api


def figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    n = len(ordered)
    return {
        "p50": round(ordered[n // 2] * 1e3, 2),
        "p95": round(ordered[min(int(n * 0.95), n - 1)] * 1e3, 2),
        "mean": round(sum(ordered) / n * 1e3, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index")
    parser.add_argument("queries", type=Path)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configs", default="none,merge,merge+occ,all")
    args = parser.parse_args()
    if any(value is None for saved in SAVED.values() for value in saved.values()):
        raise SystemExit("kernels: the compiled passes are not built (pip install -e .)")
    configs = args.configs.split(",")
    for config in configs:
        select(config)  # refuse an unknown name before any work
    reader = open_reader(args.index)
    texts, run = workload(args.queries, args.limit)
    select("all")
    for text in texts:
        run(reader, text)
    times: dict[str, list[float]] = {config: [] for config in configs}
    for _ in range(args.rounds):
        for config in configs:
            select(config)
            for text in texts:
                started = time.process_time()
                run(reader, text)
                times[config].append(time.process_time() - started)
    select("all")
    report = {config: figures(found) for config, found in times.items()}
    print(json.dumps({"documents": reader.documents, "queries": len(texts), "cpu_ms": report}))


if __name__ == "__main__":
    main()
