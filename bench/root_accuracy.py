"""Root extractors compared: how many gold roots each finds, and how fast, for `root:` search.

usage:
    root_accuracy.py [--golden ../shared/data/peer-vectors/golden-corpus-root.tsv]
                     [--news bench/data/news-roots.tsv] [--json]

Candidates: Tashaphyne's ArabicLightStemmer.get_root, NLTK's ISRI stemmer, qalsadi's
analyser (the most frequent root among its analyses of the word) and the index's own
`search.analysis.roots.token_roots` (ISRI, and Tashaphyne where ISRI's root is not three
letters). A candidate whose package is not installed is listed
as missing (only the chosen one is a dependency: pip install nltk qalsadi tashaphyne to
compare them all).

Two word lists: the golden corpus (1,165 Quranic words and their roots, BSD-2; see its
README), and bench/data/news-roots.tsv, 98 common words of news articles with the roots we
judged (frequent content words of the shared news, proper names left out, and the كتب family
the issue names). A root counts when it equals the gold one after the index's folding
(`normalize`: أ إ آ to ا, ى to ي, ة to ه), and in the second figure also when they differ
only in how a hamza is seated (ء أ ؤ ئ written ا: the golden corpus writes أمن as امن).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from search.analysis import normalize
from search.analysis.roots import token_roots

ROOT = Path(__file__).parents[1]
GOLDEN = ROOT.parent / "shared" / "data" / "peer-vectors" / "golden-corpus-root.tsv"
NEWS = ROOT / "bench" / "data" / "news-roots.tsv"
HAMZA_SEATS = str.maketrans(dict.fromkeys("ءأإآؤئٱ", "ا"))


def candidates() -> dict[str, Callable[[str], str] | None]:
    """Each extractor as word -> root, or None when its package is missing."""
    found: dict[str, Callable[[str], str] | None] = {}
    try:
        from tashaphyne.stemming import ArabicLightStemmer

        stemmer = ArabicLightStemmer()

        def tashaphyne(word: str) -> str:
            stemmer.light_stem(word)
            return stemmer.get_root() or ""

        found["Tashaphyne 0.3 get_root"] = tashaphyne
    except ImportError:
        found["Tashaphyne 0.3 get_root"] = None
    try:
        from nltk.stem.isri import ISRIStemmer

        found["NLTK 3 ISRIStemmer"] = ISRIStemmer().stem
    except ImportError:
        found["NLTK 3 ISRIStemmer"] = None
    try:
        from qalsadi.analex import Analex

        analyser = Analex()

        def qalsadi(word: str) -> str:
            roots = Counter(
                case.root for case in analyser.check_word(word) if getattr(case, "root", "")
            )
            return roots.most_common(1)[0][0] if roots else ""

        found["qalsadi 0.5 (most frequent analysis)"] = qalsadi
    except ImportError:
        found["qalsadi 0.5 (most frequent analysis)"] = None
    found["the index (search.analysis.roots)"] = lambda word: "".join(token_roots(word)[:1])
    return found


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [(row[0], row[1]) for row in rows[1:] if len(row) >= 2 and row[0]]


def score(extract: Callable[[str], str], pairs: list[tuple[str, str]]) -> dict:
    exact = loose = 0
    started = time.perf_counter()
    for word, gold in pairs:
        got, want = normalize(extract(word) or ""), normalize(gold)
        exact += got == want
        loose += got.translate(HAMZA_SEATS) == want.translate(HAMZA_SEATS)
    seconds = time.perf_counter() - started
    return {
        "words": len(pairs),
        "exact": round(exact / len(pairs), 4),
        "hamza_aside": round(loose / len(pairs), 4),
        "us_per_word": round(seconds / len(pairs) * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=GOLDEN)
    parser.add_argument("--news", type=Path, default=NEWS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sets = {"golden": read_pairs(args.golden), "news": read_pairs(args.news)}
    figures: dict[str, dict | None] = {}
    for name, extract in candidates().items():
        if extract is None:
            figures[name] = None
            continue
        token_roots.cache_clear()
        figures[name] = {label: score(extract, pairs) for label, pairs in sets.items()}
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print("| extractor | golden: exact / hamza aside | news: exact / hamza aside | us a word |")
    print("|---|---|---|---|")
    for name, found in figures.items():
        if found is None:
            print(f"| {name} | not installed | | |")
            continue
        golden, news = found["golden"], found["news"]
        print(
            f"| {name} | {golden['exact']:.3f} / {golden['hamza_aside']:.3f} | "
            f"{news['exact']:.3f} / {news['hamza_aside']:.3f} | {golden['us_per_word']:.0f} |"
        )


if __name__ == "__main__":
    main()
