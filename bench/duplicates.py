"""How well the copy detector (search.query.stories) tells copies of one story from different
stories, on judged pairs of a real news collection.

usage: python bench/duplicates.py [--docs ../shared/data/arabic_news/docs.jsonl.gz]
           [--judged bench/duplicates_judged.tsv] [--sample N --seed S]

Fingerprints every article's body as the index does (search.analysis.fingerprint), finds the
candidate pairs by LSH as the reader does, and then either

- prints N candidate pairs to judge (``--sample``), drawn evenly over the estimated
  similarity from 0.2 up, each with both articles' sources, dates and opening words; a person
  reads them and writes ``id_a<TAB>id_b<TAB>label`` (1: the same story republished, 0: not)
  into the judged file (ids only: the collection's text is not ours to copy); or
- prints one JSON object (the default): for each threshold, the precision and recall of the
  detector on the judged pairs (a judged pair counts as detected when its estimated
  similarity reaches the threshold), and at the chosen THRESHOLD how many articles are copies.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from search.analysis.fingerprint import signature
from search.query import stories

HERE = Path(__file__).parent
DOCS = HERE.parent.parent / "shared" / "data" / "arabic_news" / "docs.jsonl.gz"
JUDGED = HERE / "duplicates_judged.tsv"
THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
BINS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]


def load(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--sample", type=int, default=0, help="print this many pairs to judge")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    docs = load(args.docs)
    signatures = np.stack([signature(doc["body"]) for doc in docs])
    fingerprinted = time.perf_counter() - started
    valid = signatures.any(axis=1)
    a, b = stories.candidate_pairs(signatures, valid)
    similar = stories.similarity(signatures, a, b)
    if args.sample:
        return _sample(docs, a, b, similar, args.sample, args.seed)

    number = {doc["id"]: i for i, doc in enumerate(docs)}
    judged = []
    for line in args.judged.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            first, second, label = line.split("\t")
            judged.append((number[first], number[second], int(label)))
    found = {
        (x, y): float(s) for x, y, s in zip(a.tolist(), b.tolist(), similar.tolist(), strict=True)
    }
    estimate = [found.get((min(x, y), max(x, y)), 0.0) for x, y, _ in judged]
    outlet = (
        [docs[x].get("source") or "" for x, _, _ in judged],
        [docs[y].get("source") or "" for _, y, _ in judged],
    )
    elsewhere = [bool(p and q and p != q) for p, q in zip(*outlet, strict=True)]
    labels = [label for _, _, label in judged]
    report = {
        "articles": len(docs),
        "judged_pairs": len(judged),
        "judged_copies": sum(labels),
        # the index's rule: similar enough, and two different outlets published them
        "detector": _figures(estimate, labels, elsewhere),
        # the similarity alone, whoever published the two
        "similarity_only": _figures(estimate, labels, [True] * len(labels)),
        "threshold": stories.THRESHOLD,
    }
    codes = {name: i + 1 for i, name in enumerate(sorted({d.get("source") or "" for d in docs}))}
    outlets = np.array([codes[d.get("source") or ""] for d in docs], dtype=np.int64)
    outlets[outlets == codes.get("", -1)] = 0
    story = stories.story_numbers(signatures, valid, outlets)
    counts = np.bincount(story, minlength=story.size)
    report["articles_with_copies"] = int((counts[story] > 1).sum())
    report["stories_with_copies"] = int((counts > 1).sum())
    report["fingerprint_ms_per_article"] = round(fingerprinted * 1000 / len(docs), 3)
    print(json.dumps(report, indent=2))
    return 0


def _figures(estimate: list[float], labels: list[int], allowed: list[bool]) -> dict:
    """Precision and recall on the judged pairs at each threshold: a pair is detected when
    its estimated similarity reaches the threshold and ``allowed`` says it may be."""
    figures = {}
    for threshold in THRESHOLDS:
        found = [s >= threshold and ok for s, ok in zip(estimate, allowed, strict=True)]
        hits = sum(f and label for f, label in zip(found, labels, strict=True))
        figures[str(threshold)] = {
            "precision": round(hits / max(sum(found), 1), 3),
            "recall": round(hits / max(sum(labels), 1), 3),
            "detected": sum(found),
        }
    return figures


def _sample(docs, a, b, similar, count: int, seed: int) -> int:
    rng = np.random.default_rng(seed)
    per_bin = max(1, count // (len(BINS) - 1))
    for low, high in itertools.pairwise(BINS):
        inside = np.flatnonzero((similar >= low) & (similar < high))
        for i in rng.choice(inside, size=min(per_bin, inside.size), replace=False).tolist():
            first, second = docs[int(a[i])], docs[int(b[i])]
            print(f"{first['id']}\t{second['id']}\t{similar[i]:.2f}")
            for doc in (first, second):
                print(f"    {doc.get('source')} {doc.get('date')} | {doc['title'][:80]}")
                print(f"    {' '.join(doc['body'].split())[:300]}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
