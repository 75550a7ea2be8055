"""Highlighted titles and snippets: ``<mark>`` on the words as the article wrote them.

The stored text is analysed with the same chain as the index, so each word carries its
offsets in the original text; a word is marked when its normalised form or one of its stems
is one the query matched. Everything outside the marks is HTML-escaped, so neither an
article nor a query can inject markup, and the characters HTML forbids in a document
(controls, noncharacters) become spaces.

Whoosh's own fragmenters know only Latin sentence marks; snippets here are cut at Arabic
clause and sentence marks (؟ ، ؛) as well as . ! ? and newlines, or at word boundaries.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from .analysis import DEFAULT_STEMMER, Word, words

SNIPPET_CHARS = 200  # the whole snippet, about two lines on a phone
MAX_FRAGMENTS = 3
MIN_FRAGMENT_CHARS = 60  # a fragment is widened to at least this many characters
ELLIPSIS = "…"
# Sentence and clause ends: Latin . ! ? ; , Arabic ؟ ، ؛ and the ellipsis, plus line breaks.
BOUNDARY_RE = re.compile(r"[.!?;؟،؛…\n]+")
# NUL, the controls other than ASCII whitespace, and the noncharacters: an HTML parser
# reports each one as an error, so a stray \x01 in an article would break the page.
NOT_HTML_RE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
    + "]"
)


@dataclass(frozen=True)
class Marks:
    """What to mark: normalised forms, stems and phrases (tuples of normalised forms)."""

    exacts: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.exacts or self.stems or self.phrases)


def _marked(text_words: list[Word], marks: Marks) -> list[int]:
    chosen = {
        i
        for i, word in enumerate(text_words)
        if word.exact in marks.exacts or not marks.stems.isdisjoint(word.stems)
    }
    for phrase in marks.phrases:
        size = len(phrase)
        for i in range(len(text_words) - size + 1):
            if all(text_words[i + k].exact == phrase[k] for k in range(size)):
                chosen.update(range(i, i + size))
    return sorted(chosen)


def _spans(text_words: list[Word], chosen: list[int]) -> list[tuple[int, int]]:
    """The marked stretches of text, each once: a ligature such as ﷺ is several words at
    one place, and marking each of them would repeat it."""
    return sorted({(text_words[i].start, text_words[i].end) for i in chosen})


def _escape(text: str) -> str:
    return escape(NOT_HTML_RE.sub(" ", text), quote=False)


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out, at = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        out.append(_escape(text[at:span_start]))
        out.append(f"<mark>{_escape(text[span_start:span_end])}</mark>")
        at = span_end
    out.append(_escape(text[at:end]))
    return " ".join("".join(out).split())  # line breaks and runs of spaces become one space


def highlight_text(text: str, marks: Marks, stemmer: str = DEFAULT_STEMMER) -> str:
    """The whole text, escaped, with the matched words marked (used for titles)."""
    text_words = list(words(text, stemmer)) if marks else []
    return _render(text, 0, len(text), _spans(text_words, _marked(text_words, marks)))


def snippet(
    text: str,
    marks: Marks,
    stemmer: str = DEFAULT_STEMMER,
    max_chars: int = SNIPPET_CHARS,
) -> str:
    """One to three fragments around the matched words, about ``max_chars`` in all."""
    text_words = list(words(text, stemmer))
    matched = _marked(text_words, marks) if marks else []
    if not text_words:
        return ""
    if not matched:
        end = _word_end_before(text_words, max_chars)
        tail = ELLIPSIS if end < len(text.rstrip()) else ""
        return _render(text, 0, end, []) + tail
    spans = _spans(text_words, matched)
    keys = {i: _key(text_words[i]) for i in matched}
    anchors = _anchors(matched, keys)
    wanted = set(keys.values())
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
            if any(start <= text_words[i].start < end for _, (start, end) in chosen):
                continue
            window = _fragment(text, text_words, i, limit)
            inside = {keys[j] for j in matched if window[0] <= text_words[j].start < window[1]}
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
        chosen = [(anchor, _fragment(text, text_words, anchor, max_chars))]
    fragments = [window for _, window in chosen]
    fragments.sort()
    parts = [_render(text, start, end, spans) for start, end in fragments]
    lead = ELLIPSIS + " " if fragments[0][0] > 0 else ""
    trail = " " + ELLIPSIS if fragments[-1][1] < len(text.rstrip()) else ""
    return lead + f" {ELLIPSIS} ".join(parts) + trail


MAX_ANCHORS = 24  # matched words tried as fragment centres: each word's first few, in order


def _anchors(matched: list[int], keys: dict[int, str]) -> list[int]:
    seen: dict[str, int] = {}
    chosen = []
    for i in matched:
        if seen.get(keys[i], 0) < 3:
            seen[keys[i]] = seen.get(keys[i], 0) + 1
            chosen.append(i)
            if len(chosen) == MAX_ANCHORS:
                break
    return chosen


def _key(word: Word) -> str:
    return word.stems[0] if word.stems else word.exact


def _word_end_before(text_words: list[Word], limit: int) -> int:
    end = text_words[0].end
    for word in text_words:
        if word.end > limit:
            break
        end = word.end
    return end


def _fragment(text: str, text_words: list[Word], index: int, limit: int) -> tuple[int, int]:
    """The clause around word ``index``, widened or trimmed to about ``limit`` characters."""
    word = text_words[index]
    start = _clause_start(text, word.start)
    end = _clause_end(text, word.end)
    # Widen a short clause with its neighbours while they fit.
    while end - start < limit:
        grown = False
        # Only a step that moves counts: past the last clause mark, trailing spaces leave
        # the next clause end where it is, and taking that step forever hung the search.
        if end < len(text):
            next_end = _clause_end(text, end + 1)
            if end < next_end and next_end - start <= limit:
                end, grown = next_end, True
        if start > 0 and end - start < limit:
            previous_start = _clause_start(text, start - 1)
            if previous_start < start and end - previous_start <= limit:
                start, grown = previous_start, True
        if not grown:
            break
    if end - start > limit:  # trim a long clause to a window of whole words around the match
        half = max((limit - (word.end - word.start)) // 2, 0)
        start = max(start, word.start - half)
        end = min(end, max(word.end + half, start + limit))
        start = _snap_start(text_words, start, word.start)
        end = _snap_end(text_words, end, word.end)
    return start, end


@lru_cache(maxsize=64)
def _boundaries(text: str) -> tuple[list[int], list[int], list[bool]]:
    """Starts, ends and line-break flags of the text's clause marks, found once per text."""
    found = [(m.start(), m.end(), m.group()[0] == "\n") for m in BOUNDARY_RE.finditer(text)]
    return [f[0] for f in found], [f[1] for f in found], [f[2] for f in found]


def _clause_start(text: str, position: int) -> int:
    starts, ends, _ = _boundaries(text)
    i = bisect_left(starts, position) - 1  # the last mark that starts before position
    start = min(ends[i], position) if i >= 0 else 0
    while start < position and text[start].isspace():
        start += 1
    return start


def _clause_end(text: str, position: int) -> int:
    starts, ends, breaks = _boundaries(text)
    i = bisect_left(starts, position)
    if i == len(starts):
        return len(text.rstrip())
    return starts[i] if breaks[i] else ends[i]


def _snap_start(text_words: list[Word], start: int, floor: int) -> int:
    """Move a cut forward to the start of a whole word (never past the matched word)."""
    i = bisect_left(text_words, start, key=lambda word: word.start)
    return min(text_words[i].start, floor) if i < len(text_words) else floor


def _snap_end(text_words: list[Word], end: int, ceiling: int) -> int:
    """Move a cut back to the end of a whole word (never before the matched word)."""
    i = bisect_right(text_words, end, key=lambda word: word.end) - 1
    return max(text_words[i].end, ceiling) if i >= 0 else ceiling
