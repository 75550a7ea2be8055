"""Relevance evaluation: judged questions -> nDCG@10, MRR@10, Recall@10/100 and latency.

Runs every question through the same path as ``/api/search`` (`search.query.rank`: parse,
compile, score) and scores the ranked ids with binary relevance, as the peer benchmark
does (``../shared/bench/README.md``, "Quality metrics"), so our figures sit in the same table
as Lucene's and tantivy's:

    nDCG@10   = DCG@10 / IDCG@10, DCG@10 = sum over relevant ids at rank r <= 10 of 1/log2(r+1),
                IDCG@10 = sum over r = 1 .. min(#relevant, 10) of 1/log2(r+1)
    MRR@10    = mean of 1 / rank of the first relevant id in the top 10 (0 when none is)
    Recall@k  = share of a question's relevant ids found in the top k

An id repeated in a ranking counts at its first rank only. A question that finds nothing (or
that the grammar refuses) scores 0; means are over the questions with at least one relevant id.

Latency follows the benchmark too: one untimed pass fetches the top-100 ids (the metrics use
them), then a timed pass measures each question's wall time from text to its top-10 ids;
p50/p95 interpolate linearly between the sorted times (numpy's default).

Questions are JSON lines, ``{"qid": "...", "query": "...", "relevant": ["doc-id", ...]}``;
``docs/relevance.md`` records the figures and the settings they justified.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import DEFAULT_STEMMER, STEMMERS
from .documents import Article, Rejected, read_paths
from .errors import BadQuery
from .precision import PrecisionReport, frequent_words, precision
from .query import rank as rank_query
from .query.synonyms import NO_SYNONYMS, Synonyms
from .store import DEFAULT_PROCS, Reader, index_articles, open_reader, read_build_info

log = logging.getLogger(__name__)

CUTOFF = 10  # nDCG, MRR and the first recall are read at rank 10, as the peers report them
DEPTH = 100  # ids fetched per question; Recall@100 needs this many
CACHE_FOLDER = "index-eval"  # default home of the evaluation indexes, one subfolder per corpus
MARKER = "eval.json"  # beside CURRENT: which files, sizes and code built this cache
# Editing these changes what the index holds, so a cached index built before the edit is stale.
ANALYSIS_SOURCES = ("analysis", "store")
JSON_KEYS = ("ndcg@10", "mrr@10", "recall@10", "recall@100", "queries", "p50_ms", "p95_ms")


class EvalError(ValueError):
    """Input the evaluation cannot use (a missing docs file, a malformed question line)."""


# --- Metrics: plain functions over a ranked id list and a set of relevant ids ---------------


def first_ranks(ranked: Iterable[str]) -> list[str]:
    """Ids in ranked order with repeats dropped (a repeated id keeps its first rank).

    >>> first_ranks(["a", "b", "a", "c"])
    ['a', 'b', 'c']
    """
    return list(dict.fromkeys(ranked))


def dcg(ranked: Sequence[str], relevant: set[str], k: int = CUTOFF) -> float:
    """Discounted cumulative gain of the top k with binary gains."""
    top = first_ranks(ranked)[:k]
    return sum(1 / math.log2(rank + 1) for rank, doc in enumerate(top, 1) if doc in relevant)


def ndcg(ranked: Sequence[str], relevant: set[str], k: int = CUTOFF) -> float:
    """nDCG@k: the DCG of this ranking over that of a ranking with every relevant id on top.

    >>> round(ndcg(["x", "a"], {"a"}), 4)  # 1/log2(3)
    0.6309
    """
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg(ranked, relevant, k) / ideal if ideal else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: set[str], k: int = CUTOFF) -> float:
    """1 / rank of the first relevant id within the top k, else 0 (RR@k; its mean is MRR@k).

    >>> reciprocal_rank(["x", "y", "a"], {"a"})
    0.3333333333333333
    """
    rank = first_relevant(ranked, relevant)
    return 1 / rank if rank is not None and rank <= k else 0.0


def recall(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the relevant ids found in the top k.

    >>> recall(["a", "x", "b"], {"a", "b", "c", "d"}, 2)
    0.25
    """
    if not relevant:
        return 0.0
    return len(relevant.intersection(first_ranks(ranked)[:k])) / len(relevant)


def first_relevant(ranked: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id in the whole ranking, or None."""
    for rank, doc in enumerate(first_ranks(ranked), 1):
        if doc in relevant:
            return rank
    return None


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile, interpolating linearly at position (n - 1) * p / 100 (numpy's way).

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([10, 20, 30, 40, 50], 95)
    48.0
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# --- Questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalQuery:
    """One judged question."""

    qid: str
    query: str
    relevant: tuple[str, ...]


def load_queries(path: str | Path) -> list[EvalQuery]:
    """Read ``{"qid", "query", "relevant"}`` JSON lines; blank questions are skipped.

    As in the benchmark, a line without a qid gets its 0-based position among the questions
    kept. Malformed lines raise EvalError naming the line, since a silently dropped question
    would change every mean.
    """
    path = Path(path)
    queries: list[EvalQuery] = []
    try:
        lines = path.read_text("utf-8-sig").splitlines()
    except OSError as error:
        raise EvalError(f"cannot read {path}: {error.strerror or error}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalError(f"{path}:{number}: invalid JSON: {error.msg}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("query"), str):
            raise EvalError(f"{path}:{number}: expected an object with a 'query' string")
        relevant = obj.get("relevant") or []
        if not isinstance(relevant, list):
            raise EvalError(f"{path}:{number}: 'relevant' must be a list of document ids")
        text = obj["query"].strip()
        if not text:
            continue
        qid = obj.get("qid")
        qid = str(len(queries)) if qid is None else str(qid)
        queries.append(EvalQuery(qid, text, tuple(str(doc) for doc in relevant)))
    return queries


# --- TREC formats: topics, qrels and runs, for trec_eval or ir-measures ---------------------


def load_trec(topics: str | Path, qrels: str | Path) -> list[EvalQuery]:
    """Questions from a topics TSV (``qid<TAB>query`` a line) judged by TREC qrels
    (``qid iteration docid relevance``, relevance above 0 counting as relevant). A topic
    with no judgement is kept, unjudged; a malformed line is an EvalError naming it."""
    relevant: dict[str, list[str]] = {}
    for number, line in enumerate(_lines(qrels), 1):
        fields = line.split()
        if len(fields) != 4 or not fields[3].lstrip("-").isdigit():
            raise EvalError(f"{qrels}:{number}: expected 'qid iteration docid relevance'")
        if int(fields[3]) > 0:
            relevant.setdefault(fields[0], []).append(fields[2])
    questions = []
    for number, line in enumerate(_lines(topics), 1):
        qid, tab, text = line.partition("\t")
        if not tab or not qid.strip() or not text.strip():
            raise EvalError(f"{topics}:{number}: expected 'qid<TAB>query'")
        qid = qid.strip()
        questions.append(EvalQuery(qid, text.strip(), tuple(relevant.get(qid, ()))))
    return questions


def _lines(path: str | Path) -> list[str]:
    try:
        text = Path(path).read_text("utf-8-sig")
    except OSError as error:
        raise EvalError(f"cannot read {path}: {error.strerror or error}") from None
    return [line for line in text.splitlines() if line.strip()]


def write_run(report: EvalReport, path: str | Path, tag: str = "arabic-search") -> int:
    """The report's rankings as a TREC run file (``qid Q0 docid rank score tag``, the top 100
    of each question, ranks from 1); returns how many lines were written."""
    if not tag or any(char.isspace() for char in tag):
        raise EvalError(f"a run tag is one word, not {tag!r}")
    lines = [
        f"{result.query.qid} Q0 {doc} {rank} {score:.4f} {tag}"
        for result in report.results
        for rank, (doc, score) in enumerate(
            zip(result.ranked, result.ranked_scores, strict=True), 1
        )
    ]
    Path(path).write_text("".join(line + "\n" for line in lines), "utf-8")
    return len(lines)


# --- Running questions ----------------------------------------------------------------------


def top_ids(
    reader: Reader, text: str, limit: int = DEPTH, synonyms: Synonyms = NO_SYNONYMS
) -> list[str]:
    """The ids a search would rank first for ``text``, without facets or snippets.

    Uses `search.query.rank`, the one ranking path of the API, relevance order, no filter.
    Text the grammar refuses finds nothing, as it does for a user (who gets a 400).
    """
    return _ranked(reader, text, limit, synonyms)[0]


def _ranked(
    reader: Reader, text: str, limit: int, synonyms: Synonyms = NO_SYNONYMS
) -> tuple[list[str], bool]:
    """Top ids and whether the text was refused (BadQuery)."""
    ids, _, refused = _scored(reader, text, limit, synonyms)
    return ids, refused


def _scored(
    reader: Reader, text: str, limit: int, synonyms: Synonyms = NO_SYNONYMS
) -> tuple[list[str], list[float], bool]:
    """Top ids, their scores, and whether the text was refused (BadQuery)."""
    try:
        ranking = rank_query(reader, text, limit=limit, synonyms=synonyms)
    except BadQuery:
        return [], [], True
    numbers = ranking.documents.tolist()
    scores = [ranking.matches.score(number) for number in numbers]
    return reader.document_ids(numbers), scores, False


@dataclass(frozen=True)
class QueryResult:
    """One question's ranking, timing and scores."""

    query: EvalQuery
    ranked: tuple[str, ...]  # the top DEPTH ids, best first
    ms: float  # wall time from text to the top-10 ids
    refused: bool = False  # the grammar raised BadQuery
    ranked_scores: tuple[float, ...] = ()  # the score of each ranked id

    @property
    def judged(self) -> bool:
        return bool(self.query.relevant)

    @property
    def scores(self) -> dict[str, float]:
        relevant = set(self.query.relevant)
        return {
            "ndcg@10": ndcg(self.ranked, relevant),
            "mrr@10": reciprocal_rank(self.ranked, relevant),
            "recall@10": recall(self.ranked, relevant, CUTOFF),
            "recall@100": recall(self.ranked, relevant, DEPTH),
        }

    @property
    def first_relevant(self) -> int | None:
        return first_relevant(self.ranked, set(self.query.relevant))


@dataclass
class EvalReport:
    """Mean scores and latency of one run, with every question's result for inspection."""

    results: list[QueryResult]
    index_dir: Path | None = None
    stemmer: str = DEFAULT_STEMMER
    documents: int = 0
    worst_count: int = 0  # how many worst questions `as_text` lists
    means: dict[str, float] = field(init=False)

    def __post_init__(self):
        judged = [result.scores for result in self.results if result.judged]
        names = ("ndcg@10", "mrr@10", "recall@10", "recall@100")
        self.means = {name: mean([scores[name] for scores in judged]) for name in names}

    @property
    def queries(self) -> int:
        """Questions with at least one relevant id: the denominator of every mean."""
        return sum(result.judged for result in self.results)

    @property
    def refused(self) -> int:
        return sum(result.refused for result in self.results)

    @property
    def p50_ms(self) -> float:
        return percentile([result.ms for result in self.results], 50)

    @property
    def p95_ms(self) -> float:
        return percentile([result.ms for result in self.results], 95)

    def worst(self, n: int) -> list[dict]:
        """The n judged questions with the lowest nDCG@10 (unfound ones first, then by rank)."""
        judged = [result for result in self.results if result.judged]
        judged.sort(
            key=lambda r: (r.scores["ndcg@10"], -(r.first_relevant or DEPTH + 1), r.query.qid)
        )
        return [
            {
                "qid": result.query.qid,
                "query": result.query.query,
                "rank": result.first_relevant,
                "top3": list(result.ranked[:3]),
                "relevant": list(result.query.relevant),
            }
            for result in judged[:n]
        ]

    def as_json(self) -> dict:
        """The figures the benchmark table shows, rounded as it rounds them."""
        return {
            **{name: round(value, 4) for name, value in self.means.items()},
            "queries": self.queries,
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
        }

    def as_text(self) -> str:
        """A table of the figures, then the worst questions when `worst_count` asks for them."""
        figures = self.as_json()
        where = f" in {self.index_dir}" if self.index_dir else ""
        lines = [
            f"{len(self.results)} questions ({self.queries} judged, {self.refused} refused) "
            f"on {self.documents} documents, stemmer {self.stemmer}{where}",
            "",
            "nDCG@10  MRR@10  R@10    R@100   p50 ms  p95 ms",
            "{:<8.4f} {:<7.4f} {:<7.4f} {:<7.4f} {:<7.2f} {:<7.2f}".format(
                *(figures[key] for key in JSON_KEYS if key != "queries")
            ),
        ]
        if self.worst_count:
            lines += ["", f"worst {self.worst_count} by nDCG@10 (rank of the answer; top 3):"]
            for row in self.worst(self.worst_count):
                at = row["rank"] if row["rank"] is not None else "-"
                lines.append(f"  {row['qid']}  rank {at}  {row['query']}")
                want, got = ", ".join(row["relevant"]), ", ".join(row["top3"])
                lines.append(f"      want {want}; got {got}")
        return "\n".join(lines)


def evaluate(
    index_dir: str | Path,
    queries: Sequence[EvalQuery],
    *,
    depth: int = DEPTH,
    synonyms: Synonyms = NO_SYNONYMS,
) -> EvalReport:
    """Run every question against the index in ``index_dir`` and score the rankings."""
    with open_reader(index_dir) as reader:
        # untimed: the ids the metrics read, which also warms the caches
        ranked = [_scored(reader, query.query, depth, synonyms) for query in queries]
        results = []
        for query, (ids, scores, refused) in zip(queries, ranked, strict=True):
            started = time.perf_counter()
            top_ids(reader, query.query, CUTOFF, synonyms)
            ms = (time.perf_counter() - started) * 1000
            results.append(QueryResult(query, tuple(ids), ms, refused, tuple(scores)))
        return EvalReport(results, Path(index_dir), reader.stemmer, reader.documents)


# --- Evaluation indexes, cached by what built them ------------------------------------------


def ensure_index(
    docs_paths: Sequence[str | Path],
    index_dir: str | Path | None = None,
    stemmer: str | None = None,
    *,
    procs: int = DEFAULT_PROCS,
) -> Path:
    """An index of the docs files, built once and reused while files, stemmer and code match.

    The index lives in ``<index_dir>/<key>`` (``index_dir`` defaults to ``./index-eval``), the
    key hashing the files' paths and the stemmer, so each corpus keeps its own cache. A marker
    file there records the files' sizes and modification times and a fingerprint of the
    analysis code; any difference rebuilds the index with ``index_articles(rebuild=True)``.
    """
    stemmer = stemmer or DEFAULT_STEMMER
    if stemmer not in STEMMERS:
        raise EvalError(f"unknown stemmer {stemmer!r}; choose from {', '.join(sorted(STEMMERS))}")
    if not docs_paths:
        raise EvalError("no docs files given")
    files = [Path(path).resolve() for path in docs_paths]
    marker = {"docs": [], "stemmer": stemmer, "code": _code_fingerprint()}
    for path in files:
        try:
            info = path.stat()
        except OSError as error:
            raise EvalError(f"cannot read {path}: {error.strerror or error}") from None
        marker["docs"].append([str(path), info.st_size, info.st_mtime_ns])
    key = hashlib.sha256(json.dumps([[str(f) for f in files], stemmer]).encode()).hexdigest()
    folder = Path(index_dir or CACHE_FOLDER) / key[:12]
    if _read_marker(folder) == marker and read_build_info(folder):
        log.info("reusing the evaluation index in %s", folder)
        return folder
    report = index_articles(
        folder, _articles(read_paths(files)), rebuild=True, stemmer=stemmer, procs=procs
    )
    log.info("indexed %d documents into %s in %.1f s", report.indexed, folder, report.seconds)
    (folder / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=1), "utf-8")
    return folder


def _articles(items: Iterable[Article | Rejected]) -> Iterable[Article]:
    """Skip rejected lines with a warning; an evaluation corpus should have none."""
    for item in items:
        if isinstance(item, Rejected):
            log.warning("skipped %s:%s: %s", item.path, item.line, item.reason)
        else:
            yield item


def _read_marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _code_fingerprint() -> str:
    """A hash of the modules and word lists that decide what the index holds."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ANALYSIS_SOURCES:
        path = package / name
        for source in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if source.is_file() and "__pycache__" not in source.parts:
                digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def run_eval(
    docs: Sequence[str | Path],
    queries: str | Path | Sequence[EvalQuery],
    index: str | Path | None = None,
    worst: int = 0,
    stemmer: str | None = None,
    synonyms: Synonyms | None = None,
) -> EvalReport:
    """`arabic-search eval`: index the docs (or reuse the cache), run the questions, score.
    ``queries`` is a JSON Lines file of judged questions, or questions already read
    (`load_trec`)."""
    questions = load_queries(queries) if isinstance(queries, str | Path) else list(queries)
    if not questions:
        raise EvalError(
            f"no questions in {queries if isinstance(queries, str | Path) else 'the topics'}"
        )
    folder = ensure_index(docs, index, stemmer)
    report = evaluate(folder, questions, synonyms=synonyms or NO_SYNONYMS)
    report.worst_count = worst
    return report


def run_precision(
    docs: Sequence[str | Path],
    words: int,
    index: str | Path | None = None,
    stemmer: str | None = None,
) -> PrecisionReport:
    """`arabic-search eval --precision N`: the top-10 precision of N frequent title words of
    the docs (`search.precision`), on the same cached index as the judged questions."""
    folder = ensure_index(docs, index, stemmer)
    titles = (item.title for item in read_paths(docs) if isinstance(item, Article))
    chosen = frequent_words(titles, count=words)
    if not chosen:
        raise EvalError("the docs have no title words to measure precision with")
    with open_reader(folder) as reader:
        return precision(reader, chosen)


__all__ = [
    "EvalError",
    "EvalQuery",
    "EvalReport",
    "QueryResult",
    "ensure_index",
    "evaluate",
    "load_queries",
    "load_trec",
    "ndcg",
    "percentile",
    "recall",
    "reciprocal_rank",
    "run_eval",
    "run_precision",
    "top_ids",
    "write_run",
]
