"""Highlighted titles and snippets: ``<mark>`` on the words as the article wrote them.

A word is marked when its normalised form or one of its stems is one the query matched.
Everything outside the marks is HTML-escaped, so neither an article nor a query can inject
markup, and the characters HTML forbids in a document (controls, noncharacters) become
spaces.

Where the words are comes from one of two layouts with the same questions (where the
matched words are, where whole words start and end):

* `StoredLayout`, for search results: the index's positions and each text's stored token
  offsets (`search.results.located`), so a snippet is lookups and slices;
* the analysed layout, for a text the index does not hold as a whole (an article page's
  paragraphs): the text is analysed with the index's chain, split at spaces into pieces
  whose terms are kept for the pieces met lately.

Whoosh's own fragmenters know only Latin sentence marks; snippets here are cut at Arabic
clause and sentence marks (؟ ، ؛) as well as . ! ? and newlines, or at word boundaries.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import lru_cache
from html import escape
from itertools import accumulate, compress, count
from operator import add, not_

from ..analysis import (
    DEFAULT_STEMMER,
    TOKEN_RE,
    compound_words,
    is_stopword,
    normalize,
    stems,
    token_words,
)
from ..analysis.scan import clauses
from ..query import Marks
from .located import Located

try:  # built at install (setup.py); where it is not, `render_python` does the same work
    from . import _html
except ImportError:  # pragma: no cover - a checkout whose extensions were not built
    _html = None

SNIPPET_CHARS = 200  # the whole snippet, about two lines on a phone
# Snippets are drawn from the start of the body only: a search analyses the text of every
# hit it shows, and a 9.7 MB body once cost each matching search 28 s. 99.9% of the 70k
# articles are under 12,477 characters, and the longest (33,577) fits. Analysing text the
# piece table has not met costs about 1.3 us a character, so a page of results shares a
# budget: 100 hits get 5,000 characters each (bench/probes.py).
SNIPPET_SOURCE_CHARS = 50_000
SNIPPET_PAGE_CHARS = 500_000
MAX_FRAGMENTS = 3
MIN_FRAGMENT_CHARS = 60  # a fragment is widened to at least this many characters
ELLIPSIS = "…"
# Sentence and clause ends: Latin . ! ? ; , Arabic ؟ ، ؛ and the ellipsis, plus line breaks.
BOUNDARY_CHARS = ".!?;؟،؛…\n"
BOUNDARY_RE = re.compile(f"[{re.escape(BOUNDARY_CHARS)}]+")
# NUL, the controls other than ASCII whitespace, and the noncharacters: an HTML parser
# reports each one as an error, so a stray \x01 in an article would break the page.
NOT_HTML_RE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
    + "]"
)


# A piece is the text between two spaces. No token or clause mark holds a space, and the
# tokenizer starts afresh after one, so a text's tokens are its pieces' tokens, at the
# pieces' offsets.
Words = tuple[tuple[str, tuple[str, ...], str], ...]  # (exact form, stems, key) of each word
# A piece's tokens that hold words, as (start, end, words) within it (a stop word has no
# stems, a lone haraka no word, a ligature such as ﷺ several words), and its clause marks,
# as (start, end, is a line break).
Piece = tuple[tuple[tuple[int, int, Words], ...], tuple[tuple[int, int, bool], ...]]
MAX_PIECES = 20_000  # pieces kept analysed in full: those matched, and those near cuts
# A piece of letters above U+024F is one token: TOKEN_PATTERN's Latin compounds end there.
LATIN_END = "\u024f"
Place = tuple[int, int, int]  # where a word is: (piece, token in the piece, word in the token)


def _words(token: str, stemmer: str) -> Words:
    """The words of one token exactly as `analysis.words` makes them."""
    return tuple(
        (exact, found, found[0] if found else exact) for exact, found in token_words(token, stemmer)
    )


def _one_token(piece: str) -> bool:
    """A piece of letters above Latin is one token, the whole piece (a cheap test that
    spares the tokenizer most pieces)."""
    return piece.isalpha() and min(piece) > LATIN_END


@lru_cache(maxsize=MAX_PIECES)
def _piece(piece: str, stemmer: str) -> Piece:
    """A piece's tokens and clause marks, each at its offset in the piece."""
    if _one_token(piece):
        words = _words(piece, stemmer)
        return (((0, len(piece), words),) if words else (), ())
    found = [(m.start(), m.end(), _words(m.group(), stemmer)) for m in TOKEN_RE.finditer(piece)]
    runs = [(m.start(), m.end(), m.group()[0] == "\n") for m in BOUNDARY_RE.finditer(piece)]
    return (tuple(token for token in found if token[2]), tuple(runs))


# Every distinct piece's terms: the exact forms of its words, and their stems behind
# STEM_MARK (a word matches by form or by stem, never a form by a stem). Kept for the pieces
# met lately, so a text costs one dictionary lookup per distinct piece; a piece that is one
# word shares its word's tuple, so a piece costs little more than its own string.
STEM_MARK = "\x00"
MAX_TERMS = 200_000  # distinct pieces, and distinct words, kept per stemmer (about 30 MB)
_TERMS: dict[str, dict[str, tuple[str, ...]]] = {}
_WORD_TERMS: dict[str, dict[str, tuple[str, ...]]] = {}


def _word_terms(exact: str, stemmer: str) -> tuple[str, ...]:
    """One word's terms: its exact form, then its stems behind STEM_MARK."""
    table = _WORD_TERMS.setdefault(stemmer, {})
    found = table.get(exact)
    if found is None:
        if len(table) >= MAX_TERMS:
            table.clear()
        word_stems = () if is_stopword(exact) else stems(exact, stemmer)
        found = table[exact] = (exact, *(STEM_MARK + stem for stem in word_stems))
    return found


def _piece_terms(piece: str, stemmer: str) -> tuple[str, ...]:
    """The terms of each word of a piece, in order."""
    if _one_token(piece):
        exact = normalize(piece)
        if exact and " " not in exact:  # one word (not a ligature that is several)
            return _word_terms(exact, stemmer)
        tokens = [piece]
    else:
        tokens = TOKEN_RE.findall(piece)
    exacts = [
        word
        for token in tokens
        for exact in normalize(token).split(" ")
        if exact
        for word in compound_words(exact)
    ]
    return tuple(term for exact in exacts for term in _word_terms(exact, stemmer))


def _terms(pieces: set[str], stemmer: str) -> dict[str, tuple[str, ...]]:
    """A table holding the terms of each of ``pieces`` (and of other pieces met lately)."""
    table = _TERMS.get(stemmer)
    if table is None or len(table) > MAX_TERMS:
        table = _TERMS[stemmer] = {}  # a fresh one: a search holding the old one finishes
    for piece in pieces.difference(table):  # a dict: looks up each piece
        table[piece] = _piece_terms(piece, stemmer)
    return table


@lru_cache(maxsize=64)
def _query_terms(marks: Marks) -> frozenset[str]:
    """The terms a piece must hold to hold a word the marks match by form or stem."""
    return marks.exacts | {STEM_MARK + stem for stem in marks.stems}


class _Layout:
    """Where a text's pieces are, and which of its words a query matched."""

    def __init__(self, text: str, marks: Marks, stemmer: str):
        self.text = text
        self.stemmer = stemmer
        self.pieces = pieces = text.split(" ")
        self._bases: list[int] | None = None
        self.matched_starts: list[int] = []
        self.matched_ends: list[int] = []
        self.keys: list[str] = []
        if not marks:
            return
        distinct = set(pieces)
        table = _terms(distinct, stemmer)
        wanted = _query_terms(marks)
        listed = list(distinct)
        terms = list(map(table.__getitem__, listed))
        held = set(compress(listed, map(not_, map(wanted.isdisjoint, terms))))
        chosen: list[Place] = []  # in text order
        if held:
            exacts, marked_stems = marks.exacts, marks.stems
            for i in compress(count(), map(held.__contains__, pieces)):
                for t, (_, _, words) in enumerate(_piece(pieces[i], stemmer)[0]):
                    for w, (exact, word_stems, _) in enumerate(words):
                        if exact in exacts or not marked_stems.isdisjoint(word_stems):
                            chosen.append((i, t, w))
        for phrase in marks.phrases:
            # Only where a piece holds the phrase's first word can the phrase start.
            first = frozenset(phrase[:1])
            starting = set(compress(listed, map(not_, map(first.isdisjoint, terms))))
            if starting:
                found = self._phrase_words(phrase, starting)
                chosen = sorted(set(chosen).union(found))
        bases = self.bases if chosen else []
        for i, t, w in chosen:
            start, end, words = _piece(pieces[i], stemmer)[0][t]
            self.matched_starts.append(bases[i] + start)
            self.matched_ends.append(bases[i] + end)
            self.keys.append(words[w][2])

    def _phrase_words(self, phrase: tuple[str, ...], starting: set[str]) -> set[Place]:
        """Each word inside an occurrence of the phrase, starting in one of ``starting``."""
        found: set[Place] = set()
        pieces = self.pieces
        for i in compress(count(), map(starting.__contains__, pieces)):
            following = self._words_from(i)
            for place, exact in following:
                if place[0] > i:
                    break
                if exact != phrase[0]:
                    continue
                ahead = list(itertools.islice(self._words_from(*place), len(phrase)))
                if [exact for _, exact in ahead] == list(phrase):
                    found.update(place for place, _ in ahead)
        return found

    def _words_from(self, i: int, t: int = 0, w: int = 0) -> Iterator[tuple[Place, str]]:
        """Each word's place and exact form in text order, from word ``w`` of token ``t`` of
        piece ``i`` on."""
        for j in range(i, len(self.pieces)):
            for u, (_, _, words) in enumerate(_piece(self.pieces[j], self.stemmer)[0]):
                if j == i and u < t:
                    continue
                for v, word in enumerate(words):
                    if j == i and u == t and v < w:
                        continue
                    yield (j, u, v), word[0]

    def spans(self) -> list[tuple[int, int]]:
        """The marked stretches of text, each once: a ligature such as ﷺ is several words at
        one place, and marking each of them would repeat it."""
        return sorted(set(zip(self.matched_starts, self.matched_ends, strict=True)))

    @property
    def bases(self) -> list[int]:
        """Where each piece starts (pieces are one space apart)."""
        if self._bases is None:
            offsets = accumulate(map(len, self.pieces), initial=0)
            self._bases = list(map(add, offsets, count()))
        return self._bases

    def _piece_at(self, position: int) -> int:
        return max(bisect_right(self.bases, position) - 1, 0)

    def word_start_from(self, position: int) -> int | None:
        """Where the first word starting at or after ``position`` starts."""
        bases = self.bases
        for i in range(self._piece_at(position), len(self.pieces)):
            for start, _, _ in _piece(self.pieces[i], self.stemmer)[0]:
                if bases[i] + start >= position:
                    return bases[i] + start
        return None

    def word_end_before(self, limit: int) -> int | None:
        """The end of the last word ending within ``limit``, or of the first word (None when
        the text has no word); reads the text only as far as ``limit``."""
        end, base = None, 0
        for piece in self.pieces:
            for _, token_end, _ in _piece(piece, self.stemmer)[0]:
                if base + token_end > limit:
                    return base + token_end if end is None else end
                end = base + token_end
            base += len(piece) + 1
        return end

    def word_end_upto(self, position: int) -> int | None:
        """Where the last word ending at or before ``position`` ends."""
        bases = self.bases
        for i in range(self._piece_at(position), -1, -1):
            for _, end, _ in reversed(_piece(self.pieces[i], self.stemmer)[0]):
                if bases[i] + end <= position:
                    return bases[i] + end
        return None


class StoredLayout:
    """A stored text's layout from the index: its token table and matched tokens."""

    def __init__(self, text: str, located: Located):
        self.text = text
        self._table = located.table
        self.matched_starts = located.starts
        self.matched_ends = located.ends
        self.keys = list(located.keys)

    def spans(self) -> list[tuple[int, int]]:
        # matched tokens are distinct positions in text order: their offsets already are
        # sorted and distinct (tokens never overlap)
        return list(zip(self.matched_starts, self.matched_ends, strict=True))

    def word_start_from(self, position: int) -> int | None:
        return self._table.word_start_from(position)

    def word_end_before(self, limit: int) -> int | None:
        return self._table.word_end_before(limit)

    def word_end_upto(self, position: int) -> int | None:
        return self._table.word_end_upto(position)


Layout = _Layout | StoredLayout


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` as HTML: escaped, each span reaching into it in <mark>, runs of
    whitespace one space; in one compiled pass where `_html` is built."""
    if _html is not None:
        rendered = _html.render(text, start, end, spans)
        if rendered is not None:
            return rendered
    return render_python(text, start, end, spans)


def render_python(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """`_render` in Python: the fallback, and the oracle `tests/test_highlight.py` holds the
    compiled pass to."""
    inside = [(s, e) for s, e in spans if e > start and s < end]
    # What cannot be HTML becomes a space, one character for one, so the window is cleaned
    # in one pass and its pieces cut from it at their own offsets.
    low = min(start, inside[0][0]) if inside else start
    high = max(end, max(e for _, e in inside)) if inside else end
    clean = NOT_HTML_RE.sub(" ", text[low:high])
    out, at = [], start
    for span_start, span_end in inside:
        out.append(escape(clean[at - low : span_start - low], quote=False))
        out.append(f"<mark>{escape(clean[span_start - low : span_end - low], quote=False)}</mark>")
        at = span_end
    out.append(escape(clean[at - low : end - low], quote=False))
    return " ".join("".join(out).split())  # line breaks and runs of spaces become one space


def highlight_text(
    text: str, marks: Marks, stemmer: str = DEFAULT_STEMMER, located: Located | None = None
) -> str:
    """The whole text, escaped, with the matched words marked (titles, an article's
    paragraphs); ``located`` when the index says where they are."""
    if located is not None:
        spans = StoredLayout(text, located).spans()
    else:
        spans = _Layout(text, marks, stemmer).spans() if marks else []
    return _render(text, 0, len(text), spans)


def snippet(
    text: str,
    marks: Marks,
    stemmer: str = DEFAULT_STEMMER,
    max_chars: int = SNIPPET_CHARS,
    source_chars: int = SNIPPET_SOURCE_CHARS,
    located: Located | None = None,
) -> str:
    """One to three fragments around the matched words, about ``max_chars`` in all, from
    the first ``source_chars`` of the text; ``located`` when the index says where they
    are."""
    length = len(text.rstrip())
    if len(text) > source_chars:  # cut at a space, so no word is cut in two
        cut = text.rfind(" ", 0, source_chars + 1)
        text = text[: cut if cut > 0 else source_chars]
    layout: Layout
    if located is not None:
        layout = StoredLayout(text, located.within(len(text)))
    else:
        layout = _Layout(text, marks, stemmer)
    if not layout.keys:
        end = layout.word_end_before(max_chars)
        if end is None:  # no word at all
            return ""
        tail = ELLIPSIS if end < length else ""
        return _render(text, 0, end, []) + tail
    starts, keys = layout.matched_starts, layout.keys
    anchors = _anchors(keys)
    wanted = set(keys)
    chosen: list[tuple[int, tuple[int, int]]] = []  # (anchor word, window)
    covered: set[str] = set()
    budget = max_chars
    while len(chosen) < MAX_FRAGMENTS and budget >= MIN_FRAGMENT_CHARS // 2:
        # Share what is left among the words still to show, so a far-away second word
        # gets a fragment of its own instead of the first one taking all the room.
        slots = min(MAX_FRAGMENTS - len(chosen), max(len(wanted - covered), 1))
        limit = max(budget // slots, MIN_FRAGMENT_CHARS)
        best = None
        for i in anchors:
            if any(start <= starts[i] < end for _, (start, end) in chosen):
                continue
            window = _fragment(layout, i, limit)
            # The matched words inside the window: starts are in text order.
            inside = set(keys[bisect_left(starts, window[0]) : bisect_left(starts, window[1])])
            gain = (len(inside - covered), len(inside))
            if best is None or gain > best[0]:
                best = (gain, i, window, inside)
        if best is None or (chosen and best[0][0] == 0):
            break
        _, anchor, window, inside = best
        chosen.append((anchor, window))
        covered |= inside
        budget -= window[1] - window[0]
        if covered >= wanted:
            break
    if len(chosen) == 1:  # one fragment shows every word: let it use the whole budget
        anchor = chosen[0][0]
        chosen = [(anchor, _fragment(layout, anchor, max_chars))]
    fragments = [window for _, window in chosen]
    fragments.sort()
    spans = layout.spans()
    parts = [_render(text, start, end, spans) for start, end in fragments]
    lead = ELLIPSIS + " " if fragments[0][0] > 0 else ""
    trail = " " + ELLIPSIS if fragments[-1][1] < length else ""
    return lead + f" {ELLIPSIS} ".join(parts) + trail


MAX_ANCHORS = 24  # matched words tried as fragment centres: each word's first few, in order


def _anchors(keys: list[str]) -> list[int]:
    seen: dict[str, int] = {}
    chosen = []
    for i, key in enumerate(keys):
        if seen.get(key, 0) < 3:
            seen[key] = seen.get(key, 0) + 1
            chosen.append(i)
            if len(chosen) == MAX_ANCHORS:
                break
    return chosen


def _fragment(layout: Layout, index: int, limit: int) -> tuple[int, int]:
    """The clause around matched word ``index``, widened with its neighbours while they fit
    (`search.analysis.scan.clauses`), trimmed to about ``limit`` characters when it alone
    is longer."""
    word_start, word_end = layout.matched_starts[index], layout.matched_ends[index]
    start, end = _clauses(layout.text).around(word_start, word_end, limit)
    if end - start > limit:  # trim a long clause to a window of whole words around the match
        half = max((limit - (word_end - word_start)) // 2, 0)
        start = max(start, word_start - half)
        end = min(end, max(word_end + half, start + limit))
        start = _snap_start(layout, start, word_start)
        end = _snap_end(layout, end, word_end)
    return start, end


@lru_cache(maxsize=64)
def _clauses(text: str):
    """The text's clauses, found once per text in one compiled pass."""
    return clauses(text, BOUNDARY_CHARS)


def _snap_start(layout: Layout, start: int, floor: int) -> int:
    """Move a cut forward to the start of a whole word (never past the matched word)."""
    found = layout.word_start_from(start)
    return min(found, floor) if found is not None else floor


def _snap_end(layout: Layout, end: int, ceiling: int) -> int:
    """Move a cut back to the end of a whole word (never before the matched word)."""
    found = layout.word_end_upto(end)
    return max(found, ceiling) if found is not None else ceiling
