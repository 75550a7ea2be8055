# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""MinHash's inner step as one pass of compiled code (`search.analysis.fingerprint`): the
lowest of each of the signature's hash functions over each text's shingles.

numpy made every (shingle, function) hash as an array before taking each text's minimums,
8 bytes times 32 functions for every shingle of a batch: about a twentieth of a build. Here
each hash is made and compared in a register. The arithmetic is numpy's: uint64 products and
sums wrapping modulo 2**64.
"""

import numpy as np

from libc.stdint cimport uint32_t, uint64_t


def lowest_hashes(
    const uint64_t[::1] shingles,
    const long long[::1] firsts,
    const uint64_t[::1] multipliers,
    const uint64_t[::1] offsets,
):
    """For each group of consecutive shingles (group g: from ``firsts[g]`` to the next
    group's first, or the end), the top 32 bits of the lowest ``shingle * multipliers[k] +
    offsets[k]`` (mod 2**64) for each k: a (groups, len(multipliers)) uint32 array."""
    cdef Py_ssize_t groups = firsts.shape[0], size = multipliers.shape[0]
    cdef Py_ssize_t total = shingles.shape[0], g, i, k, end
    found = np.empty((groups, size), dtype=np.uint32)
    cdef uint32_t[:, ::1] out = found
    lows_array = np.empty(size, dtype=np.uint64)
    cdef uint64_t[::1] lows = lows_array
    cdef uint64_t shingle, value
    for g in range(groups):
        end = firsts[g + 1] if g + 1 < groups else total
        for k in range(size):
            lows[k] = 0xFFFFFFFFFFFFFFFF
        for i in range(firsts[g], end):
            shingle = shingles[i]
            for k in range(size):
                value = shingle * multipliers[k] + offsets[k]
                if value < lows[k]:
                    lows[k] = value
        for k in range(size):
            out[g, k] = <uint32_t>(lows[k] >> 32)
    return found
