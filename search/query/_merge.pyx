# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The engine's busiest merges and a term's first scoring as single compiled passes (`search.query.engine`).

numpy merged a word's readings in about forty array calls (the union of their documents,
each reading's places in it, a k-th best score for the typed-first ceiling) and summed the
large lists of a question's words with a fancy-indexed add per list: a third of a question's
time went to the calls themselves, on lists of a few thousand documents. Here each posting is
visited once, the ceiling's k best scores are kept as they change, and the result is read
off the two scratch arrays (one flag byte and one score per document of the index), which
are left cleared.

Scores are float32 and every sum, maximum and scaling is done in the order and precision
numpy does it, so both paths give the same scores to the bit (tests/test_engine.py).
"""

import numpy as np

from libc.math cimport log
from libc.string cimport memcpy

# Where the result holds more than one document in this many of the index, it is read off
# the flags in one pass rather than sorted
DENSE_SHARE = 16

cdef enum:
    TOUCHED = 1  # the document is in the result (it has a score)
    SEEN = 2  # it matches (Readings: the typed word or a reading found it)
    TYPED = 4  # the typed word matches it


cdef struct Best:
    # the k best scores among the documents a Readings has seen so far
    Py_ssize_t count
    Py_ssize_t size
    float floor  # the lowest of them, once there are k
    long long *ids
    float *scores


cdef inline void best_raise(Best *best, long long doc, float score) noexcept nogil:
    """A seen document's score rose to ``score`` (or it was just seen). Scores only rise, so
    a document among the k best rises above the floor: one at or under it is not among them
    and does not enter; one above it moves up where it is, or takes the lowest one's place."""
    cdef Py_ssize_t i, low = 0
    if best.count == best.size and score <= best.floor:
        return
    for i in range(best.count):
        if best.ids[i] == doc:
            best.scores[i] = score
            if best.count == best.size:
                best.floor = best_lowest(best)
            return
    if best.count < best.size:
        best.ids[best.count] = doc
        best.scores[best.count] = score
        best.count += 1
        if best.count == best.size:
            best.floor = best_lowest(best)
        return
    for i in range(1, best.count):
        if best.scores[i] < best.scores[low]:
            low = i
    best.ids[low] = doc
    best.scores[low] = score
    best.floor = best_lowest(best)


cdef inline float best_lowest(Best *best) noexcept nogil:
    """The k-th best score seen (the lowest seen while fewer than k are)."""
    cdef Py_ssize_t i
    cdef float low = best.scores[0]
    for i in range(1, best.count):
        if best.scores[i] < low:
            low = best.scores[i]
    return low


cdef Py_ssize_t flagged(const unsigned char[::1] flags, long long *out) noexcept nogil:
    """Write the places of the non-zero flags to ``out``, ascending; return how many: eight
    flags are tested at once, so a sparse stretch of the index costs little."""
    cdef Py_ssize_t size = flags.shape[0], i = 0, n = 0, j
    cdef const unsigned char *data = &flags[0] if size else NULL
    cdef unsigned long long word
    while i + 8 <= size:
        memcpy(&word, data + i, 8)
        if word:
            for j in range(i, i + 8):
                if data[j]:
                    out[n] = j
                    n += 1
        i += 8
    while i < size:
        if data[i]:
            out[n] = i
            n += 1
        i += 1
    return n


cdef tuple read_off(result_ids, unsigned char[::1] flags, float[::1] values):
    """A merge's result for its documents (``result_ids``, ascending): each one's score and
    whether it matches, read off the scratch arrays, which are cleared there."""
    cdef const long long[::1] ids = result_ids
    cdef Py_ssize_t size = ids.shape[0], k
    cdef long long doc
    result_scores = np.empty(size, dtype=np.float32)
    result_mask = np.empty(size, dtype=np.bool_)
    cdef float[::1] out_scores = result_scores
    cdef unsigned char[::1] out_mask = result_mask.view(np.uint8)
    for k in range(size):
        doc = ids[k]
        out_scores[k] = values[doc]
        out_mask[k] = (flags[doc] & SEEN) != 0
        values[doc] = 0
        flags[doc] = 0
    return result_ids, result_scores, result_mask


cdef check(
    const long long[::1] ids,
    const float[::1] scores,
    const unsigned char[::1] mask,
    unsigned char[::1] flags,
    float[::1] values,
):
    """Refuse a list the kernels would read or write out of bounds: lengths that differ, or
    ids outside the scratch arrays (ids ascend, so the first and last tell)."""
    cdef Py_ssize_t size = ids.shape[0]
    if scores.shape[0] != size or mask.shape[0] != size or values.shape[0] != flags.shape[0]:
        raise ValueError("a list's ids, scores and mask differ in length")
    if size and (ids[0] < 0 or ids[size - 1] >= flags.shape[0]):
        raise ValueError("a list's ids fall outside the index")


def merge_readings(
    const long long[::1] typed_ids,
    const float[::1] typed_scores,
    const unsigned char[::1] typed_mask,
    list others,
    int depth,
    double share,
    unsigned char[::1] flags,
    float[::1] values,
):
    """`Engine._readings` after its readings are evaluated: ``typed_*`` are the typed word's
    matches, ``others`` a list of (ids, scores, mask as uint8) of each later reading, in
    order; ``depth`` and ``share`` are TYPED_FIRST_DEPTH and TYPED_FIRST; ``flags`` and
    ``values`` are scratch arrays over every document, zero on entry and on return.

    Returns (ids, scores, mask) as int64, float32 and bool arrays, ids ascending: the
    documents the typed word scored or a reading found."""
    cdef Py_ssize_t typed = typed_ids.shape[0], total = typed, i, n, fresh, j, k, found
    cdef const long long[::1] ids
    cdef const float[::1] scores
    cdef const unsigned char[::1] mask
    cdef long long doc
    cdef unsigned char state
    cdef float score, highest, factor32
    cdef double ceiling, factor
    cdef bint any_seen = False
    check(typed_ids, typed_scores, typed_mask, flags, values)
    for reading in others:  # every list checked before the scratch arrays are written
        ids, scores, mask = reading
        check(ids, scores, mask, flags, values)
        total += ids.shape[0]
    added_array = np.empty(total, dtype=np.int64)  # documents first touched by a reading
    cdef long long[::1] added = added_array
    pending_array = np.empty(total, dtype=np.int64)  # one reading's new documents (places)
    cdef long long[::1] pending = pending_array
    best_ids = np.empty(max(depth, 1), dtype=np.int64)
    best_scores = np.empty(max(depth, 1), dtype=np.float32)
    cdef long long[::1] best_ids_view = best_ids
    cdef float[::1] best_scores_view = best_scores
    cdef Best best
    best.count = 0
    best.floor = 0
    best.size = max(depth, 1)
    best.ids = &best_ids_view[0]
    best.scores = &best_scores_view[0]
    for i in range(typed):
        doc = typed_ids[i]
        values[doc] = typed_scores[i]
        if typed_mask[i]:
            flags[doc] = TOUCHED | SEEN | TYPED
            best_raise(&best, doc, typed_scores[i])
            any_seen = True
        else:
            flags[doc] = TOUCHED
    n = 0  # documents in added
    for reading in others:
        ids, scores, mask = reading
        fresh = 0
        found = 0
        highest = 0
        for i in range(ids.shape[0]):
            doc = ids[i]
            if not mask[i]:  # scored 0 here, but in the result, as the union of lists
                if not flags[doc] & TOUCHED:
                    flags[doc] = TOUCHED
                    added[n] = doc
                    n += 1
                continue
            found += 1
            state = flags[doc]
            score = scores[i]
            if state & TYPED:  # the typed word is there: the best reading counts
                if score > values[doc]:
                    values[doc] = score
                    best_raise(&best, doc, score)
            elif not state & SEEN:
                if fresh == 0 or score > highest:
                    highest = score
                pending[fresh] = i
                fresh += 1
        if fresh:
            factor32 = 1
            if any_seen:
                ceiling = <double>best_lowest(&best) * share
                factor = 1.0
                if highest > 0 and ceiling / <double>highest < 1.0:
                    factor = ceiling / <double>highest
                factor32 = <float>factor
            for j in range(fresh):
                i = pending[j]
                doc = ids[i]
                score = scores[i] * factor32  # by 1 (exact) before anything is seen
                values[doc] = score
                if not flags[doc] & TOUCHED:
                    added[n] = doc
                    n += 1
                flags[doc] |= TOUCHED | SEEN
                best_raise(&best, doc, score)
        if found:
            any_seen = True
    # The result: the typed word's documents (ascending) and the added ones, read off the
    # flags where they are many, else merged with the added ones sorted.
    cdef Py_ssize_t size = typed + n
    result_ids = np.empty(size, dtype=np.int64)
    cdef long long[::1] out_ids = result_ids
    cdef const long long[::1] late
    if size and size * DENSE_SHARE >= flags.shape[0]:
        flagged(flags, &out_ids[0])
    else:
        extra = np.sort(added_array[:n])
        late = extra
        i = 0
        j = 0
        for k in range(size):
            if j >= n or (i < typed and typed_ids[i] < late[j]):
                out_ids[k] = typed_ids[i]
                i += 1
            else:
                out_ids[k] = late[j]
                j += 1
    return read_off(result_ids, flags, values)


def sum_dense(list children, unsigned char[::1] flags, float[::1] values):
    """`Engine._dense_union`: the children's scores summed per document in the children's
    order, over (ids, scores, mask as uint8) each (a child's ids unique); ``flags`` and
    ``values`` are scratch arrays over every document, zero on entry and on return.

    Returns (ids, scores, mask): the documents any child touched, ascending (read off the
    flags in one pass: the lists are a large share of the index), their sums, and whether
    any child matches them."""
    cdef Py_ssize_t i, n = 0
    cdef const long long[::1] ids
    cdef const float[::1] scores
    cdef const unsigned char[::1] mask
    cdef long long doc
    for child in children:  # every list checked before the scratch arrays are written
        ids, scores, mask = child
        check(ids, scores, mask, flags, values)
    for child in children:
        ids, scores, mask = child
        for i in range(ids.shape[0]):
            doc = ids[i]
            if not flags[doc]:
                n += 1
            values[doc] += scores[i]
            flags[doc] |= TOUCHED | (SEEN if mask[i] else 0)
    result_ids = np.empty(n, dtype=np.int64)
    cdef long long[::1] out_ids = result_ids
    if n:
        flagged(flags, &out_ids[0])
    return read_off(result_ids, flags, values)


cdef enum:
    MAX_FIELDS = 16  # fields a term is scored over (a schema's text fields)


def fielded_scores(
    list parts,
    const unsigned char[::1] live,
    long long documents,
    double k1,
    double b,
):
    """`Engine._score_fielded`'s arithmetic in one pass: a term's BM25F score at boost 1
    in each document any of its fields holds.

    ``parts`` are (ids int64 ascending, tf float32, the field's lengths float32 over every
    document, its mean length, its weight), one per field in the weights' order; ``live``
    is one byte per document (the idf counts the live ones among the term's documents, of
    ``documents`` live in all). Every step is the float32 step numpy takes (`bm25.BM25F`):
    the norm ``(1 - b) + (b * length) / mean``, the field's share ``(weight * tf) / norm``,
    the shares summed from zero in the fields' order, then ``((idf * pseudo) * (k1 + 1)) /
    (pseudo + k1)``, so both paths agree to the bit (tests/test_engine.py).

    Returns (ids int32 ascending, scores float32).
    """
    cdef Py_ssize_t fields = len(parts), f, total = 0, n = 0, i
    cdef long long lowest, index_size = live.shape[0]
    cdef const long long[::1] ids
    cdef const float[::1] tf
    cdef const float[::1] lengths
    cdef const long long *id_at[MAX_FIELDS]
    cdef const float *tf_at[MAX_FIELDS]
    cdef const float *length_at[MAX_FIELDS]
    cdef Py_ssize_t size[MAX_FIELDS]
    cdef Py_ssize_t pos[MAX_FIELDS]
    cdef float base[MAX_FIELDS]
    cdef float mean[MAX_FIELDS]
    cdef float weight[MAX_FIELDS]
    if not 1 <= fields <= MAX_FIELDS:
        raise ValueError(f"a term is scored over 1 to {MAX_FIELDS} fields, not {fields}")
    views = []  # keeps each buffer held while its pointer is read
    for f in range(fields):
        ids, tf, lengths, field_mean, field_weight = parts[f]
        if tf.shape[0] != ids.shape[0]:
            raise ValueError("a field's ids and frequencies differ in length")
        if lengths.shape[0] != index_size:
            raise ValueError("a field's lengths do not cover the index")
        if ids.shape[0] and (ids[0] < 0 or ids[ids.shape[0] - 1] >= index_size):
            raise ValueError("a field's ids fall outside the index")
        views.append((ids, tf, lengths))
        size[f] = ids.shape[0]
        pos[f] = 0
        id_at[f] = &ids[0] if size[f] else NULL
        tf_at[f] = &tf[0] if size[f] else NULL
        length_at[f] = &lengths[0] if index_size else NULL
        base[f] = <float>(1.0 - b)  # as numpy casts each Python float beside float32
        mean[f] = <float>field_mean
        weight[f] = <float>field_weight
        total += size[f]
    result_ids = np.empty(total, dtype=np.int32)
    result_scores = np.empty(total, dtype=np.float32)
    cdef int[::1] out_ids = result_ids
    cdef float[::1] out_scores = result_scores
    cdef float pseudo, norm, b32 = <float>b
    cdef long long live_count = 0
    with nogil:
        while True:
            lowest = -1
            for f in range(fields):
                if pos[f] < size[f] and (lowest < 0 or id_at[f][pos[f]] < lowest):
                    lowest = id_at[f][pos[f]]
            if lowest < 0:
                break
            pseudo = 0.0
            for f in range(fields):
                i = pos[f]
                if i < size[f] and id_at[f][i] == lowest:
                    norm = base[f] + (b32 * length_at[f][lowest]) / mean[f]
                    pseudo = pseudo + (weight[f] * tf_at[f][i]) / norm
                    pos[f] = i + 1
            out_ids[n] = <int>lowest
            out_scores[n] = pseudo
            if live[lowest]:
                live_count += 1
            n += 1
    cdef double idf = log(
        1.0 + (<double>(documents - live_count) + 0.5) / (<double>live_count + 0.5)
    )
    cdef float idf32 = <float>idf, k1_plus = <float>(k1 + 1.0), k1_32 = <float>k1
    for i in range(n):
        pseudo = out_scores[i]
        out_scores[i] = ((idf32 * pseudo) * k1_plus) / (pseudo + k1_32)
    if n == total:
        return result_ids, result_scores
    return result_ids[:n].copy(), result_scores[:n].copy()
