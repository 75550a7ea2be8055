"""Whoosh's whoosh3 codec with posting blocks stored as arrays.

Everything on disk is Whoosh's (term tables, stored fields, columns, lengths, the posting
files' block headers and skipping) except the data of a posting block. whoosh3 pickles each
block as a tuple of Python ids, floats and, for a Positions field, one pickled list per
posting, so reading a block costs an unpickle per block and per posting, and writing one a
pickle: on 70,000 articles, a fifth of a search and of a build (docs/performance.md). Here
a block's data is little-endian arrays that numpy reads in one call each:

    header     "<BBI": weights kind, values kind, number of postings n
    ids        n uint32, delta-encoded (the first is the id itself)
    weights    nothing (all 1.0) | one float32 (all the same) | n float32
    values     nothing | fixed-size values, concatenated | Positions: n uint32 counts, then
               every position (int32), posting after posting | other formats: n uint32
               byte lengths, then the bytes

then compressed with zlib as whoosh3 does. Whoosh's own matcher API (``id``, ``weight``,
``value``, ``skip_to``, spans, merging) works on these blocks unchanged, and the engine reads
them as arrays, a whole term at a time (`term_arrays`, `term_positions`). A segment records
its codec, so segments written by plain whoosh3 are read as before, beside these; it records
it by module and class name (a pickle in the index's TOC), so `search.store.codec.ArrayCodec`
must keep both (a move is a new index format, `search.store.FORMAT`).

This module is the one place that reaches into whoosh3's private attributes: the writer side
(`ArrayFieldWriter`: a term's postings a block at a time, rare terms inline) and the reader
side (`ArrayLeafMatcher`, `read_lengths`). The rest of the store calls these methods.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from itertools import chain
from operator import sub
from pickle import dumps
from typing import NamedTuple

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.filedb.structfile import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

HEADER = struct.Struct("<BBI")
ONES, SAME, EACH = 0, 1, 2  # weights kinds
NONE, FIXED, POSITIONS, SIZED = 0, 1, 2, 3  # values kinds
U32 = np.dtype("<u4")
F32 = np.dtype("<f4")
I32 = np.dtype("<i4")
_ONE = struct.pack("<f", 1.0)  # one weight of 1.0, as stored


def _ids(parts: list[bytes], counts: list[int], last_ids: list[int]) -> np.ndarray:
    """Absolute ids of consecutive blocks' delta-encoded ids: each block's first delta is its
    first id, so it is made relative to the block before's last id, and one cumulative sum
    decodes them all."""
    deltas = np.frombuffer(b"".join(parts), dtype=U32).astype(np.int64)
    starts = np.cumsum(np.asarray(counts[:-1], dtype=np.int64))
    deltas[starts] -= np.asarray(last_ids[:-1], dtype=np.int64)
    return np.cumsum(deltas)


def _weights_size(kind: int, count: int) -> int:
    """Bytes a block's weights take."""
    return 0 if kind == ONES else 4 if kind == SAME else 4 * count


def _values_kind(format_: formats.Format) -> int:
    size = format_.fixed_value_size()
    if size == 0:
        return NONE
    if size is not None:
        return FIXED
    return POSITIONS if type(format_) is formats.Positions else SIZED


class ArrayCodec(W3Codec):
    """whoosh3 with array posting blocks (see the module docstring)."""

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors (ids are terms): whoosh3's own blocks
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class ArrayFieldWriter(W3FieldWriter):
    """whoosh3's term-table writer with two shortcuts for the bulk writer (`search.store.bulk`):
    a term's postings handed over a block at a time, and rare terms stored inline."""

    def add_term(self, btext: bytes, blocks: Iterable[Block]) -> None:
        """One term whose postings come as blocks of at most ``block_limit`` postings."""
        self.start_term(btext)
        for block in blocks:
            self._postwriter.add_block(block)
        self.finish_term()

    @property
    def block_limit(self) -> int:
        return self._codec._blocklimit

    def add_inline_term(self, btext: bytes, block: Block, encode_positions) -> None:
        """Store a rare term's postings inside its term-table entry (Whoosh reads such a term
        with a ListMatcher; its own writer has the branch but never takes it)."""
        values = [encode_positions(v) if isinstance(v, list) else v for v in block.values]
        info = W3TermInfo()
        info._weight = sum(block.weights)
        info._df = len(block.docs)
        info._minlength = min(block.lengths) if block.lengths else None
        info._maxlength = max(block.lengths, default=0)
        info._maxweight = max(0, *block.weights)
        info._minid, info._maxid = block.docs[0], block.docs[-1]
        info.set_inlined(block.docs, block.weights, values)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())


class Block(NamedTuple):
    """Postings of one term, in document order, as Whoosh's ``add_posting`` gathers them:
    document numbers, weights, values (a Positions field's as lists of positions) and the
    known field lengths of those documents."""

    docs: array
    weights: array
    values: list
    lengths: list[int]


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes each block's data as arrays. A Positions value may be given as Whoosh's
    encoding (what Whoosh's writer and merges pass) or as the list of positions itself
    (what the bulk writer passes, saving an encode and a decode per posting)."""

    def add_block(self, block: Block) -> None:
        """A whole block at once; the last one is left buffered for ``finish_postings`` to
        write, as ``add_posting`` would leave it."""
        if self._ids:
            self._write_block()
        self._ids, self._weights, self._values = block.docs, block.weights, block.values
        self._maxweight = max(0, *block.weights)
        self._minlength = min(block.lengths) if block.lengths else None
        self._maxlength = max(block.lengths, default=0)

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = self._block_data()
        comp = self._compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            data = zlib.compress(data, comp)
        ids = self._ids
        info = dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                comp,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()

    def _block_data(self) -> bytes:
        """The arrays, built with the array module: a block holds a few postings mostly,
        where numpy's per-call cost would outweigh the work."""
        ids = self._ids
        deltas = _little(array("I", map(sub, ids, chain((0,), ids))))
        weights = self._weights
        first = weights[0]
        if weights.count(first) == len(weights):
            weights_kind = ONES if first == 1.0 else SAME
            weights_bytes = b"" if first == 1.0 else _little(array("f", (first,))).tobytes()
        else:
            weights_kind, weights_bytes = EACH, _little(array("f", weights)).tobytes()
        kind = _values_kind(self._format)
        values = self._values
        if kind == NONE:
            values_bytes = b""
        elif kind == FIXED:
            values_bytes = b"".join(values)
        elif kind == POSITIONS:
            decode = self._format.decode_positions
            lists = [decode(v) if isinstance(v, bytes) else v for v in values]
            counts = _little(array("I", map(len, lists)))
            values_bytes = counts.tobytes() + _little(array("i", chain(*lists))).tobytes()
        else:
            sizes = _little(array("I", map(len, values)))
            values_bytes = sizes.tobytes() + b"".join(values)
        head = HEADER.pack(weights_kind, kind, len(ids))
        return b"".join((head, deltas.tobytes(), weights_bytes, values_bytes))


def _little(numbers: array) -> array:
    """The array in little-endian byte order (the block format's)."""
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class ArrayLeafMatcher(W3LeafMatcher):
    """Reads array blocks; Whoosh's matcher API on top, arrays for the engine."""

    def _read_data(self):
        raw, weights_kind, values_kind, count = self._block_bytes()
        at = HEADER.size
        ids = np.cumsum(np.frombuffer(raw, dtype=U32, count=count, offset=at), dtype=np.int64)
        at += 4 * count
        if weights_kind == ONES:
            weights = np.ones(count, dtype=np.float32)
        elif weights_kind == SAME:
            weights = np.full(count, np.frombuffer(raw, dtype=F32, count=1, offset=at)[0])
        else:  # read-only views of the block's bytes: nothing writes into them
            weights = np.frombuffer(raw, dtype=F32, count=count, offset=at)
        self._data = (ids, weights, values_kind, raw, at + _weights_size(weights_kind, count))

    def block_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """This block's document numbers (int64) and weights (float32)."""
        if self._data is None:
            self._read_data()
        return self._data[0], self._data[1]

    def block_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """This block's position counts per posting and every position (absolute within
        its document), posting after posting (a Positions field)."""
        if self._data is None:
            self._read_data()
        _, _, kind, raw, at = self._data
        if kind != POSITIONS:
            raise ValueError("the field stores no positions")
        count = self._blocklength
        counts = np.frombuffer(raw, dtype=U32, count=count, offset=at).astype(np.int64)
        flat = np.frombuffer(raw, dtype=I32, count=int(counts.sum()), offset=at + 4 * count)
        return counts, flat.astype(np.int64)

    # -- whole terms: a Python loop over blocks that only slices bytes, then a few numpy
    # calls for the whole term (per block, numpy's call overhead was most of the cost)

    def _block_bytes(self) -> tuple[bytes, int, int, int]:
        """The current block's data: its bytes, weights and values kinds, number of postings."""
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            raw = zlib.decompress(raw)
        return (raw, *HEADER.unpack_from(raw))

    def term_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (int64) and weights (float32) of every posting from the current
        block on; leaves the matcher at the end."""
        ids, weights, counts, last_ids = [], [], [], []
        while self.is_active():
            raw, weights_kind, _, count = self._block_bytes()
            at = HEADER.size + 4 * count
            ids.append(raw[HEADER.size : at])
            if weights_kind == ONES:
                weights.append(_ONE * count)
            elif weights_kind == SAME:
                weights.append(raw[at : at + 4] * count)
            else:
                weights.append(raw[at : at + 4 * count])
            counts.append(count)
            last_ids.append(self._maxid)
            self._next_block()
        return _ids(ids, counts, last_ids), np.frombuffer(b"".join(weights), dtype=F32)

    def term_positions(self, documents: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and positions of every occurrence in ``documents`` (sorted
        leaf-local numbers) of a Positions field's term; blocks that cannot hold one of
        them are skipped on their headers."""
        ids, counts, positions, sizes, last_ids = [], [], [], [], []
        start, wanted = 0, len(documents)
        while self.is_active() and start < wanted:
            last = self._maxid
            if last < documents[start]:
                self._next_block()
                continue
            start = bisect_right(documents, last, start)
            raw, weights_kind, _, count = self._block_bytes()
            at = HEADER.size + 4 * count + _weights_size(weights_kind, count)
            ids.append(raw[HEADER.size : HEADER.size + 4 * count])
            counts.append(raw[at : at + 4 * count])
            positions.append(raw[at + 4 * count :])
            sizes.append(count)
            last_ids.append(last)
            self._next_block()
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        found = _ids(ids, sizes, last_ids)
        per_posting = np.frombuffer(b"".join(counts), dtype=U32).astype(np.int64)
        flat = np.frombuffer(b"".join(positions), dtype=I32)
        targets = np.asarray(documents, dtype=np.int64)
        where = np.minimum(np.searchsorted(found, targets), found.size - 1)
        postings = where[found[where] == targets]
        firsts = np.cumsum(per_posting) - per_posting
        chosen = per_posting[postings]
        skip = np.repeat(firsts[postings] - (np.cumsum(chosen) - chosen), chosen)
        picked = flat[skip + np.arange(int(chosen.sum()))].astype(np.int64)
        return np.repeat(found[postings], chosen), picked

    def _read_ids(self):
        self._ids = self.block_arrays()[0].tolist()

    def _read_weights(self):
        self._weights = array("f", self.block_arrays()[1].tobytes())

    def _read_values(self):
        if self._data is None:
            self._read_data()
        _, _, kind, raw, at = self._data
        count = self._blocklength
        if kind == NONE:
            self._values = (None,) * count
        elif kind == FIXED:
            size = self._fixedsize
            self._values = tuple(raw[at + i * size : at + (i + 1) * size] for i in range(count))
        elif kind == POSITIONS:
            counts, positions = self.block_positions()
            ends = np.cumsum(counts).tolist()
            flat = positions.tolist()
            encode = self.format.encode
            self._values = tuple(
                encode(flat[end - n : end]) for n, end in zip(counts.tolist(), ends, strict=True)
            )
        else:
            sizes = np.frombuffer(raw, dtype=U32, count=count, offset=at).tolist()
            values, start = [], at + 4 * count
            for size in sizes:
                values.append(raw[start : start + size])
                start += size
            self._values = tuple(values)


_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def read_lengths(leaf, field: str) -> np.ndarray:
    """Each document's length in ``field`` in one segment (float32), read from whoosh3's
    lengths column as raw bytes in one go (Whoosh's own API asks once per document)."""
    perdoc = leaf._perdoc
    name = f"_{field}_len"
    if not perdoc.has_column(name):
        return np.zeros(leaf.doc_count_all(), dtype=np.float32)
    raw = np.array(list(perdoc.column_reader(name, LENGTHS_COLUMN)), dtype=np.uint8)
    return _LENGTH_OF_BYTE[raw]
