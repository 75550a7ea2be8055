# cython: language_level=3, boundscheck=False, wraparound=False
"""A window of a shown text rendered as HTML in one pass (`search.results.highlight`).

A search renders some twenty windows (ten snippets of one to three fragments, ten titles).
In Python each is a regex pass that blanks what cannot be HTML, an escape of every piece
between the marks, a join, then a split and a join that fold runs of whitespace: about
fourteen microseconds a window. Here one pass over the window's characters does all of it.
`highlight.render_python` is the same function written out, and the oracle the tests hold
this one to.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void *buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)

DEF ENTITY = 5  # the longest a character becomes: &amp;
DEF TAGS = 13  # <mark></mark>


cdef inline bint _not_html(Py_UCS4 c) nogil:
    """NUL, the controls other than ASCII whitespace, and the noncharacters (what
    `highlight.NOT_HTML_RE` matches): each becomes a space."""
    if c <= 0x08 or c == 0x0B or (0x0E <= c <= 0x1F) or (0x7F <= c <= 0x9F):
        return True
    if 0xFDD0 <= c <= 0xFDEF:
        return True
    return (<unsigned int>c & 0xFFFE) == 0xFFFE


cdef class _Out:
    """The rendered characters, with runs of whitespace folded to one space between two
    pieces that are not whitespace, none at either end."""

    cdef Py_UCS4 *buffer
    cdef Py_ssize_t size
    cdef bint pending  # whitespace seen since the last character written

    def __dealloc__(self):
        PyMem_Free(self.buffer)

    cdef inline void put(self, Py_UCS4 c):
        if self.pending:
            if self.size:
                self.buffer[self.size] = 0x20
                self.size += 1
            self.pending = False
        self.buffer[self.size] = c
        self.size += 1

    cdef inline void tag(self, str text):
        cdef Py_ssize_t i
        self.put(PyUnicode_READ_CHAR(text, 0))
        for i in range(1, PyUnicode_GET_LENGTH(text)):
            self.buffer[self.size] = PyUnicode_READ_CHAR(text, i)
            self.size += 1

    cdef void text(self, str source, Py_ssize_t start, Py_ssize_t end):
        cdef Py_ssize_t i
        cdef Py_UCS4 c
        for i in range(start, end):
            c = PyUnicode_READ_CHAR(source, i)
            if _not_html(c) or Py_UNICODE_ISSPACE(c):
                self.pending = True
            elif c == 0x26:  # &
                self.tag("&amp;")
            elif c == 0x3C:  # <
                self.tag("&lt;")
            elif c == 0x3E:  # >
                self.tag("&gt;")
            else:
                self.put(c)


def render(str text, Py_ssize_t start, Py_ssize_t end, list spans):
    """``text[start:end]`` escaped, each span that reaches into it wrapped in <mark>, runs of
    whitespace folded to one space; None where the Python function's slices would count
    from the end (a negative offset, or spans out of order), which it is left to."""
    cdef Py_ssize_t length = PyUnicode_GET_LENGTH(text), low = start, at, s, e, first = -1
    cdef Py_ssize_t count = 0, marked = 0, capacity
    cdef object span
    if start < 0 or end < 0:
        return None
    for span in spans:
        s, e = span
        if e > start and s < end:
            if first < 0:
                first = s
                low = min(start, s)
            if s < low or s < 0:
                return None
            count += 1
            marked += max(min(e, length) - s, 0)  # spans that overlap are rendered twice
    # every character written at most as an entity, and a space before each tag
    capacity = ENTITY * (max(min(end, length) - low, 0) + marked) + (TAGS + 2) * count + 1
    cdef _Out out = _Out()
    out.buffer = <Py_UCS4 *>PyMem_Malloc(capacity * sizeof(Py_UCS4))
    if out.buffer == NULL:
        raise MemoryError()
    out.size = 0
    out.pending = False
    at = start
    for span in spans:
        s, e = span
        if not (e > start and s < end):
            continue
        out.text(text, at, min(s, length))
        out.tag("<mark>")
        out.text(text, s, min(e, length))
        out.tag("</mark>")
        at = e
    out.text(text, at, min(end, length))
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out.buffer, out.size)
