"""Where each token of a stored text sits: the offsets snippets are cut and marked by.

The highlighter needs, for each shown document, where the words a query matched are in the
stored text. Lucene keeps offsets in its postings; here the postings keep positions (token
numbers, in the exact and the stem fields alike) and each document stores, once, the offsets
of its tokens in token order, so the matched words of a hit are its matched terms' positions
looked up in that table: no text is analysed when a search is answered.

A table covers a text's tokens that end within its first `SPAN_CHARS` characters (snippets
are drawn from there) and is stored as little-endian uint16 arrays, ``n`` starts as the gap
from the token before's start, then ``n`` lengths, a token that holds no word (a lone haraka)
having length 0:

>>> table = encode_spans(np.array([0, 5, 9]), np.array([4, 8, 12]), np.array([True, False, True]))
>>> [a.tolist() for a in decode_spans(table)]
[[0, 5, 9], [4, 5, 12]]
"""

from __future__ import annotations

import numpy as np

from ..analysis import TOKEN_RE, token_words

try:
    from ._spans import SpanTable as CompiledSpanTable
except ImportError:  # not compiled: `ArraySpanTable` gives the same answers through numpy
    CompiledSpanTable = None

SPAN_CHARS = 50_000  # snippets come from the start of a text; 99.9% of news bodies fit
SPANS_FIELD = "spans"  # the stored field: one table per text field, by field name
SPAN_FIELDS = ("title", "body")  # the stored texts snippets and titles are marked in
U16 = np.dtype("<u2")
EMPTY = np.empty(0, dtype=np.int64)


def encode_spans(starts: np.ndarray, ends: np.ndarray, holds_word: np.ndarray) -> bytes:
    """The stored table of tokens at [starts, ends), those past `SPAN_CHARS` left out."""
    return encode_many_spans(starts, ends, holds_word, np.array([0, len(starts)]))[0]


def encode_many_spans(
    starts: np.ndarray, ends: np.ndarray, holds_word: np.ndarray, firsts: np.ndarray
) -> list[bytes]:
    """The stored table of each text of a batch at once (text ``i``'s tokens from
    ``firsts[i]`` to ``firsts[i + 1]``): a few array steps for the batch, then two slices a
    text, where each text alone cost a dozen numpy calls.

    >>> tables = encode_many_spans(
    ...     np.array([0, 4, 2]), np.array([3, 9, 5]), np.array([True, False, True]),
    ...     np.array([0, 2, 3, 3]),
    ... )
    >>> [[a.tolist() for a in decode_spans(table)] for table in tables]
    [[[0, 4], [3, 4]], [[2], [5]], [[], []]]
    """
    texts = len(firsts) - 1
    text_of = np.repeat(np.arange(texts), np.diff(firsts))
    kept = np.bincount(text_of[ends <= SPAN_CHARS], minlength=texts)  # a prefix of each text
    gaps = np.diff(starts, prepend=0)
    opening = firsts[:-1][np.diff(firsts) > 0]  # each text's first token: its own start
    gaps[opening] = starts[opening]
    lengths = np.where(holds_word, ends - starts, 0)
    gap_bytes, length_bytes = gaps.astype(U16).tobytes(), lengths.astype(U16).tobytes()
    return [
        gap_bytes[2 * first : 2 * (first + count)] + length_bytes[2 * first : 2 * (first + count)]
        for first, count in zip(firsts[:-1].tolist(), kept.tolist(), strict=True)
    ]


def decode_spans(table: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each token (int64); a token holding no word ends where it starts."""
    count = len(table) // 4
    if not count:
        return EMPTY, EMPTY
    starts = np.cumsum(np.frombuffer(table, dtype=U16, count=count), dtype=np.int64)
    lengths = np.frombuffer(table, dtype=U16, count=count, offset=2 * count)
    return starts, starts + lengths


def text_spans(text: str, stemmer: str) -> bytes:
    """One text's table, token by token: for Whoosh's writer, which adds a few documents at
    a time (the bulk writer makes the same bytes from its batch arrays)."""
    found = [
        (match.start(), match.end(), bool(token_words(match.group(), stemmer)))
        for match in TOKEN_RE.finditer(text[: SPAN_CHARS + 1])
    ]
    if not found:
        return b""
    starts, ends, holds = (np.array(column) for column in zip(*found, strict=True))
    return encode_spans(starts, ends, holds)


def document_spans(fields: dict, stemmer: str) -> dict[str, bytes]:
    """The stored tables of one Whoosh document's texts."""
    return {name: text_spans(fields.get(name) or "", stemmer) for name in SPAN_FIELDS}


class ArraySpanTable:
    """A text's token table read through numpy: the answers of the compiled `SpanTable`
    (`search/store/_spans.pyx`), for a checkout whose extensions are not built;
    `tests/test_spans.py` holds the two to the same answers."""

    def __init__(self, table: bytes, count: int | None = None):
        if len(table) % 4:
            raise ValueError("a token table holds pairs of 16-bit numbers")
        self._table = table
        starts, ends = decode_spans(table)
        self.starts, self.ends = starts[:count], ends[:count]
        words = self.ends > self.starts
        self.word_starts, self.word_ends = self.starts[words], self.ends[words]

    def __len__(self) -> int:
        return int(self.starts.size)

    def offsets(self, positions) -> tuple[list[int], list[int]]:
        chosen = list(positions)
        if any(not 0 <= p < len(self) for p in chosen):
            raise IndexError(f"a token past a table of {len(self)}")
        return self.starts[chosen].tolist(), self.ends[chosen].tolist()

    def cut(self, length: int) -> ArraySpanTable:
        kept = int(np.searchsorted(self.ends, length, side="right"))
        return self if kept == len(self) else ArraySpanTable(self._table, kept)

    def word_start_from(self, position: int) -> int | None:
        i = int(np.searchsorted(self.word_starts, position, side="left"))
        return int(self.word_starts[i]) if i < self.word_starts.size else None

    def word_end_upto(self, position: int) -> int | None:
        i = int(np.searchsorted(self.word_ends, position, side="right")) - 1
        return int(self.word_ends[i]) if i >= 0 else None

    def word_end_before(self, limit: int) -> int | None:
        if not self.word_ends.size:
            return None
        i = int(np.searchsorted(self.word_ends, limit, side="right")) - 1
        return int(self.word_ends[max(i, 0)])


SpanTable = CompiledSpanTable or ArraySpanTable


def span_table(stored: dict, field: str):
    """A stored document's token table of ``field`` (empty when it has none), as a
    `SpanTable`: its tokens' offsets, and the whole words nearest a cut."""
    return SpanTable((stored.get(SPANS_FIELD) or {}).get(field, b""))
