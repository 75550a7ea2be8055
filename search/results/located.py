"""Where a query's matched words are in the documents a page shows, read from the index.

A word is marked when its normalised form is one the query matched, or one of its stems is.
Both fields of a text keep positions (token numbers), so the matched words of the shown
documents are the matched terms' positions in those documents, read from the postings a few
documents at a time, and each text's stored token table (`search.store.spans`) turns a
position into offsets. A document's text is not analysed: a page costs a few reads per
matched term, whatever the length of the articles, and a look-up of each matched word's
stems (kept per process), which tells two matched words apart when fragments are chosen.

A phrase marks its words where they follow one another, as the phrase query matched them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..analysis import DEFAULT_STEMMER, is_stopword, stems, token_words
from ..query import Marks
from ..store import Reader
from ..store.spans import SpanTable, span_table

EXACT_SUFFIX = "_exact"  # a stored text's field of normalised forms (title -> title_exact)
ROOT_SUFFIX = "_root"  # and of its words' roots (title -> title_root)


@dataclass(frozen=True)
class Located:
    """One text's tokens (offsets in the stored text) and which of them a query matched."""

    table: SpanTable  # its tokens' offsets (`search.store.spans`)
    positions: tuple[int, ...]  # matched tokens, ascending
    starts: list[int]  # per matched token: its offsets in the text
    ends: list[int]
    keys: tuple[str, ...]  # per matched token: the word it is (its first stem, or its form)

    def within(self, length: int) -> Located:
        """The tokens of the text cut to its first ``length`` characters."""
        table = self.table.cut(length)
        if table is self.table:
            return self
        kept = sum(1 for position in self.positions if position < len(table))
        return Located(
            table, self.positions[:kept], self.starts[:kept], self.ends[:kept], self.keys[:kept]
        )


def locate(reader: Reader, marks: Marks, stored: dict[int, dict], field: str) -> dict[int, Located]:
    """For each shown document (number -> its stored fields), where ``marks`` fall in its
    ``field`` ("title" or "body")."""
    numbers = np.array(sorted(stored), dtype=np.int64)
    found: dict[int, dict[int, str]] = {number: {} for number in numbers.tolist()}
    if marks and numbers.size:
        exact_field = field + EXACT_SUFFIX
        for exact in sorted(marks.exacts):
            key = _key(exact, reader.stemmer)
            docs, positions = reader.occurrences(exact_field, exact, numbers, keep=False)
            _note(found, docs, positions, key)
        for stem in sorted(marks.stems):
            docs, positions = reader.occurrences(field, stem, numbers, keep=False)
            _note(found, docs, positions, stem)
        for phrase in marks.phrases:
            _phrase(reader, exact_field, phrase, numbers, found)
        for root in sorted(marks.roots):  # root: searches; the root fields keep positions
            docs, positions = reader.occurrences(field + ROOT_SUFFIX, root, numbers, keep=False)
            _note(found, docs, positions, root)
    located = {}
    token_keys: dict[str, str | None] = {}  # a page's matched tokens repeat: each read once
    for number, matched in found.items():
        table = span_table(stored[number], field)
        kept = sorted(position for position in matched if position < len(table))
        starts, ends = table.offsets(kept)
        text = stored[number].get(field) or ""
        keys = []
        for position, start, end in zip(kept, starts, ends, strict=True):
            token = text[start:end]
            if token in token_keys:
                key = token_keys[token]
            else:
                key = token_keys[token] = _token_key(token, marks, reader.stemmer)
            keys.append(key or matched[position])
        located[number] = Located(table, tuple(kept), starts, ends, tuple(keys))
    return located


def _token_key(token: str, marks: Marks, stemmer: str) -> str | None:
    """The key of a matched token's matched word (its first stem, or its form): a word of
    two stems matched by its second is still told apart by its first. Only matched tokens
    are read, each once per process (`_token_words`)."""
    for exact, word_stems in _token_words(token, stemmer):
        if exact in marks.exacts or not marks.stems.isdisjoint(word_stems):
            return word_stems[0] if word_stems else exact
    return None


@lru_cache(maxsize=16_384)  # about 300 bytes each: see analysis.normalize.WORD_CACHE
def _token_words(token: str, stemmer: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return token_words(token, stemmer)


def _note(found: dict[int, dict[int, str]], docs, positions, key: str) -> None:
    """Record matched positions; a position already matched keeps its first key (an exact
    form's, which is the word's own)."""
    for doc, position in zip(docs.tolist(), positions.tolist(), strict=True):
        found[doc].setdefault(position, key)


def _phrase(reader: Reader, field: str, phrase: tuple[str, ...], numbers, found) -> None:
    """Each word of each occurrence of ``phrase``: (document, start) keys of its first word
    moved on by i must meet a key of its word i."""
    keys = []
    for word in phrase:
        docs, positions = reader.occurrences(field, word, numbers, keep=False)
        if not docs.size:
            return
        keys.append((docs << 32) | positions)
    starts = keys[0]
    for offset, later in enumerate(keys[1:], start=1):
        starts = starts[np.isin(starts + offset, later)]
    for offset, word in enumerate(phrase):
        moved = starts + offset
        _note(found, moved >> 32, moved & 0xFFFFFFFF, _key(word, reader.stemmer))


@lru_cache(maxsize=4096)
def _key(exact: str, stemmer: str = DEFAULT_STEMMER) -> str:
    """What tells a word apart from the others when fragments are chosen: its first stem,
    or its form for a stop word."""
    found = () if is_stopword(exact) else stems(exact, stemmer)
    return found[0] if found else exact
