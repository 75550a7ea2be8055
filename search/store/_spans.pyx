# cython: language_level=3, boundscheck=False, wraparound=False
"""A stored text's token table decoded and searched in compiled code (`search.store.spans`).

A shown hit needs a few answers from its title's and its body's tables: the offsets of the
matched tokens, where the first whole word after a cut starts, where the last one before a
cut ends, how many tokens the first N characters hold. numpy gave each in one or two calls
of about a microsecond's overhead, some thirty calls a hit; here the table is decoded once,
by one pass, and each answer is a binary search.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc

DEF U16_SIZE = 2


cdef class SpanTable:
    """One text's tokens: ``starts[i]`` and ``ends[i]``, ascending; a token that holds no
    word ends where it starts. ``count`` tokens of the decoded table are in view (`cut`)."""

    cdef long long *_starts
    cdef long long *_ends
    cdef Py_ssize_t _count
    cdef SpanTable _owner  # the table whose arrays a cut shares (None: its own)

    def __cinit__(self):
        self._starts = NULL
        self._ends = NULL
        self._count = 0
        self._owner = None

    def __init__(self, const unsigned char[::1] table):
        """``table``: ``n`` little-endian uint16 gaps from the start before, then ``n``
        lengths (`search.store.spans.encode_spans`)."""
        if table.shape[0] % (2 * U16_SIZE):
            raise ValueError("a token table holds pairs of 16-bit numbers")
        cdef Py_ssize_t n = table.shape[0] // (2 * U16_SIZE), i
        cdef long long at = 0
        if n:
            self._starts = <long long *>PyMem_Malloc(2 * n * sizeof(long long))
            if self._starts == NULL:
                raise MemoryError()
            self._ends = self._starts + n
        for i in range(n):
            at += table[U16_SIZE * i] | (table[U16_SIZE * i + 1] << 8)
            self._starts[i] = at
            self._ends[i] = at + (
                table[U16_SIZE * (n + i)] | (table[U16_SIZE * (n + i) + 1] << 8)
            )
        self._count = n

    def __dealloc__(self):
        if self._owner is None and self._starts != NULL:
            PyMem_Free(self._starts)

    def __len__(self):
        return self._count

    def offsets(self, positions):
        """(starts, ends) of these tokens, as lists; each position must be in view."""
        cdef list starts = [], ends = []
        cdef Py_ssize_t p
        for p in positions:
            if p < 0 or p >= self._count:
                raise IndexError(f"token {p} of a table of {self._count}")
            starts.append(self._starts[p])
            ends.append(self._ends[p])
        return starts, ends

    def cut(self, long long length):
        """The tokens that end within the first ``length`` characters (the same table when
        all do)."""
        cdef Py_ssize_t kept = self._last_end_upto(length) + 1
        if kept == self._count:
            return self
        cdef SpanTable view = SpanTable.__new__(SpanTable)
        view._starts, view._ends, view._count = self._starts, self._ends, kept
        view._owner = self if self._owner is None else self._owner
        return view

    def word_start_from(self, long long position):
        """The start of the first word that starts at ``position`` or after, or None."""
        cdef Py_ssize_t low = 0, high = self._count, middle
        while low < high:  # the first token starting at position or after
            middle = (low + high) // 2
            if self._starts[middle] < position:
                low = middle + 1
            else:
                high = middle
        while low < self._count and self._ends[low] == self._starts[low]:
            low += 1
        return self._starts[low] if low < self._count else None

    def word_end_upto(self, long long position):
        """The end of the last word that ends at ``position`` or before, or None."""
        cdef Py_ssize_t i = self._last_word_upto(position)
        return self._ends[i] if i >= 0 else None

    def word_end_before(self, long long limit):
        """As `word_end_upto`; when no word ends by ``limit``, the first word's end (None
        when the text holds no word)."""
        cdef Py_ssize_t i = self._last_word_upto(limit)
        if i < 0:
            i = 0
            while i < self._count and self._ends[i] == self._starts[i]:
                i += 1
        return self._ends[i] if i < self._count else None

    cdef Py_ssize_t _last_end_upto(self, long long position) noexcept:
        """The last token ending at ``position`` or before (-1: none)."""
        cdef Py_ssize_t low = 0, high = self._count, middle
        while low < high:
            middle = (low + high) // 2
            if self._ends[middle] <= position:
                low = middle + 1
            else:
                high = middle
        return low - 1

    cdef Py_ssize_t _last_word_upto(self, long long position) noexcept:
        cdef Py_ssize_t i = self._last_end_upto(position)
        while i >= 0 and self._ends[i] == self._starts[i]:
            i -= 1
        return i
