# cython: language_level=3, boundscheck=False, wraparound=False
"""A posting block's positions decoded from their deltas in one compiled pass
(`search.store.codec`): each posting's deltas summed from its first position on.

numpy needs five calls for it (a cumulative sum, each posting's start, a repeat, two
subtractions), a few microseconds each on a block of a few hundred positions, and a search
decodes a block for every shown document, phrase and proximity check.
"""

import numpy as np


def decode_deltas(const unsigned char[::1] raw, Py_ssize_t at, int width, counts):
    """The absolute positions (int64) of ``counts[i]`` deltas per posting, stored from
    ``at`` in ``raw`` as unsigned little-endian integers of ``width`` bytes (1 or 2)."""
    cdef const unsigned int[::1] sizes = np.ascontiguousarray(counts, dtype=np.uint32)
    cdef Py_ssize_t postings = sizes.shape[0], total = 0, p, i = 0, j
    for p in range(postings):
        total += sizes[p]
    if at + total * width > raw.shape[0]:
        raise ValueError("a block's positions run past its end")
    found = np.empty(total, dtype=np.int64)
    cdef long long[::1] out = found
    cdef long long position
    cdef const unsigned char *data = &raw[at] if total else NULL
    for p in range(postings):
        position = 0
        for j in range(sizes[p]):
            if width == 1:
                position += data[i]
            else:
                position += data[2 * i] | (data[2 * i + 1] << 8)
            out[i] = position
            i += 1
    return found
