"""The compiled scanner splits texts exactly as the tokenizer pattern does: the same tokens at
the same offsets, for every character of the Basic Multilingual Plane in the contexts the
pattern's alternatives care about, for the seeds, and for any text."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import TOKEN_RE
from search.analysis import scan as scan_module
from search.analysis.chars import BIDI_MARKS, WORD_MARKS
from search.analysis.scan import COMPILED, scan, scan_known, split_scan
from search.results.highlight import BOUNDARY_CHARS

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _by_regex(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [[(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)] for text in texts]


def _by_scan(texts: list[str], split=scan) -> list[list[tuple[int, int, str]]]:
    tokens, starts, ends, counts = split(texts)
    assert counts.sum() == len(tokens)
    firsts = [0, *counts.cumsum().tolist()]
    return [
        [(int(starts[k]), int(ends[k]), tokens[k]) for k in range(first, last)]
        for first, last in pairwise(firsts)
    ]


def test_the_install_compiled_the_scanner():
    """`pip install` builds _scan.pyx (setup.py); without it builds fall back to the regex,
    ten times slower at this step."""
    assert COMPILED


def test_every_character_is_classed_as_the_pattern_classes_it():
    # each character alone, doubled, after a letter and before a digit, between Latin
    # letters and hyphens, and after a digit-hyphen: every branch of the three alternatives
    texts = []
    for code in range(0x10000):
        char = chr(code)
        texts += [char, char * 2, f"ب{char}٣", f"x-{char}y", f"{char}-9", f"ك-{char}", f"{char}_a"]
    assert _by_scan(texts) == _by_regex(texts)


def test_the_seeds_split_as_the_pattern_splits_them():
    texts = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    assert texts
    assert _by_scan(texts) == _by_regex(texts)


def test_the_regex_fallback_gives_the_same_answer():
    texts = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))][:10]
    texts += ["", "F-16 و كوفيد-19 ٢٠٢٤", "الرَّئِيسُ‌ بوتين", "a-b-c-", "-19ب"]
    assert _by_scan(texts, split_scan) == _by_regex(texts) == _by_scan(texts)


ALPHABET = st.sampled_from(
    list("abzAZ09_-éÿ×÷ɏɐ²½ ,.\n\t")
    + list("ابتثكلمنهويىةءأإآؤئـ٠١٢٣٤٥٦٧٨٩۰۴۵۶ک")
    + list(WORD_MARKS + BIDI_MARKS)
    + ["\u0966", "\u00a0", "\u2028", "ﷺ", "\U0001d7d8", "\U0001f600", "\U00020000", "\ud800"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=40) | st.text(max_size=20), max_size=6))
def test_any_text_splits_as_the_pattern_splits_it(texts):
    assert _by_scan(texts) == _by_regex(texts)


def _known_of(texts: list[str]) -> dict[str, int]:
    """Every other distinct token of the texts, numbered."""
    distinct = sorted({token for text in texts for token in TOKEN_RE.findall(text)})
    return {token: number for number, token in enumerate(distinct[::2])}


def _without_compiled_scanner(texts: list[str], known: dict[str, int]):
    compiled, scan_module._scan = scan_module._scan, None
    try:
        return scan_known(texts, known)
    finally:
        scan_module._scan = compiled


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=40), max_size=6))
def test_a_scan_with_known_tokens_gives_their_ids_and_the_rest_in_order(texts):
    known = _known_of(texts)
    tokens, starts, ends, counts = scan(texts)
    for found in (scan_known(texts, known), _without_compiled_scanner(texts, known)):
        ids, unknown, known_starts, known_ends, known_counts = found
        assert ids.tolist() == [known.get(token, -1) for token in tokens]
        assert unknown == [token for token in tokens if token not in known]
        assert known_starts.tolist() == starts.tolist()
        assert known_ends.tolist() == ends.tolist()
        assert known_counts.tolist() == counts.tolist()


def _runs_by_regex(text: str, chars: str) -> tuple[list[int], list[int]]:
    compiled, scan_module._scan = scan_module._scan, None
    try:
        return scan_module.runs(text, chars)
    finally:
        scan_module._scan = compiled


@settings(max_examples=300, deadline=None)
@given(
    st.text(ALPHABET, max_size=60) | st.text(max_size=30),
    st.sampled_from([BOUNDARY_CHARS, ".\n", "😀-", "ا"]),
)
def test_runs_of_characters_are_found_where_the_regex_finds_them(text, chars):
    """The compiled `runs` (a snippet's clause marks) gives the offsets of ``[chars]+``,
    whichever set it was asked for last, characters past the BMP included."""
    assert scan_module.runs(text, chars) == _runs_by_regex(text, chars)
    runs_re = "[" + "".join("\\" + c if c in ".-\\]^" else c for c in chars) + "]+"
    spans = [match.span() for match in re.finditer(runs_re, text)]
    assert scan_module.runs(text, chars) == ([s for s, _ in spans], [e for _, e in spans])


CLAUSE_TEXT = st.text(st.sampled_from([*"كتب قال\u00a0 \t\n.،؟!…؛", "\u2003"]), max_size=80)


@pytest.mark.skipif(not COMPILED, reason="_scan not built")
@settings(max_examples=400, deadline=None, database=None)
@given(CLAUSE_TEXT, st.lists(st.integers(0, 90), min_size=1, max_size=6), st.integers(0, 100))
def test_compiled_clauses_answer_as_pythons(text, positions, limit):
    """A snippet's clauses: where each starts and ends, and a word's clause widened to a
    limit, the same from `_scan.Clauses` as from `PyClauses`, spaces of every kind and
    line breaks included."""
    starts, ends = scan_module.runs(text, BOUNDARY_CHARS)
    compiled = scan_module._scan.Clauses(text, starts, ends)
    python = scan_module.PyClauses(text, starts, ends)
    for position in (p for p in positions if p <= len(text)):
        assert compiled.start(position) == python.start(position)
        assert compiled.end(position) == python.end(position)
        end = min(position + 3, len(text))
        assert compiled.around(position, end, limit) == python.around(position, end, limit)


def test_clauses_of_an_arabic_text():
    text = "قال الوزير، في بيان.  ثم\nجاء الرد  "
    found = scan_module.clauses(text, BOUNDARY_CHARS)
    assert found.start(text.index("بيان")) == text.index("في")  # after "، "
    assert found.end(text.index("في")) == text.index(".") + 1  # the run of marks' end
    assert found.end(text.index("ثم")) == text.index("\n")  # a line break's start
    assert found.end(text.index("الرد")) == len(text.rstrip())
    word = text.index("في"), text.index("في") + 2
    assert found.around(*word, 40) == (0, len(text.rstrip()))  # every clause fits
    assert found.around(*word, 24) == (text.index("في") - 1, len(text.rstrip()))  # not the first
    assert found.around(*word, 5) == (text.index("في"), text.index(".") + 1)  # its own
    for made in (scan_module.PyClauses, *([scan_module._scan.Clauses] if COMPILED else [])):
        with pytest.raises(ValueError, match="outside"):
            made(text, [3], [99])
