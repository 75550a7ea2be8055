"""The array posting blocks hold exactly what whoosh3's blocks hold, for every format."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from search.store.codec import (
    DELTAS8,
    DELTAS16,
    ZLIB,
    ArrayCodec,
    ArrayLeafMatcher,
    TermLookup,
)

# One field per kind of block value: positions, characters (variable bytes), frequencies
# (fixed size), none (existence), and a boosted field (the same weight on every posting).
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    words=TEXT(phrase=True),
    chars=TEXT(chars=True),
    counts=TEXT(phrase=False),
    boosted=TEXT(phrase=False, field_boost=2.0),
    tags=KEYWORD,
    number=NUMERIC(int),
)


def _documents() -> list[dict]:
    documents = []
    for i in range(300):  # "common" fills three blocks; the others one or two
        text = " ".join(["common"] * (1 + i % 7) + [f"w{i % 13}", "common", f"rare{i}"])
        documents.append(
            {
                "id": f"d{i}",
                "words": text,
                "chars": text,
                "counts": text,
                "boosted": text,
                "tags": f"t{i % 3} t{i % 5}",
                "number": i * 7,
            }
        )
    return documents


def _built(folder, codec, documents):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    writer = ix.writer(codec=codec)
    for fields in documents:
        writer.add_document(**fields)
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _postings(ix) -> dict:
    with ix.reader() as reader:
        found = {}
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[field, term] = items
        return found


def test_array_blocks_read_back_as_whoosh3_blocks(tmp_path):
    documents = _documents()
    expected = _postings(_built(tmp_path / "w3", W3Codec(), documents))
    ix = _built(tmp_path / "arrays", ArrayCodec(), documents)
    assert _postings(ix) == expected
    assert len(expected[("words", b"common")]) == 300
    with ix.searcher() as searcher:
        matcher = searcher.reader().postings("words", b"common")
        assert isinstance(matcher, ArrayLeafMatcher)
        assert searcher.search_page(wq.Phrase("words", ["common", "rare7"]), 1).total == 1


def test_block_arrays_and_positions_are_the_postings(tmp_path):
    ix = _built(tmp_path / "arrays", ArrayCodec(), _documents())
    expected = _postings(ix)[("words", b"common")]
    with ix.reader() as reader:
        matcher = reader.postings("words", b"common")
        ids, weights, positions = [], [], []
        while matcher.is_active():
            block_ids, block_weights = matcher.block_arrays()
            counts, flat = matcher.block_positions()
            ids += block_ids.tolist()
            weights += block_weights.tolist()
            positions += [p.tolist() for p in np.split(flat, np.cumsum(counts)[:-1])]
            matcher._next_block()
        decode = reader.schema["words"].format.decode_positions
        assert ids == [docnum for docnum, _, _ in expected]
        assert weights == [weight for _, weight, _ in expected]
        assert positions == [decode(value) for _, _, value in expected]
        assert positions[9] == [0, 1, 2, 4]  # document 9: common x3, w9, common, rare9


def test_segments_of_both_codecs_merge_into_array_blocks(tmp_path):
    documents = _documents()
    expected = _postings(_built(tmp_path / "one", W3Codec(), documents))
    (tmp_path / "mixed").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "mixed"), SCHEMA)
    for codec, part in ((W3Codec(), documents[:150]), (ArrayCodec(), documents[150:])):
        writer = ix.writer(codec=codec)
        for fields in part:
            writer.add_document(**fields)
        writer.commit(merge=False)
    assert len(ix.reader().leaf_readers()) == 2
    assert _postings(ix) == expected  # read through each segment's own codec
    writer = ix.writer(codec=ArrayCodec())
    writer.commit(optimize=True)
    ix = whoosh_index.open_dir(str(tmp_path / "mixed"))
    assert len(ix.reader().leaf_readers()) == 1
    assert _postings(ix) == expected


def test_positions_far_apart_read_back_as_whoosh3_blocks(tmp_path):
    """Positions a byte apart, two bytes apart and further (int32: zlib for a long block)."""
    filler = " ".join(f"f{i % 50}" for i in range(70_000))
    documents = [
        *_documents()[:20],
        {"id": "near", "words": "common " + " ".join(["xx"] * 300) + " common rare0"},
        {"id": "far", "words": f"common {'rare1 ' * 30}{filler} common rare1"},
    ]
    expected = _postings(_built(tmp_path / "w3", W3Codec(), documents))
    ix = _built(tmp_path / "arrays", ArrayCodec(), documents)
    assert _postings(ix) == expected
    packings = {}
    with ix.reader() as reader:
        for term in (b"common", b"rare0", b"rare1", b"w3"):
            matcher = reader.postings("words", term)
            packings[term] = matcher._block_bytes()[4]
    assert packings == {b"common": ZLIB, b"rare0": DELTAS16, b"rare1": ZLIB, b"w3": DELTAS8}


def test_the_compiled_decoder_reads_deltas_as_numpy_does():
    """`_positions.decode_deltas` (built at install) gives the positions numpy's cumulative
    sums give, for both widths, postings of no position included, and refuses a block whose
    positions would run past its end."""
    import pytest

    from search.store import codec

    assert codec.decode_deltas is not None
    rng = np.random.default_rng(3)
    for high in (200, 60_000):
        counts = rng.integers(0, 9, 150).astype(np.uint32)
        positions = np.concatenate(
            [np.sort(rng.choice(high, int(c), replace=False)) for c in counts]
        ).astype(np.int64)
        packing, packed = codec._pack_positions(positions, counts)
        assert packing == (codec.DELTAS8 if high < 256 else codec.DELTAS16)
        raw = b"head" + packed
        compiled = codec._unpack_positions(raw, 4, packing, counts)
        codec.decode_deltas, saved = None, codec.decode_deltas
        try:
            by_numpy = codec._unpack_positions(raw, 4, packing, counts)
        finally:
            codec.decode_deltas = saved
        assert compiled.tolist() == by_numpy.tolist() == positions.tolist()
        with pytest.raises(ValueError, match="past its end"):
            codec._unpack_positions(raw[:-1], 4, packing, counts)


def test_whole_term_readers_equal_the_postings(tmp_path):
    ix = _built(tmp_path / "arrays", ArrayCodec(), _documents())
    postings = _postings(ix)
    with ix.reader() as reader:
        decode = reader.schema["words"].format.decode_positions
        for field, term in (("words", b"common"), ("counts", b"common"), ("boosted", b"w3")):
            ids, weights = reader.postings(field, term).term_arrays()
            assert ids.tolist() == [docnum for docnum, _, _ in postings[field, term]]
            assert weights.tolist() == [weight for _, weight, _ in postings[field, term]]
        expected = {docnum: decode(value) for docnum, _, value in postings["words", b"common"]}
        for wanted in ([0], [5, 127, 128, 129, 299], list(range(0, 300, 3)), [299]):
            docs, positions = reader.postings("words", b"common").term_positions(wanted)
            pairs = [(docnum, p) for docnum in wanted for p in expected[docnum]]
            assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == pairs


def test_a_term_table_read_directly_answers_as_whoosh(tmp_path):
    """`TermLookup` finds each term's count and postings as whoosh's layers do, says a term
    is absent without whoosh's exception, leaves deleted documents out, and declines a
    table it cannot read (plain whoosh3 hashes its keys with MD5)."""
    ix = _built(tmp_path / "array", ArrayCodec(), _documents())
    writer = ix.writer()
    writer.delete_by_term("id", "d4")  # holds rare4, w4 and common
    writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(tmp_path / "array"))
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        lookup = TermLookup.of(leaf)
        assert lookup is not None
        terms = [(f, t) for f, t in reader.all_terms() if f in ("words", "chars", "tags")]
        assert len(terms) > 300
        for field, tbytes in terms:
            assert lookup.doc_frequency(field, tbytes) == leaf.doc_frequency(field, tbytes)
            ours, theirs = lookup.matcher(field, tbytes), leaf.postings(field, tbytes)
            assert list(ours.all_ids()) == list(theirs.all_ids())
        assert 4 not in list(lookup.matcher("words", b"common").all_ids())
        assert leaf.doc_frequency("words", b"rare4") == lookup.doc_frequency("words", b"rare4") == 1
        for field, tbytes in [("words", b"absent"), ("words", b"rare300"), ("nofield", b"w1")]:
            assert lookup.doc_frequency(field, tbytes) == 0
            assert lookup.matcher(field, tbytes) is None
    plain = _built(tmp_path / "plain", W3Codec(), _documents()[:5])
    with plain.reader() as reader:
        assert TermLookup.of(reader.leaf_readers()[0][0]) is None


def test_the_lookup_benchmark_compares_both_paths_on_an_index(seed_index):
    """bench/term_lookup.py checks the two lookups agree before it prints their costs."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[1] / "bench" / "term_lookup.py"
    done = subprocess.run(
        [sys.executable, str(script), str(seed_index), "--terms", "200"],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout)
    assert figures["terms"] == 200 and figures["segments"] >= 1
    assert set(figures["present_us"]) == set(figures["absent_us"]) == {"term_lookup", "whoosh"}


def test_a_terms_positions_in_chosen_documents_read_in_place_equal_whoosh3s(tmp_path):
    """`_positions.block_occurrences` (built at install) reads a term's positions in chosen
    documents straight from the mapped postings file: the same documents and positions as
    whoosh3's own blocks give, for every packing of positions (zlib's blocks are left to
    the block-by-block reader), for documents in the first, a middle or the last block,
    and for documents that lack the term."""
    from search.store import codec

    assert codec.block_occurrences is not None
    filler = " ".join(f"f{i % 50}" for i in range(70_000))
    documents = [
        *_documents(),
        {"id": "near", "words": "common " + " ".join(["xx"] * 300) + " common rare0"},
        {"id": "far", "words": f"common {'rare1 ' * 30}{filler} common rare1"},
        {"id": "apart", "words": f"rare2 {filler} rare2"},
    ]
    expected = _postings(_built(tmp_path / "w3", W3Codec(), documents))
    ix = _built(tmp_path / "arrays", ArrayCodec(), documents)
    rng = np.random.default_rng(5)
    packings = set()
    with ix.reader() as reader:
        size = reader.doc_count_all()
        for term in (b"common", b"w3", b"rare7", b"rare0", b"rare1", b"rare2", b"xx"):
            holding = {docnum: value for docnum, _, value in expected[("words", term)]}
            for chosen in (
                list(range(size)),
                sorted(holding)[-1:],
                sorted(rng.choice(size, 40, replace=False).tolist()),
                sorted(set(range(size)) - set(holding))[:30],
            ):
                matcher = reader.postings("words", term)
                assert isinstance(matcher._postfile, codec.MappedFile)
                packings.add(matcher._block_bytes()[4])
                found = matcher.term_positions(chosen)
                codec.block_occurrences, saved = None, codec.block_occurrences
                try:
                    by_blocks = reader.postings("words", term).term_positions(chosen)
                finally:
                    codec.block_occurrences = saved
                wanted = [
                    (docnum, position)
                    for docnum in chosen
                    if docnum in holding
                    for position in SCHEMA["words"].format.decode_positions(holding[docnum])
                ]
                pairs = list(zip(found[0].tolist(), found[1].tolist(), strict=True))
                assert pairs == wanted
                assert found[0].tolist() == by_blocks[0].tolist()
                assert found[1].tolist() == by_blocks[1].tolist()
    assert {codec.PLAIN, ZLIB, DELTAS8, DELTAS16} <= packings


def test_every_terms_postings_read_in_place_equal_whoosh3s(tmp_path):
    """`_positions.block_postings` (built at install) reads every term of every field, one
    block or several, weights of one, the same or each their own, as whoosh3's blocks hold
    them and as the block-by-block reader reads them."""
    from search.store import codec

    assert codec.block_postings is not None
    documents = _documents()
    expected = _postings(_built(tmp_path / "w3", W3Codec(), documents))
    ix = _built(tmp_path / "arrays", ArrayCodec(), documents)
    kinds, blocks = set(), set()
    with ix.reader() as reader:
        for (field, term), items in expected.items():
            matcher = reader.postings(field, term)
            if not isinstance(matcher, ArrayLeafMatcher):
                continue  # a term of one document, inline in its term-table entry
            assert isinstance(matcher._postfile, codec.MappedFile)
            kinds.add(matcher._block_bytes()[1])
            blocks.add(len(items) > 128)
            ids, weights = matcher.term_arrays()
            codec.block_postings, saved = None, codec.block_postings
            try:
                by_blocks = reader.postings(field, term).term_arrays()
            finally:
                codec.block_postings = saved
            assert ids.tolist() == [docnum for docnum, _, _ in items] == by_blocks[0].tolist()
            assert weights.tolist() == [weight for _, weight, _ in items]
            assert weights.tolist() == by_blocks[1].tolist()
            assert ids.dtype == np.int64 and weights.dtype == np.float32
    assert kinds == {codec.ONES, codec.SAME, codec.EACH} and blocks == {True, False}


def test_the_compiled_probe_answers_as_the_python_probe(tmp_path, monkeypatch):
    """`_terms.TermProbe` (built at install) finds every term's row, count and first block
    where the probe written out in Python does, and the same absences; it refuses a table
    that runs past its file and postings that do not start with whoosh3's tag."""
    from search.store import _terms, codec

    ix = _built(tmp_path / "arrays", ArrayCodec(), _documents())
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        compiled = TermLookup.of(leaf)
        monkeypatch.setattr(codec, "TermProbe", None)
        written_out = TermLookup.of(leaf)
        monkeypatch.undo()
        assert compiled._table is not None and written_out._table is None
        terms = [(f, t) for f, t in reader.all_terms() if f in ("words", "chars", "tags")]
        asked = [*terms, ("words", b"absent"), ("words", b"rare300"), ("nofield", b"w1")]
        starts = set()
        for field, tbytes in asked:
            assert compiled.row(field, tbytes) == written_out.row(field, tbytes)
            frequency = compiled.doc_frequency(field, tbytes)
            assert frequency == written_out.doc_frequency(field, tbytes)
            assert frequency == (leaf.doc_frequency(field, tbytes) if field in SCHEMA else 0)
            start = compiled.first_block(field, tbytes)
            assert start == written_out.first_block(field, tbytes)
            starts.add(codec.ABSENT if start == codec.ABSENT else min(start, 0))
        assert starts == {codec.ABSENT, 0}  # this writer keeps no postings inline
        field, tbytes = "words", b"common"
        start = compiled.first_block(field, tbytes)
        postings = bytearray(compiled._postings)
        postings[start - 4] ^= 0xFF  # the tag before the first block
        broken = _terms.TermProbe(
            compiled._view, compiled._tables, bytes(postings), codec._POSTINGS_TAG
        )
        with pytest.raises(ValueError, match="tag"):
            broken.first_block(compiled._key(field, tbytes))
        short = compiled._view[: max(start for start, slots in compiled._tables if slots)]
        with pytest.raises(ValueError, match="runs past"):
            _terms.TermProbe(short, compiled._tables, None, codec._POSTINGS_TAG)


def test_a_terms_postings_and_positions_read_without_a_matcher_equal_whoosh3s(tmp_path):
    """`TermLookup.postings`, `occurrences` and `positions` give what whoosh3's own matchers
    give, for every term of every field (inline ones through a matcher), and leave out
    the deleted documents of a segment that has some (read through a matcher there)."""
    documents = _documents()
    expected = _postings(_built(tmp_path / "w3", W3Codec(), documents))
    ix = _built(tmp_path / "arrays", ArrayCodec(), documents)
    rng = np.random.default_rng(11)
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        lookup = TermLookup.of(leaf)
        assert lookup._in_place
        for (field, term), items in expected.items():
            if field == "number":
                continue
            ids, weights = lookup.postings(field, term)
            assert ids.tolist() == [docnum for docnum, _, _ in items]
            assert weights.tolist() == [weight for _, weight, _ in items]
            if field != "words":
                continue
            decode = SCHEMA["words"].format.decode_positions
            every = [(docnum, p) for docnum, _, value in items for p in decode(value)]
            docs, positions = lookup.positions(field, term)
            assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == every
            chosen = np.sort(rng.choice(len(documents), 25, replace=False))
            docs, positions = lookup.occurrences(field, term, chosen)
            wanted = [(docnum, p) for docnum, p in every if docnum in set(chosen.tolist())]
            assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == wanted
        for read, extra in (("postings", ()), ("positions", ()), ("occurrences", (chosen,))):
            assert getattr(lookup, read)("words", b"absent", *extra) is None
            assert getattr(lookup, read)("nofield", b"common", *extra) is None
    writer = ix.writer()
    writer.delete_by_term("id", "d4")
    writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(tmp_path / "arrays"))
    with ix.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        lookup = TermLookup.of(leaf)
        assert not lookup._in_place
        ids, _ = lookup.postings("words", b"common")
        assert 4 not in ids.tolist() and ids.size == len(documents) - 1
        docs, _ = lookup.positions("words", b"common")
        assert 4 not in docs.tolist() and 5 in docs.tolist()


def _matcher_reads(leaf, field: str, tbytes: bytes):
    """(ids, weights, (document, position) pairs) of a term, by whoosh's matcher API."""
    matcher = leaf.postings(field, tbytes)
    ids, weights, pairs = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        pairs += [(matcher.id(), p) for p in matcher.value_as("positions")]
        matcher.next()
    return ids, weights, pairs


def _check_every_term(reader, field: str) -> set[int]:
    """Each segment's terms of ``field`` read by `TermLookup` and by the matcher API: the
    same postings, weights, positions, and occurrences in every other document."""
    from search.store import codec

    answers = set()
    for (leaf, _), lookup in zip(reader._leaves, reader._lookups, strict=True):
        every_other = np.arange(0, leaf.doc_count_all(), 2, dtype=np.int64)
        for tbytes in [t for f, t in leaf.all_terms() if f == field]:
            start = lookup.first_block(field, tbytes)
            answers.add(min(start, 0))
            ids, weights, pairs = _matcher_reads(leaf, field, tbytes)
            found_ids, found_weights = lookup.postings(field, tbytes)
            assert (found_ids.tolist(), found_weights.tolist()) == (ids, weights)
            docs, positions = lookup.positions(field, tbytes)
            assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == pairs
            docs, positions = lookup.occurrences(field, tbytes, every_other)
            assert list(zip(docs.tolist(), positions.tolist(), strict=True)) == [
                (doc, p) for doc, p in pairs if doc % 2 == 0
            ]
            if start == codec.INLINE and lookup._in_place:
                assert lookup.inline(field, tbytes)[0] == tuple(ids)
    return answers


def test_terms_kept_inline_by_the_bulk_writer_are_read_from_their_row(seed_index):
    """The bulk writer keeps a rare term's postings in its row: `first_block` says so, and
    `postings`, `positions` and `occurrences` read them there (no matcher), as whoosh's
    matcher reads them, for every term of the seeds' exact and stem fields."""
    from search.store import codec, open_reader

    reader = open_reader(seed_index)
    assert all(lookup._in_place for lookup in reader._lookups)
    for field in ("body_exact", "title", "body"):
        assert _check_every_term(reader, field) == {codec.INLINE, 0}


def test_inline_terms_of_a_segment_with_deletions_leave_the_deleted_out(writable_index):
    """With deletions, a row's postings still list the deleted article: they are read
    through whoosh's matcher then, which filters it out."""
    from search.store import codec, delete_documents, open_reader

    assert delete_documents(writable_index, ["002_687531a2e5c0bf49"]) == 1
    reader = open_reader(writable_index)
    assert not any(lookup._in_place for lookup in reader._lookups)
    assert _check_every_term(reader, "body_exact") == {codec.INLINE}  # all by a matcher
    ((leaf, _),) = reader._leaves
    ((deleted,),) = [leaf.deleted_docs_set]
    lookup = reader._lookups[0]
    rows_with_it = [
        t for f, t in leaf.all_terms()
        if f == "body_exact" and (row := lookup.inline(f, t)) is not None and deleted in row[0]
    ]  # fmt: skip
    assert rows_with_it  # rows that still list it
    for tbytes in rows_with_it:
        assert deleted not in lookup.postings("body_exact", tbytes)[0].tolist()
        assert deleted not in lookup.positions("body_exact", tbytes)[0].tolist()
