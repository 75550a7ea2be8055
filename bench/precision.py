"""Top-10 precision of frequent words, the product beside its peers on the same corpus.

usage: bench/precision.py CORPUS OUTDIR [--docs 20000] [--words 92] [--engines "..."]

The words are the same spread of frequent title words `arabic-search eval --precision` uses
(`search.precision.frequent_words`), each searched alone by every engine of the shared
harness (../shared/bench/run_all.sh, or ARABIC_SEARCH_BENCH_DIR); each engine's top 10 is
judged by the same rule (`search.precision.holds`: the hit holds the typed word in some
inflected form). Prints one table and writes OUTDIR/precision.json.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.precision import FAILING_FROM, frequent_words, judge  # noqa: E402

DEFAULT_ENGINES = "lucene sqlite_fts5 sqlite_fts5_norm product"


def bench_dir() -> Path:
    override = os.environ.get("ARABIC_SEARCH_BENCH_DIR")
    return Path(override) if override else ROOT.parent / "shared" / "bench"


def read_corpus(path: Path, limit: int) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in itertools.islice(lines, limit) if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=92)
    parser.add_argument("--engines", default=DEFAULT_ENGINES)
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    documents = read_corpus(args.corpus, args.docs)
    corpus = args.outdir / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for doc in documents:
            row = {"id": doc["id"], "title": doc.get("title", ""), "body": doc.get("body", "")}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    words = frequent_words((doc.get("title") or "" for doc in documents), count=args.words)
    queries = args.outdir / "words.txt"
    queries.write_text("\n".join(words) + "\n", "utf-8")
    env = os.environ | {
        "ENGINES": args.engines,
        "PRODUCT_RUNNER": f"{sys.executable} {ROOT / 'bench' / 'peer_runner.py'}",
        "SNIPPET_QUERIES": "0",
        "BENCH_STATE_DIR": os.environ.get("BENCH_STATE_DIR", str(args.outdir / "state")),
    }
    runs = args.outdir / "runs"
    subprocess.run(
        ["bash", str(bench_dir() / "run_all.sh"), str(corpus), str(queries), str(runs)],
        env=env,
        check=True,
        cwd=ROOT,
    )
    texts = {doc["id"]: f"{doc.get('title', '')}\n{doc.get('body', '')}" for doc in documents}
    figures = {}
    for engine in args.engines.split():
        ranked = runs / engine / "ranked.jsonl"
        if not ranked.is_file():
            figures[engine] = None
            continue
        rows = [json.loads(line) for line in ranked.read_text("utf-8").splitlines() if line]
        by_query = {row["query"]: row["top10"] for row in rows}
        judged = [judge(word, [texts[i] for i in by_query.get(word, [])]) for word in words]
        hits = sum(word.hits for word in judged)
        figures[engine] = {
            "precision@10": round(sum(w.holding for w in judged) / hits, 4) if hits else 1.0,
            "failing_words": sum(w.lacking >= FAILING_FROM for w in judged),
            "words_with_hits": sum(w.hits > 0 for w in judged),
        }
    (args.outdir / "precision.json").write_text(
        json.dumps(
            {"docs": len(documents), "words": words, "engines": figures},
            indent=1,
            ensure_ascii=False,
        ),
        "utf-8",
    )
    print(f"{len(words)} frequent title words of {len(documents)} articles, top 10 each")
    print(f"{'engine':<18} {'precision@10':>12} {'failing words':>14} {'words found':>12}")
    for engine, row in figures.items():
        if row is None:
            print(f"{engine:<18} {'FAILED':>12}")
        else:
            print(
                f"{engine:<18} {row['precision@10']:>12.4f} {row['failing_words']:>14} "
                f"{row['words_with_hits']:>12}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
