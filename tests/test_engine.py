"""The store's array readers and the engine's phrases agree with Whoosh's own matchers
(the independent reference: tests may use Whoosh, the layers above the store may not)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh import query as wq

from search.analysis import words as analysed
from search.documents import Article, read_paths
from search.query import nodes
from search.query.engine import Engine, Matches, top
from search.store import index_articles, live_generation, open_reader
from search.store.codec import matcher_occurrences

from .conftest import SEEDS


def test_positions_read_by_block_equal_whoosh_skip_to(tmp_path):
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    copies = [Article(id=f"copy-{i}", title=a.title, body=a.body) for i, a in enumerate(seeds * 80)]
    index_articles(tmp_path, copies, procs=1)
    with whoosh_index.open_dir(str(live_generation(tmp_path))).searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("body_exact", "كوريا") > 128  # more than one block
        rng = np.random.default_rng(7)
        for size in (1, 5, 60, 400):
            wanted = np.sort(rng.choice(reader.doc_count_all(), size=size, replace=False))
            expected = {}
            matcher = reader.postings("body_exact", "كوريا")
            for docnum in wanted.tolist():
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    expected[docnum] = matcher.value_as("positions")
            docs, positions = matcher_occurrences(reader.postings("body_exact", "كوريا"), wanted)
            found: dict[int, list[int]] = {}
            for docnum, position in zip(docs.tolist(), positions.tolist(), strict=True):
                found.setdefault(docnum, []).append(position)
            assert found == expected
            assert expected  # the sample holds the word somewhere


def test_phrases_on_positions_match_what_whoosh_matches(tmp_path):
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    index_articles(tmp_path, seeds, procs=1)
    ix = whoosh_index.open_dir(str(live_generation(tmp_path)))
    with ix.searcher() as searcher, open_reader(tmp_path) as reader:
        body = reader.stored(0)["body"]
        engine = Engine(reader)
        sequence = [w.exact for w in analysed(body)]
        phrases = [sequence[i : i + n] for n in (2, 3, 4) for i in range(0, 60, 7)]
        phrases += [[sequence[0], sequence[0]], [sequence[3], sequence[1]], ["في", "في"]]
        matched = 0
        for phrase in phrases:
            expected = np.zeros(reader.size, dtype=bool)
            matcher = wq.Phrase("body_exact", phrase).matcher(searcher)
            while matcher.is_active():
                expected[matcher.id()] = True
                matcher.next()
            phrase_node = nodes.Phrase("body_exact", tuple(phrase))
            found = engine.evaluate(phrase_node)
            assert np.array_equal(engine.mask(phrase_node), expected), phrase
            assert np.all(found.scores[found.mask] > 0)
            matched += int(expected.any())
        assert matched >= len(phrases) - 3  # most are real phrases of the first article


def test_a_union_summed_over_every_document_equals_the_aligned_sum(seed_index, monkeypatch):
    """Large unions are summed into arrays over the index (`Engine._dense_union`), smaller
    ones on their aligned lists: the same documents, scores to the bit and matches."""
    from search.query import engine as engine_module
    from search.query import rank

    queries = [
        "كوريا OR الشمالية",
        "الصحة OR العالمية OR كورونا",
        "بيونغ OR يانغ OR صاروخ OR الرئيس",
        "title:كوريا OR مصر OR (الحكومة الوزراء)",
    ]
    dense = []
    real = engine_module.Engine._dense_union
    monkeypatch.setattr(
        engine_module.Engine, "_dense_union", lambda self, c: dense.append(1) or real(self, c)
    )
    found = {}
    with open_reader(seed_index) as reader:
        for share in (0.0, 10.0):  # every union dense, then none
            monkeypatch.setattr(engine_module, "DENSE_UNION_SHARE", share)
            monkeypatch.setattr(engine_module, "SMALL_LISTS_SHARE", 10**9 if share == 0 else 8)
            rankings = [rank(reader, query, limit=20) for query in queries]
            found[share] = [
                (
                    r.documents.tolist(),
                    r.matches.ids.tolist(),
                    r.matches.scores.tolist(),
                    r.matches.mask.tolist(),
                )
                for r in rankings
            ]
    assert found[0.0] == found[10.0]
    assert all(documents for documents, *_ in found[0.0])
    assert len(dense) >= len(queries)  # the first pass summed every union densely

    # children that score documents they do not match (an AllOf's), made by hand
    from search.query.engine import Matches, engine_for

    with open_reader(seed_index) as reader:
        engine, rng = engine_for(reader), np.random.default_rng(3)
        children = []
        for _ in range(4):
            ids = np.sort(rng.choice(reader.size, size=reader.size // 2, replace=False))
            scores = rng.random(ids.size, dtype=np.float32)
            children.append(Matches(ids, scores, rng.random(ids.size) < 0.5))
        summed = {}
        for share in (0.0, 10.0):
            monkeypatch.setattr(engine_module, "DENSE_UNION_SHARE", share)
            union = engine._union(children, 2.0)
            summed[share] = (union.ids.tolist(), union.scores.tolist(), union.mask.tolist())
        assert summed[0.0] == summed[10.0]
        assert 0 < sum(summed[0.0][2]) < len(summed[0.0][2])


def test_proximity_finds_the_pairs_a_scan_of_every_position_finds(seed_index):
    """A pair is near in a document when the second word follows the first within slop + 1
    positions: `Engine.proximity` against every pair of positions compared one by one."""
    from search.query.engine import engine_for

    field = "body_exact"
    words = ["كوريا", "الشمالية", "الجنوبية", "الولايات", "المتحدة", "في", "من", "الصحة"]
    pairs = [(a, b) for a in words for b in words if a != b]
    with open_reader(seed_index) as reader:
        engine = engine_for(reader)
        documents = np.arange(reader.size, dtype=np.int64)
        every = {w: reader.occurrences(field, w, documents) for w in words}
        for slop in (0, 1, 3):
            expected = np.zeros(reader.size, dtype=np.float32)
            for first, second in pairs:
                near = set()
                for doc, position in zip(*(a.tolist() for a in every[first]), strict=True):
                    docs, positions = every[second]
                    later = positions[docs == doc] - position
                    if ((later >= 1) & (later <= slop + 1)).any():
                        near.add(doc)
                weight = (engine.idf(field, first) + engine.idf(field, second)) / 2
                expected[sorted(near)] += weight
            found = engine.proximity(documents, field, pairs, slop)
            assert found.tolist() == expected.tolist()
            assert (found > 0).sum() >= 3


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(0, 6000),
    st.integers(1, 8),
    st.integers(0, 2**32 - 1),
)
def test_the_best_matches_are_the_highest_scores_then_the_lowest_documents(
    limit, size, levels, seed
):
    """top() keeps what a full sort by (score descending, document ascending) keeps, also
    past the size where the floor of the best is looked for in a sample, and whatever the
    ties at the last place kept (few distinct scores make many)."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(10 * size + 10, size=size, replace=False)).astype(np.int64)
    scores = (rng.integers(0, levels, size) * 1.5).astype(np.float32)
    mask = rng.random(size) < 0.9
    found = top(Matches(ids, scores, mask), limit).tolist()
    candidates, kept = ids[mask], scores[mask]
    assert found == candidates[np.lexsort((candidates, -kept))][:limit].tolist()


def test_pages_of_tied_matches_neither_repeat_nor_skip_a_document():
    """Equal scores are ordered by document, so page two starts where page one ended."""
    ids = np.arange(0, 20_000, 2, dtype=np.int64)
    scores = np.where(ids % 7 == 0, 2.0, 1.0).astype(np.float32)
    matches = Matches(ids, scores, np.ones(ids.size, dtype=bool))
    first, second = top(matches, 10).tolist(), top(matches, 20).tolist()[10:]
    assert first == list(range(0, 140, 14))[:10]
    assert second == list(range(140, 280, 14))
    assert set(first).isdisjoint(second)


@pytest.fixture(scope="module")
def copies_reader(tmp_path_factory):
    """A reader of 1,500 articles (the seeds again and again under new ids): room for the
    merges' lists to be sparse or dense in the index."""
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    copies = [
        Article(id=f"copy-{i}", title=a.title, body=a.body) for i, a in enumerate(seeds * 300)
    ]
    folder = tmp_path_factory.mktemp("copies")
    index_articles(folder, copies, procs=1)
    with open_reader(folder) as reader:
        yield reader


def _random_matches(rng, size: int, share: float, levels: int, unmatched: float) -> Matches:
    ids = np.flatnonzero(rng.random(size) < share).astype(np.int64)
    scores = (rng.integers(0, levels, ids.size) * 0.75 + 0.25).astype(np.float32)
    return Matches(ids, scores, rng.random(ids.size) >= unmatched)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 6),
    st.sampled_from([0.0, 0.01, 0.05, 0.3, 0.9]),
    st.integers(1, 6),
    st.sampled_from([0.0, 0.2]),
)
def test_the_compiled_merges_are_numpys(copies_reader, seed, readings, share, levels, unmatched):
    """`_merge.merge_readings` and `_merge.sum_dense` (built at install) give what the numpy
    merges give, to the bit: the same documents, scores and matches, for lists sparse or
    dense in the index, tied scores, and documents scored but not matched; and they leave
    their scratch arrays cleared."""
    from search.query import engine as engine_module
    from search.query.engine import _lists, engine_for

    assert engine_module.merge_readings is not None and engine_module.sum_dense is not None
    engine, rng = engine_for(copies_reader), np.random.default_rng(seed)
    size = copies_reader.size
    typed = _random_matches(rng, size, share, levels, unmatched)
    others = [
        _random_matches(rng, size, rng.choice([0.002, 0.02, share]), levels, unmatched)
        for _ in range(readings)
    ]
    flags, values = engine._kernel_scratch()
    ids, scores, mask = engine_module.merge_readings(
        *_lists(typed),
        [_lists(other) for other in others],
        engine_module.TYPED_FIRST_DEPTH,
        engine_module.TYPED_FIRST,
        flags,
        values,
    )
    expected = engine._merged_readings(typed, others)
    assert ids.tolist() == expected.ids.tolist()
    assert scores.tolist() == expected.scores.tolist()
    assert mask.tolist() == expected.mask.tolist()
    children = [typed, *others]
    summed = engine_module.sum_dense([_lists(child) for child in children], flags, values)
    expected_sums = engine._summed_dense(children)
    for found, wanted in zip(summed, expected_sums, strict=True):
        assert found.tolist() == wanted.tolist()
    assert not flags.any() and not values.any()


def test_the_compiled_merges_refuse_lists_outside_the_index(copies_reader):
    """A list whose ids pass the index's end, or whose parts differ in length, is refused
    before the scratch arrays are written: the next query finds them cleared."""
    from search.query import engine as engine_module
    from search.query.engine import _lists, engine_for

    engine = engine_for(copies_reader)
    flags, values = engine._kernel_scratch()
    good = Matches(np.arange(5, dtype=np.int64), np.ones(5, dtype=np.float32), np.ones(5, bool))
    beyond = Matches(np.array([3, copies_reader.size]), np.ones(2, np.float32), np.ones(2, bool))
    short = Matches(np.arange(4, dtype=np.int64), np.ones(3, np.float32), np.ones(4, bool))
    for bad in (beyond, short):
        with pytest.raises(ValueError, match="a list's"):
            engine_module.merge_readings(*_lists(good), [_lists(bad)], 10, 0.99, flags, values)
        with pytest.raises(ValueError, match="a list's"):
            engine_module.sum_dense([_lists(good), _lists(bad)], flags, values)
        assert not flags.any() and not values.any()


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 4),
    st.sampled_from([0.0005, 0.01, 0.2, 0.9]),
    st.sampled_from([0.0, 0.3]),
)
def test_a_terms_compiled_scores_are_numpys(copies_reader, seed, fields, share, deleted):
    """`_merge.fielded_scores` gives a term's BM25F scores over one to four fields as the
    numpy arithmetic does, to the bit: the same documents (int32) and scores, for fields
    sparse or dense in the index, overlapping or not, and with documents deleted (they
    count in no idf)."""
    from search.query import engine as engine_module
    from search.query.engine import engine_for

    assert engine_module.fielded_scores is not None
    engine, rng = engine_for(copies_reader), np.random.default_rng(seed)
    size = copies_reader.size
    live = rng.random(size) >= deleted
    parts = []
    for _ in range(fields):
        ids = np.flatnonzero(rng.random(size) < share).astype(np.int64)
        tf = rng.integers(1, 9, ids.size).astype(np.float32)
        lengths = rng.integers(1, 400, size).astype(np.float32)
        parts.append((ids, tf, lengths, float(lengths.mean()), float(rng.choice([0.5, 1.0, 2.5]))))
    engine.live = live
    try:
        ids, scores = engine_module.fielded_scores(
            parts, live.view(np.uint8), int(live.sum()), engine.bm25.k1, engine.bm25.b
        )
        engine.documents = int(live.sum())
        expected_ids, expected = engine._fielded_numpy(parts)
    finally:
        engine.live, engine.documents = copies_reader.live, copies_reader.documents
    assert ids.dtype == expected_ids.dtype == np.int32
    assert ids.tolist() == expected_ids.tolist()
    assert scores.tobytes() == expected.tobytes()


def test_a_terms_compiled_scores_refuse_fields_outside_the_index(copies_reader):
    """Ids past the index's end, lengths that do not cover it, or frequencies of another
    length are refused, as is a term of no field."""
    from search.query import engine as engine_module

    size = copies_reader.size
    live = np.ones(size, dtype=np.uint8)
    lengths = np.ones(size, dtype=np.float32)
    ids, tf = np.array([0, 2], dtype=np.int64), np.ones(2, dtype=np.float32)
    bad = [
        (np.array([0, size], dtype=np.int64), tf, lengths, 1.0, 1.0),
        (ids, np.ones(3, dtype=np.float32), lengths, 1.0, 1.0),
        (ids, tf, lengths[:-1], 1.0, 1.0),
    ]
    for part in bad:
        with pytest.raises(ValueError, match="a field's"):
            engine_module.fielded_scores([part], live, size, 1.0, 0.75)
    with pytest.raises(ValueError, match="1 to 16 fields"):
        engine_module.fielded_scores([], live, size, 1.0, 0.75)


def test_rankings_are_the_same_with_the_compiled_merges_or_numpys(copies_reader, monkeypatch):
    """Whole rankings of questions whose words have several readings: the same pages,
    scores and matches whether the engine merges in compiled code or in numpy."""
    from search.query import engine as engine_module
    from search.query import rank
    from search.query.engine import engine_for
    from search.store import ByteLRU

    queries = [
        "ما هي عاصمة كوريا الشمالية",
        "بيونج يانج والصواريخ",
        "كورونا OR الصحة OR العالمية OR الحكومة",
        "وبالرئيس الكوري",
        "منظمة الصحة العالمية تحذر",
    ]

    def rankings():
        return [
            (
                r.documents.tolist(),
                r.matches.ids.tolist(),
                r.matches.scores.tolist(),
                r.matches.mask.tolist(),
            )
            for r in (rank(copies_reader, query, limit=20) for query in queries)
        ]

    compiled = rankings()
    monkeypatch.setattr(engine_module, "merge_readings", None)
    monkeypatch.setattr(engine_module, "sum_dense", None)
    monkeypatch.setattr(engine_module, "fielded_scores", None)
    fresh = ByteLRU(engine_module.IMPACTS_CACHE_BYTES)  # scores are made again, by numpy
    monkeypatch.setattr(engine_for(copies_reader), "_impacts_kept", fresh)
    assert rankings() == compiled
    assert all(documents for documents, *_ in compiled)
