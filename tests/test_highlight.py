"""The highlighter reads a body piece by piece (the text between spaces) from cached tables,
not word by word: these tests hold it to what reading every word with `analysis.words` gives.
"""

from __future__ import annotations

import html
import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import words
from search.query import Marks
from search.results import highlight
from search.results.highlight import ELLIPSIS, highlight_text, snippet

from .test_hostile import HOSTILE_TEXT, marks_from, time_limit

MARKED = re.compile(r"<mark>(.*?)</mark>")
FILLER = "كانت الأمطار غزيرة في المدينة طوال الأسبوع الماضي. "  # 51 characters, no query word


def marked_words(text: str, marks: Marks) -> list[str]:
    """The words of ``text`` that ``marks`` match, as written, found word by word (a
    ligature's words share one place and are marked once)."""
    places = {
        (word.start, word.end)
        for word in words(text)
        if word.exact in marks.exacts or not marks.stems.isdisjoint(word.stems)
    }
    return [text[start:end] for start, end in sorted(places)]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(HOSTILE_TEXT, max_size=12).map(" ".join), st.data())
def test_titles_mark_the_words_that_words_finds(text, data):
    """Every word `analysis.words` matches is marked, and nothing else, however the text is
    split by spaces, marks, ligatures and punctuation."""
    marks = marks_from(text, data)
    marks = Marks(marks.exacts, marks.stems)  # phrases aside: words() knows no phrase
    with time_limit(5):
        out = highlight_text(text, marks)
    expected = [" ".join(escaped(w).split()) for w in marked_words(text, marks)]
    assert MARKED.findall(out) == expected


def escaped(word: str) -> str:
    """A word as a snippet shows it: what cannot be HTML a space, then HTML-escaped."""
    return html.escape(highlight.NOT_HTML_RE.sub(" ", word), quote=False)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(HOSTILE_TEXT, max_size=12).map(" ".join), st.data())
def test_a_full_table_starts_afresh_without_changing_snippets(text, data):
    """The table of pieces is bounded: when full it starts again, and snippets stay the same."""
    marks = marks_from(text, data)
    before = snippet(text, marks), highlight_text(text, marks)
    with patch.object(highlight, "MAX_TERMS", 2), patch.object(highlight, "_TERMS", {}):
        for _ in range(2):
            assert (snippet(text, marks), highlight_text(text, marks)) == before


def test_a_match_at_the_end_of_a_long_body_gets_its_fragment():
    """The only match sits 20,000 characters in: the snippet is cut around it, not the start."""
    body = FILLER * 400 + "وأعلنت الحكومة خطة جديدة، الزعفران في الحقول الشرقية. " + FILLER * 3
    out = snippet(body, Marks(frozenset({"الزعفران"})))
    assert "<mark>الزعفران</mark>" in out
    assert out.startswith(ELLIPSIS) and out.endswith(ELLIPSIS)
    assert len(html.unescape(MARKED.sub(r"\1", out))) <= highlight.SNIPPET_CHARS + 10


def test_far_apart_matches_in_a_long_body_each_get_a_fragment():
    body = "الزيتون في الحقول. " + FILLER * 200 + "والبرتقال في البساتين. " + FILLER * 200
    out = snippet(body, Marks(frozenset({"الزيتون", "البرتقال"}), frozenset({"برتقال"})))
    assert "<mark>الزيتون</mark>" in out and "<mark>والبرتقال</mark>" in out
    assert out.count(ELLIPSIS) >= 2


@pytest.mark.parametrize(
    "text, marked",
    [
        ("(الزعفران) في الحقول", "الزعفران"),  # brackets around the word
        ("قال: «الزعفران»، ثم مضى", "الزعفران"),  # quotes and a comma in one piece
        ("F-16،الزعفران", "الزعفران"),  # two tokens in one piece
        ("الزَّعْفَرَانُ", "الزَّعْفَرَانُ"),  # harakat make the piece more than letters
        ("الزعـــفران", "الزعـــفران"),  # tatweel
    ],
)
def test_words_inside_pieces_are_marked_as_written(text, marked):
    for out in (
        highlight_text(text, Marks(frozenset({"الزعفران"}))),
        snippet(text, Marks(frozenset({"الزعفران"}))),
    ):
        assert MARKED.findall(out) == [marked]


def test_a_text_of_spaces_and_marks_only_has_no_snippet():
    assert snippet("  \u064e  ، . \n", Marks(frozenset({"كوريا"}))) == ""
    assert snippet("  \u064e  ، . \n", Marks()) == ""


# Queries of every kind a reader types: words with clitics, hamza and ة/ه spellings,
# diacritics, foreign names in two spellings, a phrase, a prefix, an OR.
STORED_QUERIES = [
    "كوريا الجنوبية",
    "بيونج يانج",
    "بيونغ يانغ",
    "الولايات المتحدة",
    '"الولايات المتحدة"',
    "للحرب والسلام",
    "الرَّئِيسُ",
    "اسرائيل",
    "مساعده",
    "كوري*",
    "روسيا OR الناتو",
]


@pytest.mark.parametrize("query", STORED_QUERIES)
def test_results_marked_from_the_index_read_as_the_text_would(seed_index, query):
    """A search result's title and snippet, marked from the index's positions and stored
    offsets, are those that analysing the stored text word by word gives."""
    from search.query import rank
    from search.results.located import locate
    from search.store import open_reader

    with open_reader(seed_index) as reader:
        ranking = rank(reader, query, limit=10)
        marks = ranking.compiled.marks()
        numbers = ranking.documents.tolist()
        assert numbers, query
        stored = {number: reader.stored(number) for number in numbers}
        titles = locate(reader, marks, stored, "title")
        bodies = locate(reader, marks, stored, "body")
        for number in numbers:
            for found in (titles[number], bodies[number]):  # marks in text order, apart
                assert list(found.positions) == sorted(set(found.positions))
                assert all(e <= s for e, s in zip(found.ends, found.starts[1:], strict=False))
            title, body = stored[number]["title"], stored[number]["body"]
            assert highlight_text(title, marks, located=titles[number]) == highlight_text(
                title, marks, reader.stemmer
            )
            from_index = snippet(body, marks, located=bodies[number])
            assert from_index == snippet(body, marks, reader.stemmer)
            assert "<mark>" in from_index + highlight_text(title, marks, located=titles[number])


# Characters the HTML pass treats apart: escapes, whitespace of every kind, controls,
# noncharacters (in and out of the Basic Multilingual Plane), letters of both scripts.
RENDERED_CHARS = (
    "ab سلام\n\t\x00\x01\x0b\x1c\x85\xa0\u2028\u3000\ufdd0\ufffe\uffff&<>\U0001fffe\U00010000 "
)


@st.composite
def windows(draw) -> tuple[str, int, int, list[tuple[int, int]]]:
    """A text, a window of it, and marked spans as a layout gives them: in text order,
    some reaching out of the window, some past the text's end."""
    text = draw(st.text(st.sampled_from(RENDERED_CHARS), max_size=40))
    start = draw(st.integers(0, 45))
    end = start + draw(st.integers(0, 45))
    bounds = sorted(draw(st.lists(st.integers(0, 50), max_size=8)))
    spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]
    return text, start, end, spans


@pytest.mark.skipif(highlight._html is None, reason="_html not built")
@settings(max_examples=500, deadline=None, database=None)
@given(windows())
def test_the_compiled_html_pass_renders_as_python_does(window):
    assert highlight._html.render(*window) == highlight.render_python(*window)


@pytest.mark.parametrize(
    "render",
    [highlight.render_python, highlight._render],
    ids=["python", "chosen"],
)
def test_a_window_is_escaped_marked_and_folded(render):
    text = "قال  <b>\x01الرئيس</b> &\n\tبيونغ\u2028يانغ\ufffe. "
    start = text.index("الرئيس")
    spans = [(start, start + 6), (text.index("بيونغ"), text.index("بيونغ") + 5)]
    assert render(text, 0, len(text), spans) == (
        "قال &lt;b&gt; <mark>الرئيس</mark>&lt;/b&gt; &amp; <mark>بيونغ</mark> يانغ ."
    )
    # the window's edges: a span begun before it is marked whole, text after it is cut
    assert render(text, start + 2, start + 4, spans) == "<mark>الرئيس</mark>"
    assert render("   ", 0, 3, []) == ""
