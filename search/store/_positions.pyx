# cython: language_level=3, boundscheck=False, wraparound=False
"""Positions read from posting blocks in compiled passes (`search.store.codec`).

`decode_deltas`: a block's positions decoded from their deltas, each posting's summed from
its first position on. numpy needs five calls for it (a cumulative sum, each posting's
start, a repeat, two subtractions), a few microseconds each on a block of a few hundred
positions.

`block_occurrences`: a term's positions in a few documents (the shown ones, a phrase's
candidates), read in place from the postings file. Python walked a common word's blocks one
header at a time to reach them and cut each block with a dozen numpy calls: a fifth of a
request's time, for the ten documents of a page.

`block_postings`: a term's whole posting list (documents and weights) read in place, where
Python sliced and joined each block's bytes: what a word the worker has not yet met costs.
"""

import numpy as np

from libc.string cimport memcpy


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


cdef inline unsigned int u32(const unsigned char *data) noexcept nogil:
    return data[0] | (data[1] << 8) | (data[2] << 16) | (<unsigned int>data[3] << 24)


cdef Py_ssize_t next_block(
    const unsigned char *raw, Py_ssize_t size, Py_ssize_t position, bint *final
) except -1:
    """Where the block after the one at ``position`` starts, and whether this one is the
    term's last (whoosh's big-endian length, negative for the last); refuses a block whose
    header or length runs past the postings file."""
    cdef long long length
    if position < 0 or position + 25 > size:
        raise ValueError("a posting block runs past the postings file")
    length = <int>((<unsigned int>raw[position] << 24) | (raw[position + 1] << 16)
                   | (raw[position + 2] << 8) | raw[position + 3])
    final[0] = length < 0
    if length < 0:
        length = -length
    if position + 4 + length > size or length < 21:
        raise ValueError("a posting block runs past the postings file")
    return position + 4 + length


cdef inline Py_ssize_t weights_size(
    unsigned char kind, Py_ssize_t count, int ones, int same
) noexcept nogil:
    """Bytes a block's weights take (codec._weights_size)."""
    return 0 if kind == ones else 4 if kind == same else 4 * count


def block_occurrences(
    const unsigned char[::1] postings,
    Py_ssize_t position,
    const long long[::1] documents,
    kinds,
):
    """The occurrences of one term in ``documents`` (leaf-local numbers, ascending): its
    array blocks read in place from ``postings`` (the segment's postings file), from the
    block at ``position`` to its last one, skipping on their headers the blocks that hold
    none of the documents. Returns (document numbers, positions) as int64, or None where a
    block it must read is not one of positions packed plain or as deltas (whole-block zlib):
    the caller reads the term the slow way.

    ``kinds`` are the codec's (POSITIONS, ONES, SAME, PLAIN, DELTAS8, DELTAS16) codes."""
    cdef int positions_kind = kinds[0], ones = kinds[1], same = kinds[2]
    cdef int plain = kinds[3], deltas8 = kinds[4], deltas16 = kinds[5]
    cdef Py_ssize_t wanted = documents.shape[0], size = postings.shape[0]
    cdef Py_ssize_t start = 0, matched = 0, total = 0, i, j, k
    cdef Py_ssize_t data, after, ids_at, counts_at, packed_at, weights, count, offset
    cdef long long last, doc
    cdef unsigned int width, c
    cdef bint final
    cdef const unsigned char *raw = &postings[0] if size else NULL
    found_at = np.empty(wanted, dtype=np.int64)  # per matched posting: where its positions
    found_docs = np.empty(wanted, dtype=np.int64)  # start, its document, how many, width
    found_counts = np.empty(wanted, dtype=np.int64)
    found_widths = np.empty(wanted, dtype=np.int64)
    cdef long long[::1] at_view = found_at, doc_view = found_docs
    cdef long long[::1] count_view = found_counts, width_view = found_widths
    while start < wanted:
        after = next_block(raw, size, position, &final)
        count = u32(raw + position + 4)
        last = u32(raw + position + 8)
        if last >= documents[start]:
            data = position + 18
            if raw[data + 1] != positions_kind:
                return None
            if raw[data + 6] == plain:
                width = 4
            elif raw[data + 6] == deltas8:
                width = 1
            elif raw[data + 6] == deltas16:
                width = 2
            else:
                return None
            weights = weights_size(raw[data], count, ones, same)
            ids_at = data + 7
            counts_at = ids_at + 4 * count + weights
            packed_at = counts_at + 4 * count
            if packed_at > after:
                raise ValueError("a posting block runs past its end")
            doc = 0
            offset = 0
            for i in range(count):
                doc += u32(raw + ids_at + 4 * i)
                c = u32(raw + counts_at + 4 * i)
                while start < wanted and documents[start] < doc:
                    start += 1
                if start == wanted:
                    break
                if documents[start] == doc:
                    if packed_at + (offset + c) * width > after:
                        raise ValueError("a block's positions run past its end")
                    at_view[matched] = packed_at + offset * width
                    doc_view[matched] = doc
                    count_view[matched] = c
                    width_view[matched] = width
                    matched += 1
                    total += c
                    start += 1
                offset += c
            while start < wanted and documents[start] <= last:
                start += 1
        if final:
            break
        position = after
    docs_array = np.empty(total, dtype=np.int64)
    positions_array = np.empty(total, dtype=np.int64)
    cdef long long[::1] docs_out = docs_array, positions_out = positions_array
    cdef long long value
    k = 0
    for j in range(matched):
        value = 0
        for i in range(count_view[j]):
            if width_view[j] == 1:
                value += raw[at_view[j] + i]
            elif width_view[j] == 2:
                value += raw[at_view[j] + 2 * i] | (raw[at_view[j] + 2 * i + 1] << 8)
            else:
                value = <int>u32(raw + at_view[j] + 4 * i)
            docs_out[k] = doc_view[j]
            positions_out[k] = value
            k += 1
    return docs_array, positions_array


def block_postings(const unsigned char[::1] postings, Py_ssize_t position, kinds):
    """Every posting of one term from the block at ``position`` to its last one, read in
    place from ``postings`` (the segment's postings file): document numbers (int64,
    ascending) and weights (float32), as `ArrayLeafMatcher.term_arrays` reads them block by
    block. ``kinds`` as for `block_occurrences`."""
    cdef int ones = kinds[1], same = kinds[2]
    cdef Py_ssize_t size = postings.shape[0], start = position, total = 0, count, i, k = 0
    cdef Py_ssize_t data, after, weights_at
    cdef long long doc
    cdef bint final = False
    cdef const unsigned char *raw = &postings[0] if size else NULL
    cdef unsigned int bits
    cdef float weight
    while not final:  # first the number of postings, each block checked
        after = next_block(raw, size, position, &final)
        count = u32(raw + position + 4)
        data = position + 18
        if data + 7 + 4 * count + weights_size(raw[data], count, ones, same) > after:
            raise ValueError("a posting block runs past its end")
        total += count
        position = after
    ids_array = np.empty(total, dtype=np.int64)
    weights_array = np.empty(total, dtype=np.float32)
    cdef long long[::1] ids_out = ids_array
    cdef float[::1] weights_out = weights_array
    position = start
    final = False
    while not final:
        after = next_block(raw, size, position, &final)
        count = u32(raw + position + 4)
        data = position + 18
        weights_at = data + 7 + 4 * count
        doc = 0
        if raw[data] == ones:
            weight = 1
        elif raw[data] == same:
            bits = u32(raw + weights_at)
            memcpy(&weight, &bits, 4)
        for i in range(count):
            doc += u32(raw + data + 7 + 4 * i)
            ids_out[k] = doc
            if raw[data] != ones and raw[data] != same:
                bits = u32(raw + weights_at + 4 * i)
                memcpy(&weight, &bits, 4)
            weights_out[k] = weight
            k += 1
        position = after
    return ids_array, weights_array
