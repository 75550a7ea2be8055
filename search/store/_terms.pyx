# cython: language_level=3, boundscheck=False, wraparound=False
"""A segment's term table probed in one compiled pass (`search.store.codec.TermLookup`).

whoosh3 keeps a segment's terms in CRC-32 hash tables (``filetables.HashReader``): 256
tables, each a run of (hash, row position) slots probed linearly, each row a key and its
value (a ``W3TermInfo``). Python's probe cost a few microseconds a term, in struct and
slicing calls, and a request asks for a hundred terms or more: every spelling variant the
compiler tries, every matched word of the ten shown documents, in each segment.

`TermProbe.first_block` goes one step further for the posting lists the engine reads in
place: where the term's first block starts in the postings file, read from its term info,
so no whoosh matcher is made to find it.
"""

from zlib import crc32

from libc.string cimport memcmp

ABSENT = -1  # the segment lacks the term
INLINE = -2  # its postings are kept in its row (a term of one or two documents)

DEF POINTER_SIZE = 12  # a slot: the key's hash (uint32), where its row starts (int64)
DEF LENGTHS_SIZE = 8  # a row: its key's and its value's sizes (int32 each)
DEF INFO_SIZE = 23  # W3TermInfo's struct: flags, weight, count, lengths, weight, ids
DEF COUNT_AT = 5  # its document count, after the flags and the total weight
DEF EXTENT_SIZE = 12  # then, for postings out of line: their offset (int64), length (int32)
DEF MAGIC_SIZE = 4  # the postings of a term start with whoosh3's tag, then its blocks


cdef inline unsigned int be32(const unsigned char *data) noexcept nogil:
    return ((<unsigned int>data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3])


cdef inline long long be64(const unsigned char *data) noexcept nogil:
    return (<long long>be32(data) << 32) | be32(data + 4)


cdef class TermProbe:
    """One segment's term tables over its memory map, and its postings file's."""

    cdef const unsigned char[::1] _terms
    cdef const unsigned char[::1] _postings
    cdef long long _starts[256]
    cdef long long _slots[256]
    cdef bytes _magic
    cdef bint _has_postings

    def __init__(self, terms, tables, postings, bytes magic):
        """``terms``: the term file's buffer; ``tables``: its 256 (start, slots) pairs;
        ``postings``: the postings file's buffer (None: `first_block` answers INLINE);
        ``magic``: the tag each term's postings start with."""
        if len(tables) != 256 or len(magic) != MAGIC_SIZE:
            raise ValueError("a term table has 256 hash tables and a 4-byte postings tag")
        self._terms = terms
        cdef Py_ssize_t i
        for i in range(256):
            self._starts[i], self._slots[i] = tables[i]
            if self._slots[i] and (
                self._starts[i] < 0
                or self._starts[i] + self._slots[i] * POINTER_SIZE > self._terms.shape[0]
            ):
                raise ValueError("a hash table runs past the term file")
        self._has_postings = postings is not None
        if self._has_postings:
            self._postings = postings
        self._magic = magic

    cdef Py_ssize_t _find(self, bytes key, Py_ssize_t *value_size) except -2:
        """Where the key's value starts in the term file (-1: no such key)."""
        cdef unsigned int keyhash = crc32(key)
        cdef const unsigned char *wanted = key
        cdef long long start = self._starts[keyhash & 255], slots = self._slots[keyhash & 255]
        cdef long long slot, at, n, begin
        cdef Py_ssize_t size = len(key), total = self._terms.shape[0]
        cdef const unsigned char *view = &self._terms[0] if total else NULL
        cdef const unsigned char *pointer
        if not slots:
            return -1
        slot = (keyhash >> 8) % slots
        for n in range(slots):
            pointer = view + start + slot * POINTER_SIZE
            at = be64(pointer + 4)
            if not at:
                return -1
            if be32(pointer) == keyhash:
                if at < 0 or at + LENGTHS_SIZE > total:
                    raise ValueError("a term row runs past the term file")
                begin = at + LENGTHS_SIZE
                value_size[0] = <int>be32(view + at + 4)
                if <int>be32(view + at) == size:
                    if begin + size + value_size[0] > total or value_size[0] < 0:
                        raise ValueError("a term row runs past the term file")
                    if size == 0 or memcmp(view + begin, wanted, size) == 0:
                        return begin + size
            slot = slot + 1 if slot + 1 < slots else 0
        return -1

    def row(self, bytes key):
        """(where the key's value starts, its size), or (-1, 0) when the table lacks it."""
        cdef Py_ssize_t size = 0
        cdef Py_ssize_t at = self._find(key, &size)
        if at < 0:
            return -1, 0
        return at, size

    def doc_frequency(self, bytes key) -> int:
        """How many documents hold the term (0 when absent)."""
        cdef Py_ssize_t size = 0
        cdef Py_ssize_t at = self._find(key, &size)
        if at < 0:
            return 0
        if size < INFO_SIZE:
            raise ValueError("a term's info is cut short")
        return be32(&self._terms[at + COUNT_AT])

    def first_block(self, bytes key) -> int:
        """Where the term's first posting block starts in the postings file; ABSENT, or
        INLINE for postings kept in the row (or no postings buffer to read them from)."""
        cdef Py_ssize_t size = 0
        cdef Py_ssize_t at = self._find(key, &size)
        cdef long long offset
        if at < 0:
            return ABSENT
        if size < INFO_SIZE:
            raise ValueError("a term's info is cut short")
        if self._terms[at] or not self._has_postings:
            return INLINE
        if size < INFO_SIZE + EXTENT_SIZE:
            raise ValueError("a term's info is cut short")
        offset = be64(&self._terms[at + INFO_SIZE])
        if offset < 0 or offset + MAGIC_SIZE > self._postings.shape[0]:
            raise ValueError("a term's postings start past the postings file")
        if memcmp(&self._postings[offset], <const char *>self._magic, MAGIC_SIZE) != 0:
            raise ValueError("a term's postings do not start with whoosh3's tag")
        return offset + MAGIC_SIZE
