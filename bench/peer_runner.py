"""The product as one more engine of the peer benchmark in ../shared/bench.

usage (the harness's runner contract, its README "The product's runner"):

    peer_runner.py index CORPUS INDEXDIR [--limit N]
    peer_runner.py query INDEXDIR QUERIES [--op and|or] [--results FILE] [--snippet-queries N]

Both steps go through the product's own code: `read_jsonl` and `index_articles` build the
index (same schema and Arabic analysis as `arabic-search index`); each query is ranked by
`search.query.rank`, the one path of the API (compiled to exact forms, stems, clitic
alternatives, spelling variants and title weight, scored with BM25F, relaxed phrases, the
proximity bonus on the best 100); snippets come from `search.results.snippet`.

Only the query *structure* follows the harness, so every engine answers the same question:
`common.parse_clauses` splits the line into phrase and term clauses (ASCII syntax and Arabic
punctuation are separators, never operators); `--op and` requires every clause, `--op or`
combines them as the API combines typed words (any clause matches, more matched clauses rank
higher); in both, consecutive words found close together earn the API's proximity bonus.
Facet counts, which `/api/search` also computes, are left out here; bench/http_load.py times
the whole API.

The harness folder is ../shared/bench beside the repo, or ARABIC_SEARCH_BENCH_DIR.
ARABIC_SEARCH_BENCH_PROCS (default: the number of cores, at most 8, as `arabic-search index`)
passes ``procs`` to `index_articles`, the bulk writer's worker processes.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from search import __version__
from search.analysis import TOKEN_RE, is_stopword, normalize
from search.documents import Article, Rejected, read_jsonl
from search.query import parser as p
from search.query import rank
from search.results import snippet
from search.store import DEFAULT_PROCS, Reader, index_articles, open_reader

ENGINE = "product"


def bench_dir() -> Path:
    """The shared harness folder: ARABIC_SEARCH_BENCH_DIR, else ../shared/bench."""
    override = os.environ.get("ARABIC_SEARCH_BENCH_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "bench"


def load_common():
    """Import the harness's common.py (its contract: CLI, query passes, figures)."""
    path = bench_dir() / "common.py"
    if not path.is_file():
        sys.exit(f"peer_runner: no {path}; set ARABIC_SEARCH_BENCH_DIR to the harness folder")
    spec = importlib.util.spec_from_file_location("bench_common", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


common = load_common()


# --- Step 1: index ---------------------------------------------------------------------------


class Counted:
    """Articles from the stream, counting docs and UTF-8 bytes of title + body as they pass.

    Has the two attributes `common.index_figures` reads from its own `Indexed` counter.
    """

    def __init__(self, items: Iterable[Article | Rejected]):
        self.items = items
        self.docs = 0
        self.text_bytes = 0
        self.rejected: list[Rejected] = []

    def __iter__(self) -> Iterator[Article | Rejected]:
        for item in self.items:
            if isinstance(item, Article):
                self.docs += 1
                self.text_bytes += len(item.title.encode()) + len(item.body.encode())
            else:
                self.rejected.append(item)
            yield item


def version() -> str:
    return f"arabic-search {__version__} (whoosh3 {importlib.metadata.version('whoosh3')})"


def do_index(args) -> None:
    procs = int(os.environ.get("ARABIC_SEARCH_BENCH_PROCS", DEFAULT_PROCS))
    started = time.perf_counter()
    items = read_jsonl(Path(args.corpus))
    if args.limit:
        items = itertools.islice(items, args.limit)
    counted = Counted(items)
    report = index_articles(args.indexdir, counted, rebuild=True, procs=procs)
    seconds = time.perf_counter() - started
    for rejected in counted.rejected[:20]:
        print(f"skipped {rejected.path}:{rejected.line}: {rejected.reason}", file=sys.stderr)
    with open_reader(args.indexdir) as reader:
        stemmer = reader.stemmer
    figures = common.index_figures(
        ENGINE,
        counted,
        seconds,
        args.indexdir,
        version=version(),
        analysis=(
            f"regex tokens|NFKC, marks, letter+digit folds, lowercase|"
            f"stems: stop words then {stemmer} stemmer; exact fields: unstemmed"
        ),
        skipped=report.skipped,
        procs=procs,
        documents=report.documents,
    )
    common.emit(figures)


# --- Step 2: query ---------------------------------------------------------------------------


def clauses_query(text: str, op: str) -> p.Node | None:
    """The harness's clauses of ``text`` as one parsed query (None when none remain).

    A phrase clause is a phrase; a term clause is its word, or all of its tokens when the
    product's tokenizer cuts it into several (``كوريا2024``), as the peers' QueryBuilder
    does. ``and``: every clause must match (`p.Required`); ``or``: the clauses are a group of
    plain words, as the API reads a typed question (any matches, more matched rank higher).
    Stop-word term clauses drop out, as the peers' analyzers drop them.
    """
    nodes: list[p.Node] = []
    for kind, clause in common.parse_clauses(text):
        tokens = [match.group() for match in TOKEN_RE.finditer(clause)]
        if kind == "phrase":
            node = p.Phrase(tuple(tokens)) if tokens else None
        else:
            words = [p.Term(t) for t in tokens if not is_stopword(normalize(t))]
            node = words[0] if len(words) == 1 else None
            if len(words) > 1:
                node = p.All(tuple(p.Required(word) for word in words))
        if node is not None:
            nodes.append(p.Required(node) if op == "and" else node)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else p.All(tuple(nodes))


def ranked(reader: Reader, text: str, op: str, limit: int):
    """`search.query.rank` on the clauses: the API's one ranking path."""
    query = clauses_query(text, op)
    return None if query is None else rank(reader, query, limit=limit)


def do_query(args) -> None:
    reader = open_reader(args.indexdir)  # one reader for every query, as each API worker keeps
    queries = common.read_queries(args.queries)

    def search(text: str, k: int) -> list[str]:
        ranking = ranked(reader, text, args.op, k)
        if ranking is None:
            return []
        return reader.document_ids(ranking.documents.tolist())

    def count(text: str) -> int:
        ranking = ranked(reader, text, args.op, 0)
        return 0 if ranking is None else ranking.total

    def snippets(text: str) -> list[tuple[str, str]]:
        ranking = ranked(reader, text, args.op, 10)
        if ranking is None:
            return []
        marks = ranking.compiled.marks()
        return [
            (fields["id"], snippet(fields.get("body", ""), marks, reader.stemmer))
            for fields in map(reader.stored, ranking.documents.tolist())
        ]

    figures, results = common.run_query_passes(
        queries, search, count, snippets, args.snippet_queries
    )
    common.write_results(args.results, results)
    figures.update(
        {
            "engine": ENGINE,
            "op": args.op,
            "docs_in_index": reader.documents,
            "stemmer": reader.stemmer,
        }
    )
    reader.close()
    common.emit(figures)


if __name__ == "__main__":
    common.cli(ENGINE, do_index, do_query)
