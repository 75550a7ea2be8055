"""What one term lookup costs: the store's own probe of each segment's term table
(`search.store.codec.TermLookup`) against whoosh's layers, for terms an index holds and for
terms it lacks (a spelling variant the compiler asks about often is).

usage:
    term_lookup.py INDEX [--field body] [--terms 5000]

Samples ``--terms`` terms of the field from the first segment's vocabulary (fixed seed),
makes as many absent ones by appending a letter no Arabic word ends with, and times each
kind through both paths over every segment; checks that both give the same counts. Prints
one JSON line: microseconds a lookup, per path and kind.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--field", default="body")
    parser.add_argument("--terms", type=int, default=5000)
    args = parser.parse_args()
    from search.store import open_reader

    with open_reader(args.index) as reader:
        leaf = reader._leaves[0][0]
        vocabulary = []
        for (name, text), _ in leaf.iter_from(args.field, b""):
            if name != args.field:
                break
            vocabulary.append(text.decode("utf-8"))
        present = random.Random(16).sample(vocabulary, min(args.terms, len(vocabulary)))
        figures = {"segments": reader.segments, "field": args.field, "terms": len(present)}
        for kind, terms in (("present", present), ("absent", [t + "ژ" for t in present])):
            started = time.perf_counter()
            ours = [reader._count(args.field, term) for term in terms]
            middle = time.perf_counter()
            theirs = [reader._reader.doc_frequency(args.field, term) for term in terms]
            ended = time.perf_counter()
            if ours != theirs:
                raise SystemExit(f"the two lookups disagree on {kind} terms")
            figures[f"{kind}_us"] = {
                "term_lookup": round((middle - started) / len(terms) * 1e6, 2),
                "whoosh": round((ended - middle) / len(terms) * 1e6, 2),
            }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
