"""The product as one more engine of the peer benchmark in ../shared/bench.

usage (the harness's runner contract, its README "The product's runner"):

    peer_runner.py index CORPUS INDEXDIR [--limit N]
    peer_runner.py query INDEXDIR QUERIES [--op and|or] [--results FILE] [--snippet-queries N]

Both steps go through the product's own code: `read_jsonl` and `index_articles` build the
index (same schema and Arabic analysis as `arabic-search index`); queries are compiled with
the API's `Compiler` (exact forms, stems, clitic alternatives, spelling variants, title
weight) and ranked by the steps of `query.rank` (vectorised BM25 in `search.engine`, the
proximity bonus on the best 100); snippets come from `highlight.snippet`.

Only the query *structure* follows the harness, so every engine answers the same question:
`common.parse_clauses` splits the line into phrase and term clauses (ASCII syntax and Arabic
punctuation are separators, never operators); `--op and` requires every clause, `--op or`
combines them as the API combines plain words (`Compiler.all`: any clause matches, more
matched clauses rank higher); in both, consecutive plain words found close together earn the
API's proximity bonus. Facet counts, which `/api/search` also computes, are left out here;
bench/http_load.py times the whole API.

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

import whoosh
from whoosh import query as wq

from search import parser as p
from search.analysis import TOKEN_RE
from search.bulk import DEFAULT_PROCS
from search.documents import Article, Rejected, read_jsonl
from search.engine import top
from search.highlight import snippet
from search.index import index_articles, index_stemmer, open_index
from search.query import (
    PROXIMITY_SLOP,
    PROXIMITY_WEIGHT,
    RERANK_DEPTH,
    Compiled,
    Compiler,
    catalog,
)

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
    try:
        own = importlib.metadata.version("arabic-search")
    except importlib.metadata.PackageNotFoundError:
        own = "unknown"
    return f"arabic-search {own} (whoosh3 {whoosh.versionstring()})"


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
    stemmer = index_stemmer(open_index(args.indexdir))
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


def compile_clauses(searcher, stemmer: str, text: str, op: str) -> Compiled:
    """The harness's clauses of ``text`` as one product query (`wq.NullQuery` if none remain).

    A term clause is normally one word; when the product's tokenizer cuts it into several
    tokens (``كوريا2024``), all of them must match, as the peers' QueryBuilder does.
    """
    compiler = Compiler(searcher, stemmer)
    clauses: list[wq.Query] = []
    plain: list[p.Term] = []  # one-token term clauses, for the API's proximity bonus
    for kind, clause in common.parse_clauses(text):
        tokens = [match.group() for match in TOKEN_RE.finditer(clause)]
        if kind == "phrase":
            query = compiler.phrase(p.Phrase(tuple(tokens)), marking=True)
        else:
            parts = [
                q
                for token in tokens
                if (q := compiler.term(p.Term(token), marking=True, keep_stopwords=False))
            ]
            query = parts[0] if len(parts) == 1 else wq.And(parts) if parts else None
            if len(tokens) == 1 and query is not None:
                plain.append(p.Term(tokens[0]))
        if query is not None:
            clauses.append(query)
    if not clauses:
        query = wq.NullQuery
    elif len(clauses) == 1:
        query = clauses[0]
    else:  # and: every clause; or: Compiler.all's soft OR (more matched clauses rank higher)
        query = wq.And(clauses) if op == "and" else wq.Or(clauses)
    return Compiled(
        query,
        compiler.exacts,
        compiler.stems,
        compiler.phrases,
        compiler.proximity(plain),  # consecutive plain words: the API's proximity bonus
        compiler.origins,
    )


def rank_compiled(searcher, compiled: Compiled, limit: int):
    """Document numbers of the best ``limit`` matches, and the exact number of matches.

    The steps of `search.query.rank` after its own parse and compile: vectorised BM25 over
    the whole index, deleted documents masked, the proximity bonus on the best RERANK_DEPTH.
    """
    arrays = catalog(searcher)
    matches = arrays.evaluate(compiled.query)
    matches.mask &= arrays.live
    if compiled.pairs:
        best = top(matches, RERANK_DEPTH)
        matches.scores[best] += PROXIMITY_WEIGHT * arrays.proximity(
            best, "body_exact", compiled.pairs, PROXIMITY_SLOP
        )
    return top(matches, limit), matches.total


def do_query(args) -> None:
    ix = open_index(args.indexdir)
    stemmer = index_stemmer(ix)
    searcher = ix.searcher()  # one searcher for every query, as each API worker keeps one
    queries = common.read_queries(args.queries)

    def stored(number) -> dict:
        return searcher.stored_fields(int(number))

    def search(text: str, k: int) -> list[str]:
        compiled = compile_clauses(searcher, stemmer, text, args.op)
        documents, _ = rank_compiled(searcher, compiled, k)
        return [stored(n)["id"] for n in documents]

    def count(text: str) -> int:
        return rank_compiled(searcher, compile_clauses(searcher, stemmer, text, args.op), 0)[1]

    def snippets(text: str) -> list[tuple[str, str]]:
        compiled = compile_clauses(searcher, stemmer, text, args.op)
        marks = compiled.marks()
        documents, _ = rank_compiled(searcher, compiled, 10)
        return [
            (fields["id"], snippet(fields.get("body", ""), marks, stemmer))
            for fields in map(stored, documents)
        ]

    figures, results = common.run_query_passes(
        queries, search, count, snippets, args.snippet_queries
    )
    common.write_results(args.results, results)
    figures.update(
        {"engine": ENGINE, "op": args.op, "docs_in_index": searcher.doc_count(), "stemmer": stemmer}
    )
    searcher.close()
    common.emit(figures)


if __name__ == "__main__":
    common.cli(ENGINE, do_index, do_query)
