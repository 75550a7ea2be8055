"""Evaluation in the field's formats: TREC topics and qrels in, a TREC run out, read back
and scored to the same figures `eval` reports (as trec_eval or ir-measures would)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from search.cli import main
from search.evaluate import EvalError, load_trec, ndcg

from .conftest import SEEDS


def test_topics_and_qrels_in_a_run_out(tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tبيونج يانج\nq2\tأوستن سيول\nq3\tكلمة لا توجد\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text(
        "q1 0 004_349d150d1a2d97aa 1\nq1 0 000_02ae32e1ae9663b9 0\nq2 0 000_02ae32e1ae9663b9 2\n",
        encoding="utf-8",
    )
    run_file = tmp_path / "run.txt"
    args = ["eval", "--docs", str(SEEDS), "--topics", str(topics), "--qrels", str(qrels)]
    args += ["--index", str(tmp_path / "ix"), "--run", str(run_file), "--run-tag", "mine"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["queries"] == 2  # q3 has no judgement
    lines = [line.split() for line in run_file.read_text("utf-8").splitlines()]
    assert all(len(fields) == 6 and fields[1] == "Q0" and fields[5] == "mine" for fields in lines)
    ranked: dict[str, list[tuple[int, float, str]]] = {}
    for qid, _, doc, rank, score, _ in lines:
        ranked.setdefault(qid, []).append((int(rank), float(score), doc))
    for rows in ranked.values():
        assert [rank for rank, _, _ in rows] == list(range(1, len(rows) + 1))
        assert [score for _, score, _ in rows] == sorted((s for _, s, _ in rows), reverse=True)
    relevant = {"q1": {"004_349d150d1a2d97aa"}, "q2": {"000_02ae32e1ae9663b9"}}
    read_back = [ndcg([doc for _, _, doc in ranked[q]], relevant[q]) for q in ("q1", "q2")]
    assert sum(read_back) / 2 == pytest.approx(figures["ndcg@10"], abs=1e-4)


def test_malformed_trec_files_name_the_line(tmp_path):
    topics = tmp_path / "t.tsv"
    topics.write_text("q1 no tab here\n", encoding="utf-8")
    qrels = tmp_path / "q.txt"
    qrels.write_text("q1 0 doc\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"q.txt:1: expected 'qid iteration docid relevance'"):
        load_trec(topics, qrels)
    qrels.write_text("q1 0 doc 1\n", encoding="utf-8")
    with pytest.raises(EvalError, match=r"t.tsv:1: expected 'qid<TAB>query'"):
        load_trec(topics, qrels)
    refused = CliRunner().invoke(main, ["eval", "--docs", str(SEEDS), "--topics", str(topics)])
    assert refused.exit_code == 2 and "--topics and --qrels go together" in refused.output
