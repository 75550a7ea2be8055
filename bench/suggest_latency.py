"""Suggest-as-you-type latency: GET /api/suggest's work for what readers type, in-process.

usage:
    suggest_latency.py CORPUS.jsonl[.gz] [--index FOLDER] [--requests 2000] [--seed 17]

Builds an index of CORPUS in FOLDER when it holds none (a temporary folder without
--index), then replays keystrokes: the titles of randomly chosen articles typed letter by
letter, each prefix of one to four words a request (`search.results.suggestions`, the API's
body without HTTP). Prints one JSON line: the first request's time (it reads each segment's
vocabulary once), then p50 / p95 / p99 / max of the rest in milliseconds, and how many
requests offered nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from search.documents import read_paths
from search.results import suggestions
from search.store import index_articles, live_generation, open_reader

WORDS_TYPED = 4  # the longest prefix replayed, in words


def keystrokes(reader, count: int, seed: int) -> list[str]:
    """What readers type: each prefix of a random title's first words, letter by letter."""
    rng = random.Random(seed)
    typed: list[str] = []
    live = np.flatnonzero(reader.live).tolist()
    while len(typed) < count:
        title = reader.stored(rng.choice(live)).get("title") or ""
        text = " ".join(title.split()[:WORDS_TYPED])
        typed += [text[:end] for end in range(1, len(text) + 1) if not text[end - 1].isspace()]
    return typed[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.index or Path(scratch) / "index"
        if live_generation(folder) is None:
            index_articles(folder, read_paths([args.corpus]))
        with open_reader(folder) as reader:
            typed = keystrokes(reader, args.requests, args.seed)
            started = time.perf_counter()
            suggestions(reader, typed[0])
            first = (time.perf_counter() - started) * 1000
            times, empty = [], 0
            for text in typed[1:]:
                started = time.perf_counter()
                body = suggestions(reader, text)
                times.append((time.perf_counter() - started) * 1000)
                empty += not body["suggestions"]
            figures = {
                "documents": reader.documents,
                "requests": len(typed),
                "first_ms": round(first, 1),
                "p50_ms": round(float(np.percentile(times, 50)), 2),
                "p95_ms": round(float(np.percentile(times, 95)), 2),
                "p99_ms": round(float(np.percentile(times, 99)), 2),
                "max_ms": round(max(times), 1),
                "empty": empty,
            }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
