"""One fresh build in this process, timed: the bulk writer alone, for profiling.

usage:
    bulk_build.py CORPUS.jsonl[.gz] N [--procs P]

Reads the first N articles of CORPUS into field dicts first (untimed), then builds them into
a temporary index with `search.store.bulk.build` and prints one JSON line: documents, wall
and CPU seconds of this process (with --procs > 1, the workers' CPU is not counted), docs/s.
Wrap it in a sampling profiler to see where a build's time goes, e.g.

    .venv/bin/py-spy record -r 200 --format raw -o build.txt -- \\
        .venv/bin/python bench/bulk_build.py ../shared/data/arabic_news/docs.jsonl.gz 25000

The harness's `docs_per_s` (bench/peer_runner.py) is the product's figure beside the peers;
this one leaves out reading the corpus and the workers' start.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

from whoosh import index as whoosh_index

from search.documents import Article, read_jsonl
from search.store import bulk
from search.store.schema import article_fields, make_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--procs", type=int, default=1)
    args = parser.parse_args()
    items = itertools.islice(read_jsonl(args.corpus), args.n)
    documents = [article_fields(item) for item in items if isinstance(item, Article)]
    with tempfile.TemporaryDirectory() as folder:
        ix = whoosh_index.create_in(folder, make_schema())
        wall, cpu = time.perf_counter(), time.process_time()
        bulk.build(ix, iter(documents), procs=args.procs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {
        "docs": len(documents),
        "procs": args.procs,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "docs_per_s": round(len(documents) / wall, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
