"""Relevance evaluation: the metrics against hand-computed rankings, then a tiny judged set."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from search.evaluate import (
    JSON_KEYS,
    EvalError,
    EvalQuery,
    EvalReport,
    QueryResult,
    ensure_index,
    evaluate,
    load_queries,
    ndcg,
    percentile,
    recall,
    reciprocal_rank,
    run_eval,
    top_ids,
)
from search.results import SearchRequest, search
from search.store import live_generation, open_reader


def report(*rankings: tuple[list[str], list[str]]) -> EvalReport:
    """A report over (ranking, relevant ids) pairs, without an index."""
    results = [
        QueryResult(EvalQuery(f"q{i}", "-", tuple(relevant)), tuple(ranked), 1.0)
        for i, (ranked, relevant) in enumerate(rankings)
    ]
    return EvalReport(results)


# --- Metrics ---------------------------------------------------------------------------------

# The benchmark's hand-computed example (../shared/bench/verify_metrics.py):
# q1: relevant {d1, d2, d9}; ranking d3 d1 d7 d2, 45 misses, d9 at rank 50.
#     DCG@10  = 1/log2(3) + 1/log2(5)            = 0.630930 + 0.430677 = 1.061606
#     IDCG@10 = 1 + 1/log2(3) + 1/log2(4)        = 2.130930
#     nDCG@10 = 1.061606 / 2.130930 = 0.498189; RR@10 = 1/2; R@10 = 2/3; R@100 = 3/3
# q2: relevant {x}; x at rank 11: nDCG@10 = RR@10 = R@10 = 0; R@100 = 1
# q3: relevant {y}; nothing returned: every metric 0
# means: nDCG@10 = 0.498189/3 = 0.166063, MRR@10 = 0.5/3 = 0.166667,
#        R@10 = (2/3)/3 = 0.222222, R@100 = 2/3 = 0.666667
Q1 = ["d3", "d1", "d7", "d2"] + [f"n{i}" for i in range(45)] + ["d9"]
Q1_RELEVANT = ["d1", "d2", "d9"]
Q2 = [f"m{i}" for i in range(10)] + ["x"]


def test_hand_computed_query_with_three_relevant_ids():
    relevant = set(Q1_RELEVANT)
    assert ndcg(Q1, relevant) == pytest.approx(0.498189, abs=1e-6)
    assert reciprocal_rank(Q1, relevant) == 0.5
    assert recall(Q1, relevant, 10) == pytest.approx(2 / 3)
    assert recall(Q1, relevant, 100) == 1.0


def test_hand_computed_means_over_three_queries():
    figures = report((Q1, Q1_RELEVANT), (Q2, ["x"]), ([], ["y"])).as_json()
    assert figures["ndcg@10"] == pytest.approx(0.1661, abs=1e-4)
    assert figures["mrr@10"] == pytest.approx(0.1667, abs=1e-4)
    assert figures["recall@10"] == pytest.approx(0.2222, abs=1e-4)
    assert figures["recall@100"] == pytest.approx(0.6667, abs=1e-4)
    assert figures["queries"] == 3


@pytest.mark.parametrize(
    "ranked, relevant, expected",
    [
        (["a"], {"a"}, (1.0, 1.0, 1.0, 1.0)),  # the answer first
        (["x", "a"], {"a"}, (1 / math.log2(3), 0.5, 1.0, 1.0)),  # second
        ([], {"a"}, (0.0, 0.0, 0.0, 0.0)),  # no results
        ([f"x{i}" for i in range(10)] + ["a"], {"a"}, (0.0, 0.0, 0.0, 1.0)),  # rank 11
        ([f"x{i}" for i in range(100)] + ["a"], {"a"}, (0.0, 0.0, 0.0, 0.0)),  # rank 101
        # both relevant ids on top: DCG = IDCG = 1 + 1/log2(3)
        (["a", "b", "x"], {"a", "b"}, (1.0, 1.0, 1.0, 1.0)),
        # ranks 2 and 3 of two: (1/log2(3) + 1/2) / (1 + 1/log2(3)) = 0.693426
        (["x", "a", "b"], {"a", "b"}, (0.693426, 0.5, 1.0, 1.0)),
        # one of two found: 1 / (1 + 1/log2(3)) = 0.613147
        (["a", "x"], {"a", "b"}, (0.613147, 1.0, 0.5, 0.5)),
        # a repeated id counts at its first rank only
        (["x", "x", "a"], {"a"}, (1 / math.log2(3), 0.5, 1.0, 1.0)),
    ],
)
def test_metrics_on_small_rankings(ranked, relevant, expected):
    got = (
        ndcg(ranked, relevant),
        reciprocal_rank(ranked, relevant),
        recall(ranked, relevant, 10),
        recall(ranked, relevant, 100),
    )
    assert got == pytest.approx(expected, abs=1e-6)


def test_more_than_ten_relevant_ids_cap_the_ideal_at_ten():
    relevant = {f"r{i}" for i in range(15)}
    ranked = sorted(relevant)
    assert ndcg(ranked, relevant) == pytest.approx(1.0)
    assert recall(ranked, relevant, 10) == pytest.approx(10 / 15)


def test_unjudged_queries_are_left_out_of_the_means():
    figures = report((["a"], ["a"]), (["b"], [])).as_json()
    assert figures["ndcg@10"] == 1.0
    assert figures["queries"] == 1


@pytest.mark.parametrize(
    "values, p, expected",
    [
        ([1, 2, 3, 4], 50, 2.5),  # position 1.5
        ([10, 20, 30, 40, 50], 95, 48.0),  # position 3.8: 40 + 0.8 * 10
        ([5.0], 95, 5.0),
        ([3, 1, 2], 0, 1),  # unsorted input
        ([3, 1, 2], 100, 3),
        ([], 50, 0.0),
    ],
)
def test_percentile_interpolates_like_numpy(values, p, expected):
    assert percentile(values, p) == pytest.approx(expected)


# --- Questions file --------------------------------------------------------------------------


def test_load_queries(tmp_path):
    path = tmp_path / "q.jsonl"
    lines = [
        {"qid": "a", "query": " متى؟ ", "relevant": ["d1", 2]},
        {"query": "   ", "relevant": ["d1"]},  # blank: skipped, as the benchmark does
        {"query": "كم", "answers": ["x"]},  # no qid: its position; no judgement
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", "utf-8")
    assert load_queries(path) == [
        EvalQuery("a", "متى؟", ("d1", "2")),
        EvalQuery("1", "كم", ()),
    ]


@pytest.mark.parametrize("line", ["{broken", '["a list"]', '{"query": "x", "relevant": "d1"}'])
def test_malformed_question_lines_name_the_line(tmp_path, line):
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "x"}\n' + line + "\n", "utf-8")
    with pytest.raises(EvalError, match=r"q\.jsonl:2"):
        load_queries(path)


# --- A tiny judged collection ----------------------------------------------------------------

DOCS = [
    ("nile", "النيل", "يمر نهر النيل بمصر والسودان، ويزرع الفلاحون القطن على ضفافه."),
    ("cup", "كأس العالم", "فاز المنتخب بكأس العالم لكرة القدم بعد مباراة نهائية صعبة."),
    ("moon", "رحلة أبولو", "هبط رواد الفضاء على القمر في رحلة أبولو، وعادوا إلى الأرض سالمين."),
    ("vaccine", "اللقاح", "طور الأطباء لقاحا جديدا ضد الإنفلونزا ووزعته المستشفيات."),
    ("bank", "البنك المركزي", "رفع البنك المركزي سعر الفائدة لمواجهة التضخم."),
    ("sultan", "الدولة العثمانية", "حكم السلطان الدولة العثمانية من إسطنبول قرونا."),
    # short and full of the word, so it outranks "moon" for القمر
    ("tides", "المد والجزر", "القمر يجذب البحر، والقمر يصنع المد، والقمر يصنع الجزر."),
]
QUESTIONS = [
    {"qid": "q1", "query": "أين يزرع القطن؟", "relevant": ["nile"]},
    {"qid": "q2", "query": "من فاز بكأس العالم؟", "relevant": ["cup"]},
    {"qid": "q3", "query": "متى رفع البنك المركزي الفائدة؟", "relevant": ["bank"]},
    {"qid": "q4", "query": "القمر", "relevant": ["moon"]},  # ranks 2nd, after "tides"
    {"qid": "q5", "query": "البطريق", "relevant": ["sultan"]},  # in no document
    {"qid": "q6", "query": "-القمر", "relevant": ["moon"]},  # refused: only an exclusion
]
# q1-q3 rank first (1.0 each), q4 second (nDCG 1/log2(3), RR 1/2), q5 and q6 find nothing:
# nDCG@10 = (3 + 0.630930) / 6 = 0.605155, MRR@10 = 3.5 / 6 = 0.583333,
# Recall@10 = Recall@100 = 4 / 6 = 0.666667
EXPECTED = {"ndcg@10": 0.6052, "mrr@10": 0.5833, "recall@10": 0.6667, "recall@100": 0.6667}


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("collection")
    docs = folder / "docs.jsonl"
    rows = [{"id": i, "title": t, "body": b} for i, t, b in DOCS]
    docs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    queries = folder / "queries.jsonl"
    lines = [json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS]
    queries.write_text("".join(lines), "utf-8")
    return docs, queries


@pytest.fixture(scope="module")
def evaluated(collection, tmp_path_factory) -> EvalReport:
    docs, queries = collection
    return run_eval([docs], queries, index=tmp_path_factory.mktemp("cache"), worst=2)


def test_run_eval_figures(evaluated):
    figures = evaluated.as_json()
    assert list(figures) == list(JSON_KEYS)
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    assert figures["queries"] == 6
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert evaluated.documents == len(DOCS)
    assert evaluated.refused == 1


def test_ranks_of_each_question(evaluated):
    ranks = {r.query.qid: r.first_relevant for r in evaluated.results}
    assert ranks == {"q1": 1, "q2": 1, "q3": 1, "q4": 2, "q5": None, "q6": None}
    assert evaluated.results[3].ranked[:2] == ("tides", "moon")


def test_worst_questions_and_text(evaluated):
    worst = evaluated.worst(3)
    assert [row["qid"] for row in worst] == ["q5", "q6", "q4"]
    assert worst[2] == {
        "qid": "q4",
        "query": "القمر",
        "rank": 2,
        "top3": ["tides", "moon"],
        "relevant": ["moon"],
    }
    text = evaluated.as_text()
    assert "0.6052" in text and "worst 2 by nDCG@10" in text
    assert "q5  rank -  البطريق" in text and "q4" not in text


def test_top_ids_follow_the_api(evaluated):
    with open_reader(evaluated.index_dir) as reader:
        for question in QUESTIONS[:5]:
            body = search(reader, SearchRequest(question["query"]))
            api = [hit["id"] for hit in body["results"]]
            assert top_ids(reader, question["query"], 10) == api


def test_index_is_reused_until_a_docs_file_changes(collection, tmp_path):
    docs, queries = collection
    copy = tmp_path / "docs.jsonl"
    copy.write_bytes(docs.read_bytes())
    folder = ensure_index([copy], tmp_path / "cache")
    built = live_generation(folder)
    assert ensure_index([copy], tmp_path / "cache") == folder
    assert live_generation(folder) == built  # reused, not rebuilt
    with copy.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "extra", "body": "البطريق طائر لا يطير."}) + "\n")
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert ensure_index([copy], tmp_path / "cache") == folder
    assert live_generation(folder) != built
    report = evaluate(folder, load_queries(queries))
    assert report.documents == len(DOCS) + 1


def test_each_stemmer_gets_its_own_index(collection, tmp_path):
    docs, _ = collection
    light = ensure_index([docs], tmp_path, "light")
    snowball = ensure_index([docs], tmp_path, "snowball")
    assert light != snowball
    assert evaluate(snowball, [EvalQuery("q", "القطن", ("nile",))]).stemmer == "snowball"


@pytest.mark.parametrize(
    "docs, stemmer, message",
    [
        (["missing.jsonl"], None, "cannot read"),
        ([], None, "no docs files"),
        (["docs.jsonl"], "porter", "unknown stemmer"),
    ],
)
def test_ensure_index_refuses_bad_input(collection, tmp_path, docs, stemmer, message):
    folder = collection[0].parent
    with pytest.raises(EvalError, match=message):
        ensure_index([folder / d for d in docs], tmp_path, stemmer)
