# cython: language_level=3, boundscheck=False, wraparound=False
"""The tokenizer pattern (`search.analysis.tokens.TOKEN_PATTERN`) as one pass of compiled code
over a batch of texts: the bulk writer's split (`search.analysis.scan`), which Python's regex
engine ran at about a tenth of a build.

Each position is tried as the pattern's alternatives are tried, in their order and greedily:

    A  [0-9A-Za-z\\u00c0-\\u024f]+(?:-[0-9A-Za-z\\u00c0-\\u024f]+)*
    B  \\d+
    C  (?:[^\\W\\d_]|[marks])+(?:-?\\d+)?

with the character classes of Python's ``re`` on str: ``\\d`` is a Unicode decimal digit
(Py_UNICODE_ISDECIMAL) and ``\\w`` a Unicode alphanumeric (Py_UNICODE_ISALNUM) or ``_``.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISSPACE


cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void *PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index) nogil
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)
    PyObject *PyDict_GetItemWithError(object mapping, object key) except? NULL
    long long PyLong_AsLongLong(PyObject *number) except? -1

import numpy as np

# What each character of the Basic Multilingual Plane is to the pattern, looked up once here
# instead of asking Unicode's tables (four calls for ``\w``) at every character.
cdef enum:
    LATIN = 1  # A's class
    DECIMAL = 2  # \d
    LETTER = 4  # [^\W\d_] or a kept mark: C's run
cdef unsigned char CLASS[0x10000]


cdef unsigned char classify(Py_UCS4 ch, bint mark) noexcept:
    cdef unsigned char found = 0
    if (
        (ch >= 0x30 and ch <= 0x39)
        or (ch >= 0x41 and ch <= 0x5A)
        or (ch >= 0x61 and ch <= 0x7A)
        or (ch >= 0xC0 and ch <= 0x24F)
    ):
        found |= LATIN
    if Py_UNICODE_ISDECIMAL(ch):
        found |= DECIMAL
    elif mark or (Py_UNICODE_ISALNUM(ch) and ch != 0x5F):
        found |= LETTER
    return found


def set_marks(str marks):
    """The marks kept inside a word (WORD_MARKS and BIDI_MARKS), all in the BMP; fills the
    table of classes."""
    cdef Py_UCS4 mark
    cdef unsigned char[0x10000] kept
    cdef Py_ssize_t ch
    for ch in range(0x10000):
        kept[ch] = 0
    for mark in marks:
        if mark >= 0x10000:
            raise ValueError("a word mark outside the Basic Multilingual Plane")
        kept[mark] = 1
    for ch in range(0x10000):
        CLASS[ch] = classify(<Py_UCS4>ch, kept[ch])


cdef inline unsigned char class_of(Py_UCS4 ch) noexcept:
    return CLASS[ch] if ch < 0x10000 else classify(ch, False)


cdef inline Py_ssize_t run_end(
    int kind, void *data, Py_ssize_t j, Py_ssize_t n, unsigned char wanted
) noexcept:
    """Where the run of characters of class ``wanted`` from ``j`` ends."""
    while j < n and class_of(PyUnicode_READ(kind, data, j)) & wanted:
        j += 1
    return j


cdef inline bint hyphen_then(
    int kind, void *data, Py_ssize_t j, Py_ssize_t n, unsigned char wanted
) noexcept:
    """Whether a hyphen at ``j`` is followed by a character of class ``wanted``."""
    return (
        j + 1 < n
        and PyUnicode_READ(kind, data, j) == 0x2D
        and class_of(PyUnicode_READ(kind, data, j + 1)) & wanted
    )


def scan(list texts):
    """Every token of every text: (tokens, starts, ends, counts), the tokens of all texts in
    one list in order, their offsets in their own text (int64 arrays) and how many each text
    holds (an int64 array)."""
    tokens, _, starts, ends, counts = walk(texts, None)
    return tokens, starts, ends, counts


def scan_known(list texts, dict known):
    """`scan` with each token looked up in ``known`` (token -> int id) as it is cut: (ids,
    unknown, starts, ends, counts), ids an int64 array with -1 for each token not in
    ``known``, and ``unknown`` those tokens, in order. A token already known is never put in
    a list, nor looked up by a Python step."""
    unknown, ids, starts, ends, counts = walk(texts, known)
    return ids, unknown, starts, ends, counts


cdef tuple walk(list texts, dict known):
    cdef Py_ssize_t total = 0
    cdef str text
    for text in texts:
        total += len(text)
    ids_array = np.empty(total if known is not None else 0, dtype=np.int64)
    starts_array = np.empty(total, dtype=np.int64)
    ends_array = np.empty(total, dtype=np.int64)
    counts_array = np.empty(len(texts), dtype=np.int64)
    cdef long long[::1] ids = ids_array
    cdef long long[::1] starts = starts_array
    cdef long long[::1] ends = ends_array
    cdef long long[::1] counts = counts_array
    cdef list tokens = []
    cdef Py_ssize_t at = 0, number = 0, i, j, n, first
    cdef unsigned char found
    cdef int kind
    cdef void *data
    cdef PyObject *known_id
    for number in range(len(texts)):
        text = texts[number]
        n = len(text)
        kind, data = PyUnicode_KIND(text), PyUnicode_DATA(text)
        first = at
        i = 0
        while i < n:
            found = class_of(PyUnicode_READ(kind, data, i))
            j = i + 1
            if found & LATIN:  # A: Latin runs joined by single hyphens
                j = run_end(kind, data, j, n, LATIN)
                while hyphen_then(kind, data, j, n, LATIN):
                    j = run_end(kind, data, j + 2, n, LATIN)
            elif found & DECIMAL:  # B
                j = run_end(kind, data, j, n, DECIMAL)
            elif found & LETTER:  # C: letters and marks, then digits after at most a hyphen
                j = run_end(kind, data, j, n, LETTER)
                if hyphen_then(kind, data, j, n, DECIMAL):
                    j += 1
                j = run_end(kind, data, j, n, DECIMAL)
            else:
                i = j
                continue
            token = PyUnicode_Substring(text, i, j)
            if known is None:
                tokens.append(token)
            else:
                known_id = PyDict_GetItemWithError(known, token)
                if known_id is NULL:
                    ids[at] = -1
                    tokens.append(token)
                else:
                    ids[at] = PyLong_AsLongLong(known_id)
            starts[at] = i
            ends[at] = j
            at += 1
            i = j
        counts[number] = at - first
    return (
        tokens,
        ids_array[:at].copy() if known is not None else None,
        starts_array[:at].copy(),
        ends_array[:at].copy(),
        counts_array,
    )



cdef unsigned char RUN_TABLE[0x10000]  # the BMP characters of RUN_CHARS
cdef str RUN_CHARS = None  # the characters `runs` was last asked for


def runs(str text, str chars):
    """Where each run of the characters of ``chars`` starts and ends in ``text`` (as the
    regex ``[chars]+`` finds them): two lists of offsets. A text's clause marks, found
    for its snippet in one pass where the regex engine took 20 us a news article."""
    global RUN_CHARS
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text), i, k
    cdef Py_UCS4 ch
    cdef bint inside = False, member
    if chars != RUN_CHARS:
        for k in range(0x10000):
            RUN_TABLE[k] = 0
        for ch in chars:
            if ch < 0x10000:
                RUN_TABLE[ch] = 1
        RUN_CHARS = chars
    starts, ends = [], []
    for i in range(n):
        ch = PyUnicode_READ(kind, data, i)
        member = RUN_TABLE[ch] if ch < 0x10000 else ch in chars
        if member != inside:
            (starts if member else ends).append(i)
            inside = member
    if inside:
        ends.append(n)
    return starts, ends


cdef class Clauses:
    """A text's clauses, as a snippet widens a fragment over them (`search.results.
    highlight`): a clause starts after a run of clause marks (its spaces skipped) and ends
    at the next run's end, or at a line break's start. Each answer is a binary search over
    the runs, where a snippet asked Python's bisect and the text's characters about twelve
    times a hit; `scan.PyClauses` answers the same where this is not built."""

    cdef str _text
    cdef Py_ssize_t _length, _stripped, _count
    cdef Py_ssize_t *_run_starts
    cdef Py_ssize_t *_run_ends
    cdef unsigned char *_breaks

    def __cinit__(self):
        self._run_starts = NULL

    def __init__(self, str text, list starts, list ends):
        """``starts`` and ``ends``: the runs of the text's clause marks (`runs`)."""
        if len(starts) != len(ends):
            raise ValueError("each run of clause marks has a start and an end")
        self._text, self._length = text, len(text)
        self._stripped = len(text.rstrip())
        self._count = len(starts)
        if self._count:
            self._run_starts = <Py_ssize_t *>PyMem_Malloc(
                self._count * (2 * sizeof(Py_ssize_t) + 1)
            )
            if self._run_starts == NULL:
                raise MemoryError()
            self._run_ends = self._run_starts + self._count
            self._breaks = <unsigned char *>(self._run_ends + self._count)
        cdef Py_ssize_t i
        for i in range(self._count):
            self._run_starts[i], self._run_ends[i] = starts[i], ends[i]
            if not 0 <= self._run_starts[i] < self._run_ends[i] <= self._length:
                raise ValueError("a run of clause marks lies outside the text")
            self._breaks[i] = text[self._run_starts[i]] == "\n"

    def __dealloc__(self):
        if self._run_starts != NULL:
            PyMem_Free(self._run_starts)

    cdef Py_ssize_t _first_from(self, Py_ssize_t position) noexcept:
        """The first run that starts at ``position`` or after (``count`` when none)."""
        cdef Py_ssize_t low = 0, high = self._count, middle
        while low < high:
            middle = (low + high) // 2
            if self._run_starts[middle] < position:
                low = middle + 1
            else:
                high = middle
        return low

    cpdef Py_ssize_t start(self, Py_ssize_t position):
        """Where the clause holding ``position`` starts (never after ``position``)."""
        cdef Py_ssize_t i = self._first_from(position) - 1, start
        cdef int kind = PyUnicode_KIND(self._text)
        cdef void *data = PyUnicode_DATA(self._text)
        start = min(self._run_ends[i], position) if i >= 0 else 0
        while start < position and start < self._length and Py_UNICODE_ISSPACE(
            PyUnicode_READ(kind, data, start)
        ):
            start += 1
        return start

    cpdef Py_ssize_t end(self, Py_ssize_t position):
        """Where the clause holding ``position`` ends: its run of marks' end, a line
        break's start, or the text's end without its trailing spaces."""
        cdef Py_ssize_t i = self._first_from(position)
        if i == self._count:
            return self._stripped
        return self._run_starts[i] if self._breaks[i] else self._run_ends[i]

    def around(self, Py_ssize_t word_start, Py_ssize_t word_end, Py_ssize_t limit):
        """The clause of the word at [word_start, word_end), widened with its neighbours
        while the whole fits in ``limit`` characters: (start, end)."""
        cdef Py_ssize_t start = self.start(word_start), end = self.end(word_end)
        cdef Py_ssize_t next_end, previous_start
        cdef bint grown
        while end - start < limit:
            grown = False
            # Only a step that moves counts: past the last clause mark, trailing spaces
            # leave the next clause end where it is (taking that step forever hung).
            if end < self._length:
                next_end = self.end(end + 1)
                if end < next_end and next_end - start <= limit:
                    end, grown = next_end, True
            if start > 0 and end - start < limit:
                previous_start = self.start(start - 1)
                if previous_start < start and end - previous_start <= limit:
                    start, grown = previous_start, True
            if not grown:
                break
        return start, end
