"""Bulk builds write the same index as Whoosh's own writer, on one core or several."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import OrderedHashReader

from search.analysis import DEFAULT_STEMMER
from search.documents import Article, read_paths
from search.results import SearchRequest, search
from search.store import bulk, index_articles, live_generation, open_reader
from search.store.bulk_text import Lexicon, analyse, stable_argsort
from search.store.codec import DELTAS8, DELTAS16, PLAIN, ZLIB, TermTable
from search.store.schema import article_fields, make_schema
from search.store.spans import (
    SPAN_CHARS,
    decode_spans,
    document_spans,
    encode_many_spans,
    text_spans,
)

from .conftest import SEEDS, write_seed_corpus

SEED_ARTICLES = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]


def _whoosh_built(folder: Path, documents: list[dict]):
    """Whoosh's own writer, given each document's token offsets as the store's writer gives
    them (`whoosh_document`)."""
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer()
    for fields in documents:
        writer.add_document(**fields, spans=document_spans(fields, DEFAULT_STEMMER))
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _bulk_built(folder: Path, documents: list[dict], procs: int = 1):
    ix = whoosh_index.create_in(str(folder), make_schema())
    assert bulk.build(ix, iter(documents), procs=procs) == len(documents)
    return whoosh_index.open_dir(str(folder))


def _contents(ix) -> dict:
    """Everything a reader can see, keyed by article id rather than document number."""
    reader = ix.reader()
    ids = {n: reader.stored_fields(n)["id"] for n in range(reader.doc_count_all())}
    postings = {}
    for field, term in reader.all_terms():
        matcher = reader.postings(field, term)
        found = []
        while matcher.is_active():
            found.append((ids[matcher.id()], matcher.weight(), matcher.value() or b""))
            matcher.next()
        info = reader.term_info(field, term)
        stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
        postings[field, term] = (sorted(found), stats)
    by_id = {ids[n]: n for n in ids}
    documents = {
        doc_id: (
            reader.stored_fields(n),
            {f: reader.doc_field_length(n, f) for f in reader.schema.scorable_names()},
        )
        for doc_id, n in by_id.items()
    }
    columns = {f: sorted(map(str, reader.column_reader(f))) for f in ("source", "day", "year")}
    # the bulk writer fingerprints a batch at once, Whoosh's writer each article alone
    fingerprints = reader.column_reader("fingerprint")
    columns["fingerprint"] = {ids[n]: fingerprints[n] for n in range(reader.doc_count_all())}
    lengths = {f: reader.field_length(f) for f in reader.schema.scorable_names()}
    return {"postings": postings, "documents": documents, "columns": columns, "lengths": lengths}


def _numbered(count: int) -> list[dict]:
    """``count`` articles cycling through the seeds, each under an id of its own."""
    documents = []
    for i in range(count):
        fields = article_fields(SEED_ARTICLES[i % len(SEED_ARTICLES)])
        documents.append({**fields, "id": f"copy-{i:04d}"})
    return documents


def test_a_bulk_build_writes_what_whoosh_writes(tmp_path):
    documents = [article_fields(article) for article in SEED_ARTICLES]
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "whoosh", documents))
    built = _contents(_bulk_built(tmp_path / "bulk", documents))
    assert built["postings"].keys() == expected["postings"].keys()
    roots = {term.decode() for field, term in built["postings"] if field == "body_root"}
    assert {"كتب", "دفع", "حلف"} <= roots  # the root fields are there, and the same
    assert built == expected


def test_a_parallel_build_writes_the_same_index_in_one_segment_per_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 4)
    documents = _numbered(30)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "one", documents))
    ix = _bulk_built(tmp_path / "two", documents, procs=2)
    assert len(ix._segments()) == 2
    built = _contents(ix)
    # Term statistics are per segment, so only the postings and documents must agree.
    assert {k: v[0] for k, v in built["postings"].items()} == {
        k: v[0] for k, v in expected["postings"].items()
    }
    assert built["documents"] == expected["documents"]
    assert built["columns"] == expected["columns"]
    assert built["lengths"] == expected["lengths"]


def test_a_parallel_build_ranks_as_a_single_process_build(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 3)
    articles = [
        Article(id=f"copy-{i:02d}", title=a.title, body=a.body)
        for i, a in enumerate(SEED_ARTICLES * 4)
    ]
    results, fingerprints = {}, {}
    for procs in (1, 2):
        folder = tmp_path / f"procs-{procs}"
        index_articles(folder, articles, procs=procs)
        with open_reader(folder) as reader:
            request = SearchRequest.from_args(
                {"q": "بلينكن سيول", "per_page": "20", "collapse": "false"}
            )
            found = search(reader, request)
            numbers = [reader.document_number(a.id) for a in articles]
            fingerprints[procs] = reader.fingerprints()[numbers]
        results[procs] = [(hit["score"], hit["id"]) for hit in found["results"]]
    # The workers fingerprint each article as the parent would (copies of a story, issue 17).
    assert (fingerprints[1] == fingerprints[2]).all() and fingerprints[1].any(axis=1).all()
    assert len(results[1]) == 16  # the four seeds that name either, four times each
    # Equal scores may come in another order: document numbers differ between the builds.
    assert sorted(results[1]) == sorted(results[2])
    assert [score for score, _ in results[1]] == [score for score, _ in results[2]]


def test_every_worker_is_told_the_stream_ended_before_any_answer_is_awaited(tmp_path, monkeypatch):
    """A worker writes its last segment when its input ends; told one after the other, the
    second wrote only after the first had answered, and a two-core build ran its longest
    step on one core (70k articles: 62 s against 49 s)."""
    events: list[str] = []

    class Pipe:
        def __init__(self, name: str) -> None:
            self.name = name

        def write(self, data: bytes) -> None:
            events.append(f"send {self.name}")

        def close(self) -> None:
            events.append(f"close {self.name}")

        def read(self) -> bytes:
            events.append(f"read {self.name}")
            return pickle.dumps([])

    class Worker:
        count = 0

        def __init__(self, command, **options) -> None:
            name, Worker.count = str(Worker.count), Worker.count + 1
            self.stdin, self.stdout, self.returncode = Pipe(name), Pipe(name), 0

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(bulk.subprocess, "Popen", Worker)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 4)
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    assert bulk._build_parallel(ix, iter(_numbered(12)), procs=3) == []
    assert events[:3] == ["send 0", "send 1", "send 2"]
    assert sorted(events[3:6]) == ["close 0", "close 1", "close 2"]
    assert events[6] == "read 0"


def test_a_failing_worker_fails_the_build_and_commits_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 10)
    monkeypatch.setattr(bulk, "BATCH_DOCS", 4)
    documents = _numbered(20)
    documents[13]["day"] = "not a number"  # a value the worker's NUMERIC field refuses
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    with pytest.raises(bulk.WorkerFailed, match="exit code 1"):
        bulk.build(ix, iter(documents), procs=2)
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0


def test_terms_of_several_blocks_write_what_whoosh_writes(tmp_path):
    # 300 copies of the seeds: their common words have 300 postings, three blocks of 128.
    documents = _numbered(300)
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "whoosh", documents))
    built = _contents(_bulk_built(tmp_path / "bulk", documents))
    assert max(stats[1] for _, stats in built["postings"].values()) == 300
    assert built == expected


def _packings(ix, field: str) -> set[int]:
    """How the blocks of a Positions field's terms pack their positions."""
    found = set()
    with ix.reader() as reader:
        for term in reader.lexicon(field):
            matcher = reader.postings(field, term)
            while hasattr(matcher, "_block_bytes") and matcher.is_active():
                found.add(matcher._block_bytes()[4])
                matcher._next_block()
    return found


def test_positions_of_any_distance_write_what_whoosh_writes(tmp_path):
    """Blocks pack positions as deltas of one byte or two, and as int32 (through zlib when
    long) where a word recurs more than 65,535 tokens later: here two words a body opens
    with (one of them 30 times) and closes with, the seeds 25 times between."""
    documents = _numbered(300)
    seeds = " ".join(article.body for article in SEED_ARTICLES * 25)
    body = f"نرجس {'زنبق ' * 30}{seeds} زنبق نرجس"
    documents[7] = {**documents[7], "body": body}
    documents[8] = {**documents[8], "body": "زنبق نرجس"}  # two postings: a block, not inline
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = _contents(_whoosh_built(tmp_path / "whoosh", documents))
    ix = _bulk_built(tmp_path / "bulk", documents)
    built = _contents(ix)
    assert built["documents"]["copy-0007"][1]["body"] > 65_536
    assert _packings(ix, "body") | _packings(ix, "body_exact") == {DELTAS8, DELTAS16, PLAIN, ZLIB}
    assert built == expected


def _chain_readings(text: str) -> tuple[dict[str, list[int]], dict[str, int], dict]:
    """What Whoosh's own analyzers make of a text: exact forms' positions, stems' counts,
    roots' positions."""
    schema = make_schema()
    stems, roots = {}, {}
    for token in schema["body"].analyzer(text):
        stems[token.text] = stems.get(token.text, 0) + 1
    for token in schema["body_root"].analyzer(text, positions=True):
        roots.setdefault(token.text, []).append(token.pos)
    exact = {}
    for token in schema["body_exact"].analyzer(text, positions=True):
        exact.setdefault(token.text, []).append(token.pos)
    return exact, stems, roots


def test_token_readings_follow_the_analyzer_chain():
    text = "وقال الرَّئِيسُ في ﷺ لكوريا والطالبات F-16 ٢٠٢٤ الكاتب مكتوبة"
    readings = bulk.text_postings(text, "light+snowball")
    assert readings == _chain_readings(text)
    assert len(readings[2]["كتب"]) == 2  # الكاتب and مكتوبة share their root


# Pieces of text the folds treat differently: letters and their variant spellings, marks,
# tatweel, joiners and bidi marks inside words, presentation forms and ligatures NFKC spells
# as one or several words, stop words, digits of three scripts, Latin compounds, punctuation.
PIECES = [
    *"ابتجدرسعفقكلمنهوي",
    *"أإآٱءؤئىة",
    *"کیگپچڤ",
    *(chr(c) for c in range(0x064B, 0x0653)),
    "\u0670",
    "ـ",
    "\u200c",
    "\u200f",
    "\u061c",
    "ﷺ",
    "ﻷ",
    "ﷲ",
    "ﺍﻟﺴﻼﻡ",
    "ﷻ",
    "في",
    "من",
    "الله",
    "والطالبات",
    "لكوريا",
    "مكتوبة",
    "الكُتّاب",
    "أطفال",
    *"0159٠٣٩۱۴",
    "F-16",
    "COVID-19",
    "Élan",
    "-",
    "_",
    " ",
    " ",
    "\n",
    "،",
    ".",
    "؟",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, database=None)
@given(TEXTS)
def test_the_bulk_reading_of_any_text_is_the_analyzer_chains(text):
    assert bulk.text_postings(text, "light+snowball") == _chain_readings(text)


def _groups(grouped, number: int) -> list[tuple]:
    """Text ``number``'s groups of a `Grouped`: (term, count, positions or None)."""
    ends = np.cumsum(grouped.count)
    found = []
    for g in np.flatnonzero(grouped.text == number).tolist():
        positions = grouped.positions
        at = None if positions is None else positions[ends[g] - grouped.count[g] : ends[g]]
        found.append(
            (int(grouped.term[g]), int(grouped.count[g]), None if at is None else list(at))
        )
    return found


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_a_batch_reads_each_text_as_it_reads_the_text_alone(texts):
    lexicon = Lexicon("light+snowball")
    together = analyse(lexicon, texts)
    for number, text in enumerate(texts):
        alone = analyse(lexicon, [text])
        for kind in ("exact", "stems", "roots"):
            grouped, single = getattr(together, kind), getattr(alone, kind)
            assert _groups(grouped, number) == _groups(single, 0)
            assert grouped.lengths[number] == single.lengths[0]


@given(
    st.lists(st.integers(0, 2**62), max_size=300),
    st.sampled_from([1, 3, 2**16, 2**16 + 7, 2**33, 2**62]),
)
def test_the_radix_sort_orders_postings_as_a_stable_sort(values, bound):
    """Every digit pass keeps equal keys in order: a term's postings stay in document order,
    whatever the width of the keys (one, two or four 16-bit digits)."""
    keys = np.array(values, dtype=np.int64) % bound
    assert stable_argsort(keys).tolist() == np.argsort(keys, kind="stable").tolist()


def test_the_term_table_finds_every_key_whoosh_reads():
    # Enough keys that some of the 256 hash tables have a run of slots wrapping round the
    # end (the loop branch) and most do not (the numpy branch).
    storage = RamStorage()
    table = TermTable(storage.create_file("t"))
    keys = [f"{i:07d}".encode() for i in range(20_000)]
    table.add(keys[0], b"first")  # whoosh's own add, then many rows at once
    table.add_many(keys[1:], [key[::-1] for key in keys[1:]])
    table.close()
    reader = OrderedHashReader(storage.open_file("t"))
    assert reader.get(keys[0]) == b"first"
    assert all(reader.get(key) == key[::-1] for key in keys[1:])
    assert reader.get(b"missing") is None
    assert list(reader.keys()) == keys
    assert reader.closest_key(b"0012345x") == b"0012346"


def _bulk_workers(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"search.store.bulk_worker" in command and any(
                str(folder).encode() in c for c in command
            ):
                found.append(int(entry.name))
    return found


def test_workers_die_with_a_killed_build(tmp_path):
    folder = tmp_path / "index"
    index_articles(folder, SEED_ARTICLES)
    live = live_generation(folder)
    corpus = tmp_path / "big.jsonl"
    write_seed_corpus(corpus, 6_000, "copy")
    command = [sys.executable, "-m", "search", "index", str(corpus), "--index", str(folder)]
    process = subprocess.Popen([*command, "--rebuild", "--quiet", "--procs", "2"])
    try:
        deadline = time.monotonic() + 60
        while not _bulk_workers(folder):
            assert process.poll() is None, "the build ended before its workers were seen"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _bulk_workers(folder):
        assert time.monotonic() < deadline, "a build worker outlived its parent"
        time.sleep(0.05)
    assert live_generation(folder) == live
    report = index_articles(folder, SEED_ARTICLES, rebuild=True, lock_timeout=5)
    assert report.indexed == 5


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_a_batch_stores_the_token_offsets_the_writer_stores(texts):
    """The offsets a bulk batch stores for each text are those Whoosh's writer path stores
    (`text_spans`): every token at its offsets, a token of no word (a lone haraka) marked."""
    tables = encode_many_spans(*analyse(Lexicon("light+snowball"), texts).tokens)
    for number, text in enumerate(texts):
        assert tables[number] == text_spans(text, "light+snowball")
        starts, ends = decode_spans(text_spans(text, "light+snowball"))
        analyzer = make_schema()["body_exact"].analyzer
        words = [(t.startchar, t.endchar) for t in analyzer(text, chars=True)]
        assert sorted(set(words)) == [
            (s, e) for s, e in zip(starts.tolist(), ends.tolist(), strict=True) if e > s
        ]


def test_token_offsets_stop_at_the_snippet_window():
    text = ("كلمة " * 12_000).strip()  # 59,999 characters
    starts, ends = decode_spans(text_spans(text, "light+snowball"))
    assert ends[-1] <= SPAN_CHARS < ends[-1] + 5
    assert starts.size == SPAN_CHARS // 5
    assert text[starts[-1] : ends[-1]] == "كلمة"
