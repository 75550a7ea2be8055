"""The stored token tables' two readers: the compiled `SpanTable` and numpy's, the same
answers for every table and every question the highlighter asks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.store.spans import (
    ArraySpanTable,
    CompiledSpanTable,
    encode_spans,
    span_table,
    text_spans,
)

needs_compiled = pytest.mark.skipif(CompiledSpanTable is None, reason="_spans not built")


@st.composite
def tables(draw) -> bytes:
    """A table of tokens in text order: gaps between them, some tokens holding no word."""
    count = draw(st.integers(0, 40))
    gaps = draw(st.lists(st.integers(1, 9), min_size=count, max_size=count))
    lengths = draw(st.lists(st.integers(1, 8), min_size=count, max_size=count))
    words = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    starts, at = [], 0
    for gap, length in zip(gaps, lengths, strict=True):
        starts.append(at)
        at += length + gap
    starts_array = np.array(starts, dtype=np.int64)
    ends = starts_array + np.array(lengths, dtype=np.int64)
    return encode_spans(starts_array, ends, np.array(words, dtype=bool)) if count else b""


def answers(table, probes: list[int]) -> dict:
    """Everything the highlighter asks a table, at each probe and after each cut."""
    found = {"count": len(table), "offsets": table.offsets(range(len(table)))}
    for probe in probes:
        cut = table.cut(probe)
        found[probe] = (
            table.word_start_from(probe),
            table.word_end_upto(probe),
            table.word_end_before(probe),
            len(cut),
            cut.offsets(range(len(cut))),
            cut.word_start_from(0),
            cut.word_end_before(probe),
        )
    return found


@needs_compiled
@settings(max_examples=300, deadline=None, database=None)
@given(tables(), st.lists(st.integers(-3, 400), max_size=12))
def test_the_compiled_table_answers_as_numpys(table, probes):
    assert answers(CompiledSpanTable(table), probes) == answers(ArraySpanTable(table), probes)


@needs_compiled
@pytest.mark.parametrize("reader", [CompiledSpanTable, ArraySpanTable])
def test_a_tables_answers_on_an_arabic_text(reader):
    text = "قالَ الوزيرُ ، في بيانٍ: « لن نتراجع » ."
    table = reader(text_spans(text, "light+snowball"))
    starts, ends = table.offsets(range(len(table)))
    assert [text[s:e] for s, e in zip(starts, ends, strict=True) if e > s][:4] == [
        "قالَ", "الوزيرُ", "في", "بيانٍ",
    ]  # fmt: skip
    assert table.word_start_from(5) == text.index("الوزيرُ")
    assert table.word_start_from(6) == text.index("في")  # inside a word: the next one
    assert table.word_end_upto(text.index("في") + 1) == text.index("الوزيرُ") + len("الوزيرُ")
    assert table.word_end_before(0) == len("قالَ")  # none by then: the first word's end
    cut = table.cut(text.index("بيانٍ") + 2)  # its tokens end before the cut
    assert cut.word_end_before(10_000) == text.index("في") + 2
    assert cut.word_start_from(text.index("في") + 1) is None


@pytest.mark.parametrize("reader", [CompiledSpanTable, ArraySpanTable])
def test_a_bad_table_or_position_is_refused(reader):
    if reader is None:
        pytest.skip("_spans not built")
    with pytest.raises(ValueError, match="16-bit"):
        reader(b"\x00\x01\x02")
    table = reader(text_spans("كلمة أخرى", "light+snowball"))
    with pytest.raises(IndexError):
        table.offsets([2])
    with pytest.raises(IndexError):
        table.cut(4).offsets([1])  # past the cut
    assert len(reader(b"")) == 0 and reader(b"").word_end_before(5) is None


def test_a_document_without_a_table_has_an_empty_one():
    assert len(span_table({}, "body")) == 0
    assert len(span_table({"spans": {"title": b""}}, "title")) == 0
