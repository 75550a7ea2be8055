"""Whoosh's whoosh3 codec with posting blocks stored as arrays.

Everything on disk is Whoosh's (term tables, stored fields, columns, lengths, the posting
files' block headers and skipping) except the data of a posting block. whoosh3 pickles each
block as a tuple of Python ids, floats and, for a Positions field, one pickled list per
posting, so reading a block costs an unpickle per block and per posting, and writing one a
pickle: on 70,000 articles, a fifth of a search and of a build (docs/performance.md). Here
a block's data is little-endian arrays that numpy reads in one call each:

    header     "<BBIB": weights kind, values kind, number of postings n, positions packing
    ids        n uint32, delta-encoded (the first is the id itself)
    weights    nothing (all 1.0) | one float32 (all the same) | n float32
    values     nothing | fixed-size values, concatenated | Positions: n uint32 counts, then
               every position, posting after posting, packed as the header says (each
               less the one before in its posting, as uint8 or uint16, or int32 where such
               a delta does not fit, through zlib when long) | other formats: n uint32
               byte lengths, then the bytes

Each block's header (whoosh3's pickled info tuple) is a fixed struct, `BLOCK_INFO`. Only a
Positions block's positions are packed smaller than they are: ranking reads every block of
a term for its ids and weights, and decompressing whole blocks was a tenth of a search;
positions are read for phrases and snippets, a few documents at a time. Whoosh's own
matcher API (``id``, ``weight``, ``value``, ``skip_to``, spans, merging) works on these
blocks unchanged, and the engine reads them as arrays, a whole term at a time
(`term_arrays`, `term_positions`). A segment records its codec, so segments written by plain
whoosh3 are read as before, beside these; it records it by module and class name (a pickle
in the index's TOC), so `search.store.codec.ArrayCodec` must keep both (a move is a new
index format, `search.store.FORMAT`).

This module is the one place that reaches into whoosh3's private attributes: the writer side
(`ArrayFieldWriter`: a term's postings a block at a time, rare terms inline), the reader side
(`ArrayLeafMatcher`, `read_lengths`) and how a segment's files are opened (`MappedFile`). The
rest of the store calls these methods.
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
from pickle import HIGHEST_PROTOCOL, dumps, loads
from typing import NamedTuple
from zlib import crc32

import numpy as np
from whoosh import columns, formats
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.filedb import compound, filetables
from whoosh.filedb.structfile import BufferFile, pack_int, pack_long, pack_uint, pack_ushort
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from .bulk_text import gather

try:
    from ._positions import block_occurrences, block_postings, decode_deltas
except ImportError:  # not compiled (a checkout never installed): numpy does the same
    block_occurrences = block_postings = decode_deltas = None
try:
    from ._terms import TermProbe
except ImportError:  # not compiled: the probe is written out in Python
    TermProbe = None

HEADER = struct.Struct("<BBIB")
# What whoosh3 pickles before each block's data (postings, last id, best weight, whole-block
# compression, shortest and longest field length as bytes), as a fixed struct: a term is read
# a block at a time, and unpickling each block's header was a tenth of reading it.
BLOCK_INFO = struct.Struct("<IIfBB")
BLOCK_LENGTH = struct.Struct(">i")  # whoosh's block length (negative for a term's last block)
# How a block's positions are packed: int32 as they are, int32 through zlib, or each
# position less the one before it in its posting (the first: itself) as one unsigned byte
# or two. Deltas take 2 bytes a position or less where zlib took 2.4 (10k news articles:
# 36.4 MB of int32, 21.5 MB through zlib) and cost nothing to pack, where zlib was a twelfth
# of a build; int32 is kept for a block a delta does not fit (a text of 65,536 tokens).
# Reading them back is one compiled pass (`_positions.pyx`): 2 µs a block of 128 postings,
# where zlib took 12 and numpy's five calls 15.
PLAIN, ZLIB, DELTAS8, DELTAS16 = 0, 1, 2, 3
POSITIONS_ZLIB_LEVEL = 1
_DELTA_TYPES = {DELTAS8: np.dtype("u1"), DELTAS16: np.dtype("<u2")}
ONES, SAME, EACH = 0, 1, 2  # weights kinds
NONE, FIXED, POSITIONS, SIZED = 0, 1, 2, 3  # values kinds
_BLOCK_KINDS = (POSITIONS, ONES, SAME, PLAIN, DELTAS8, DELTAS16)  # for _positions' readers
U32 = np.dtype("<u4")
F32 = np.dtype("<f4")
I32 = np.dtype("<i4")
_ONE = struct.pack("<f", 1.0)  # one weight of 1.0, as stored


def _ids(parts: list[bytes], counts: list[int], last_ids: list[int]) -> np.ndarray:
    """Absolute ids of consecutive blocks' delta-encoded ids: each block's first delta is its
    first id, so it is made relative to the block before's last id, and one cumulative sum
    decodes them all."""
    if len(parts) == 1:  # most terms: one block, its first delta already its first id
        return np.cumsum(np.frombuffer(parts[0], dtype=U32).astype(np.int64))
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


def position_deltas(positions: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each position less the one before it in its posting, the first of a posting itself
    (int64): ``counts`` positions to a posting, postings one after another.

    >>> position_deltas(np.array([3, 7, 8, 2, 40]), np.array([3, 0, 2])).tolist()
    [3, 4, 1, 2, 38]
    """
    deltas = np.diff(positions.astype(np.int64, copy=False), prepend=0)
    firsts = (np.cumsum(counts) - counts)[counts > 0]
    deltas[firsts] = positions[firsts]
    return deltas


def delta_packing(low: int, high: int) -> int | None:
    """The deltas packing for a block whose deltas lie in [low, high]; None when no delta
    type holds them."""
    if low < 0 or high > 0xFFFF:
        return None
    return DELTAS8 if high <= 0xFF else DELTAS16


def _pack_int32(raw: bytes) -> tuple[int, bytes]:
    """int32 positions as stored: zlib-compressed when long enough to gain."""
    if len(raw) >= COMPRESSION_MIN_SIZE:
        return ZLIB, zlib.compress(raw, POSITIONS_ZLIB_LEVEL)
    return PLAIN, raw


def _pack_positions(positions: np.ndarray, counts: np.ndarray) -> tuple[int, bytes]:
    """A block's positions (``counts`` to a posting) as stored: deltas where they fit."""
    if not positions.size:
        return PLAIN, b""
    deltas = position_deltas(positions, counts)
    packing = delta_packing(int(deltas.min()), int(deltas.max()))
    if packing is None:
        return _pack_int32(positions.astype(I32).tobytes())
    return packing, deltas.astype(_DELTA_TYPES[packing]).tobytes()


def _unpack_positions(raw: bytes, at: int, packing: int, counts: np.ndarray) -> np.ndarray:
    """A block's positions (int64, absolute within each document), from ``at`` in its data;
    ``counts`` to a posting."""
    if packing >= DELTAS8 and decode_deltas is not None:
        return decode_deltas(raw, at, _DELTA_TYPES[packing].itemsize, counts)
    total = int(counts.sum())
    if packing == ZLIB:
        return np.frombuffer(zlib.decompress(raw[at:]), dtype=I32, count=total).astype(np.int64)
    if packing == PLAIN:
        return np.frombuffer(raw, dtype=I32, count=total, offset=at).astype(np.int64)
    deltas = np.frombuffer(raw, dtype=_DELTA_TYPES[packing], count=total, offset=at)
    sums = np.cumsum(deltas, dtype=np.int64)
    before = np.concatenate(([0], sums))[np.cumsum(counts) - counts]  # each posting's start
    return sums - np.repeat(before, counts)


class _ViewReader:
    """A read-only file over a memoryview: a read copies only the bytes it returns."""

    __slots__ = ("_at", "_view")

    def __init__(self, view: memoryview):
        self._view, self._at = view, 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._at + size
        data = bytes(self._view[self._at : end])
        self._at += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        view = self._view
        end = len(view) if size is None or size < 0 else min(self._at + size, len(view))
        at = self._at
        while at < end:  # look for the line's end a page at a time
            found = bytes(view[at : min(at + 4096, end)]).find(b"\n")
            if found >= 0:
                return self.read(at + found + 1 - self._at)
            at += 4096
        return self.read(end - self._at)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._at, len(self._view))[whence]
        self._at = max(base + offset, 0)
        return self._at

    def tell(self) -> int:
        return self._at

    def close(self) -> None:
        pass


class MappedFile(BufferFile):
    """A file of a segment, read from the segment's memory map in place.

    whoosh3 opens each file of a compound segment as a ``BytesIO`` of its slice of the map,
    which copies it: every worker then held a private copy of the postings, term tables and
    stored fields it had opened (over a gigabyte for 70,000 articles). Reading through the
    memoryview leaves the bytes in the page cache, shared by every process that maps them.
    """

    def __init__(self, buf, name=None, onclose=None):
        self._buf, self._name, self.onclose = buf, name, onclose
        self.file = _ViewReader(buf)
        self.is_real = False
        self.is_closed = False


compound.BufferFile = MappedFile  # how CompoundStorage.open_file opens a file of the map


class StoredColumn(columns.PickleColumn):
    """A document's stored fields as one pickle of the highest protocol, not compressed.

    whoosh3 pickles them with protocol 2 (which spells bytes, the token table, as latin-1
    text) and deflates each: 32 µs to read a news article and 163 µs to write it, against
    6 and 2 µs here (docs/performance.md, "What each change did"), for 2.5 times the
    bytes; a search reads ten of them, and a build wrote every one."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn())

    class Writer(columns.PickleColumn.Writer):
        def add(self, docnum, v):
            self._child.add(docnum, b"" if v is None else dumps(v, HIGHEST_PROTOCOL))


STORED = StoredColumn()


class ArrayPerDocWriter(W3PerDocWriter):
    """whoosh3's per-document writer with the stored fields in a `StoredColumn`."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, STORED if fieldname == "_stored" else column)


class ArrayPerDocReader(W3PerDocReader):
    """whoosh3's per-document reader, the stored fields read from a `StoredColumn`."""

    def stored_fields(self, docnum):
        return self._cached_reader("_stored", STORED)[docnum] or {}


class ArrayCodec(W3Codec):
    """whoosh3 with array posting blocks and stored fields kept whole (see the module
    docstring and `StoredColumn`)."""

    def field_writer(self, storage, segment):
        return ArrayFieldWriter(self, storage, segment)

    def per_document_writer(self, storage, segment):
        return ArrayPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return ArrayPerDocReader(storage, segment)

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
    """whoosh3's term-table writer with shortcuts for the bulk writer (`search.store.bulk`):
    a term's postings handed over a block at a time, rare terms stored inline, and a whole
    field's terms written from arrays (`add_terms`)."""

    def __init__(self, codec, storage, segment):  # W3FieldWriter's, with a `TermTable`
        self._codec, self._storage, self._segment = codec, storage, segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._tindex = TermTable(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.extras["fieldmap"] = {}
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False

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

    def add_terms(self, terms: TermArrays, encode_positions) -> None:
        """A whole field's terms at once, from arrays (the bulk writer's fresh segments):
        each term's statistics, blocks and term-table row computed with numpy for all terms,
        so the one Python loop left per term and per block only slices bytes, compresses and
        joins. A term with fewer than ``terms.inline_below`` postings is stored inline, as
        `add_inline_term` stores it; the bytes are those `add_term` and `add_inline_term`
        write for the same postings."""
        if not terms.btexts:
            return
        kind = _values_kind(self._format)
        if kind == SIZED or (kind == FIXED and self._format.posting_size != 4):
            raise ValueError("add_terms writes Existence, Frequency and Positions fields")
        units = _Units(terms, self._codec._blocklimit)
        docs = terms.docs.astype(np.int64)
        freqs = terms.freqs.astype(np.int64)
        weights = freqs.astype(np.float32) * np.float32(terms.boost)
        length_bytes = terms.length_bytes[docs].astype(np.int64)
        starts, last = units.starts, units.ends - 1
        unit_max = np.maximum.reduceat(weights, starts)
        unit_min = np.minimum.reduceat(weights, starts)
        unit_minlen = np.minimum.reduceat(length_bytes, starts)
        unit_maxlen = np.maximum.reduceat(length_bytes, starts)
        # a term's statistics over its units (whoosh3's TermInfo.add_block, block by block)
        firsts = units.term_first_unit
        term_weight = np.add.reduceat(np.add.reduceat(weights.astype(np.float64), starts), firsts)
        term_maxw = np.maximum(np.maximum.reduceat(unit_max, firsts), 0)
        term_minlen = np.minimum.reduceat(unit_minlen, firsts)
        term_maxlen = np.maximum.reduceat(unit_maxlen, firsts)
        # every block's data as slices of whole-field byte strings
        previous = np.concatenate(([0], docs[:-1]))
        previous[starts] = 0
        delta_bytes = (docs - previous).astype(U32).tobytes()
        weight_bytes = weights.astype(F32).tobytes()
        value_bytes = b""
        if kind == FIXED:  # Frequency: each value is pack_uint(frequency), big-endian
            value_bytes = freqs.astype(">u4").tobytes()
        position_ends = np.cumsum(freqs)
        unit_pos_start = (position_ends - freqs)[starts]
        if kind == POSITIONS:  # each block's positions as deltas, packed by the largest
            value_bytes = freqs.astype(U32).tobytes()
            deltas = position_deltas(terms.positions, freqs)
            packings = [PLAIN] * len(starts)
            if deltas.size:  # a block of no positions (none in Whoosh) packs as PLAIN
                begin = np.minimum(unit_pos_start, deltas.size - 1)
                low = np.minimum.reduceat(deltas, begin)
                high = np.maximum.reduceat(deltas, begin)
                packings = list(map(delta_packing, low.tolist(), high.tolist()))
            delta_bytes8 = deltas.astype(_DELTA_TYPES[DELTAS8]).tobytes()
            delta_bytes16 = deltas.astype(_DELTA_TYPES[DELTAS16]).tobytes()
        unit_kind = np.where(unit_min == unit_max, np.where(unit_max == 1.0, ONES, SAME), EACH)
        unit_rows = zip(
            units.starts.tolist(),
            units.ends.tolist(),
            unit_kind.tolist(),
            docs[last].tolist(),
            unit_max.tolist(),
            unit_minlen.tolist(),
            unit_maxlen.tolist(),
            unit_pos_start.tolist(),
            position_ends[last].tolist(),
            strict=True,
        )
        sizes = terms.ends - terms.starts
        term_rows = zip(
            terms.btexts,
            sizes.tolist(),
            docs[terms.starts].tolist(),
            docs[terms.ends - 1].tolist(),
            units.counts.tolist(),
            term_weight.tolist(),
            term_maxw.tolist(),
            term_minlen.tolist(),
            term_maxlen.tolist(),
            strict=True,
        )
        # Python lists of the inline terms' postings only (a term in blocks is written from
        # the byte strings above): most postings belong to terms in blocks
        inline = sizes < terms.inline_below
        inline_postings = gather(terms.starts[inline], sizes[inline])
        doc_list, freq_list, weight_list = (
            values[inline_postings].tolist() for values in (docs, freqs, weights)
        )
        at_inline = 0  # where the next inline term's postings begin in those lists
        positions = terms.positions
        if kind == POSITIONS:  # an inline term's first position, for the usual one-position term
            first_positions = np.zeros(len(starts), dtype=np.int64)
            has = freqs[starts] > 0
            first_positions[has] = positions[unit_pos_start[has]]
            first_positions = first_positions.tolist()

        pack_info = W3TermInfo._struct.pack
        key_prefix = pack_ushort(self._fieldid)
        postfile = self._postfile
        offset = postfile.tell()
        keys, rows, posts = [], [], []
        unit_numbers = iter(range(len(starts)))
        inline_below = terms.inline_below
        for btext, size, first_doc, last_doc, count, weight, maxw, minlen, maxlen in term_rows:
            keys.append(key_prefix + btext)
            row = pack_info(
                size < inline_below, weight, size, minlen, maxlen, maxw, first_doc, last_doc
            )
            if size < inline_below:
                at, unit = next(unit_rows)[-2], next(unit_numbers)
                start, end = at_inline, at_inline + size
                at_inline = end
                if kind == FIXED:
                    values = tuple(map(pack_uint, freq_list[start:end]))
                elif kind == POSITIONS and size == 1 and freq_list[start] == 1:
                    values = (encode_positions([first_positions[unit]]),)
                elif kind == POSITIONS:
                    values = []
                    for freq in freq_list[start:end]:
                        values.append(encode_positions(positions[at : at + freq].tolist()))
                        at += freq
                    values = tuple(values)
                else:
                    values = ()
                inlined = (tuple(doc_list[start:end]), tuple(weight_list[start:end]), values)
                rows.append(row + dumps(inlined, 2))
                continue
            pieces = [WHOOSH3_HEADER_MAGIC]
            for u in range(count):
                s, e, weights_kind, last_id, maxw, minlen, maxlen, ps, pe = next(unit_rows)
                unit = next(unit_numbers)
                if weights_kind == ONES:
                    weights_data = b""
                elif weights_kind == SAME:
                    weights_data = weight_bytes[4 * s : 4 * s + 4]
                else:
                    weights_data = weight_bytes[4 * s : 4 * e]
                packing, packed = PLAIN, b""
                if kind == POSITIONS:
                    packing = packings[unit]
                    if packing == DELTAS8:
                        packed = delta_bytes8[ps:pe]
                    elif packing == DELTAS16:
                        packed = delta_bytes16[2 * ps : 2 * pe]
                    else:
                        packing, packed = _pack_int32(terms.positions[ps:pe].astype(I32).tobytes())
                data = b"".join(
                    (
                        HEADER.pack(weights_kind, kind, e - s, packing),
                        delta_bytes[4 * s : 4 * e],
                        weights_data,
                        value_bytes[4 * s : 4 * e],
                        packed,
                    )
                )
                info = BLOCK_INFO.pack(e - s, last_id, maxw, minlen, maxlen)
                size = len(info) + len(data)
                pieces += (pack_int(-size if u == count - 1 else size), info, data)
            block = b"".join(pieces)
            posts.append(block)
            rows.append(row + pack_long(offset) + pack_int(len(block)))
            offset += len(block)
        postfile.write(b"".join(posts))
        self._tindex.add_many(keys, rows)


class TermArrays(NamedTuple):
    """A field's postings for `ArrayFieldWriter.add_terms`, term after term in term order
    and each term's postings in document order."""

    btexts: list[bytes]  # the terms, sorted
    starts: np.ndarray  # where each term's postings begin
    ends: np.ndarray  # and end
    docs: np.ndarray  # per posting: document number
    freqs: np.ndarray  # per posting: frequency
    positions: np.ndarray | None  # a Positions field: every posting's positions, in order
    length_bytes: np.ndarray  # per document: its field length as whoosh3's length byte
    boost: float
    inline_below: int


class _Units:
    """The pieces a field's postings are written in: one per inline term, and each other
    term's blocks of at most ``limit`` postings."""

    def __init__(self, terms: TermArrays, limit: int):
        sizes = terms.ends - terms.starts
        counts = np.where(sizes < terms.inline_below, 1, -(-sizes // limit))
        first = np.cumsum(counts) - counts
        within = np.arange(int(counts.sum())) - np.repeat(first, counts)
        self.starts = np.repeat(terms.starts, counts) + within * limit
        self.ends = np.minimum(self.starts + limit, np.repeat(terms.ends, counts))
        inline = np.repeat(sizes < terms.inline_below, counts)
        self.ends[inline] = np.repeat(terms.ends, counts)[inline]
        self.counts, self.term_first_unit = counts, first
        self.sizes = (self.ends - self.starts).tolist()


class TermTable(filetables.OrderedHashWriter):
    """Whoosh's ordered hash file of terms (the ``.trm`` file) with CRC-32 keys, rows added
    many at a time (`add_many`) and its hash tables laid out with numpy.

    The hash type is one of the three whoosh's reader knows, read from the file's header:
    ``zlib.crc32`` is one C call per key where whoosh3's MD5 is a Python function, and the
    tables' layout is linear probing as whoosh's own (``_write_hashes``), placed with a
    cumulative maximum instead of one probe loop per key.
    """

    def __init__(self, dbfile):
        filetables.HashWriter.__init__(self, dbfile, hashtype=CRC32)
        self.index = filetables.GrowableArray("H")
        self.lastkey = b""
        self._many: list[tuple[np.ndarray, np.ndarray]] = []

    def add_many(self, keys: list[bytes], values: list[bytes]) -> None:
        """Rows in key order, after every row added before: one write for all of them."""
        if not keys:
            return
        if keys[0] <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{keys[0]!r}")
        key_sizes = list(map(len, keys))
        value_sizes = list(map(len, values))
        sizes = 8 + np.asarray(key_sizes, dtype=np.int64) + np.asarray(value_sizes, np.int64)
        positions = self.dbfile.tell() + np.cumsum(sizes) - sizes
        heads = map(filetables._lengths.pack, key_sizes, value_sizes)
        self.dbfile.write(b"".join(chain.from_iterable(zip(heads, keys, values, strict=True))))
        hashes = np.fromiter(map(crc32, keys), dtype=np.int64, count=len(keys))
        self._many.append((hashes, positions))
        index, top = self.index, int(positions[-1])
        if top >= _INDEX_LIMITS.get(index.typecode, 1 << 63):
            index._retype(top)
        index.array.extend(positions.tolist())
        self.lastkey = keys[-1]

    def _write_hashes(self):
        found = [np.asarray(bucket, dtype=np.int64).reshape(-1, 2) for bucket in self.buckets]
        hashes = np.concatenate([f[:, 0] for f in found] + [h for h, _ in self._many])
        positions = np.concatenate([f[:, 1] for f in found] + [p for _, p in self._many])
        buckets = hashes & 255
        order = np.argsort(buckets, kind="stable")
        bounds = np.searchsorted(buckets[order], np.arange(257))
        dbfile = self.dbfile
        for b in range(256):
            chosen = order[bounds[b] : bounds[b + 1]]
            slots = 2 * chosen.size
            self.directory.append((dbfile.tell(), slots))
            if not slots:
                continue
            table = np.zeros(slots, dtype=_SLOT)
            home = (hashes[chosen] >> 8) % slots
            by_home = np.argsort(home, kind="stable")
            rank = np.arange(chosen.size)
            placed = rank + np.maximum.accumulate(home[by_home] - rank)
            if placed[-1] < slots:  # no run wraps past the end: every slot follows its home
                table["hash"][placed] = hashes[chosen][by_home]
                table["position"][placed] = positions[chosen][by_home]
            else:  # whoosh's own probe loop for the rare table whose last run wraps round
                for hashval, position in zip(
                    hashes[chosen].tolist(), positions[chosen].tolist(), strict=True
                ):
                    slot = (hashval >> 8) % slots
                    while table["position"][slot]:
                        slot = (slot + 1) % slots
                    table[slot] = (hashval, position)
            dbfile.write(table.tobytes())


CRC32 = 1  # whoosh's hash types: 0 MD5, 1 CRC-32, 2 CDB
_SLOT = np.dtype([("hash", ">u4"), ("position", ">i8")])  # whoosh's "!Iq" pointer
_INDEX_LIMITS = {"H": 1 << 16, "i": 1 << 31, "I": 1 << 32}  # GrowableArray's typecodes


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
        ids = self._ids
        info = BLOCK_INFO.pack(
            len(ids),
            ids[-1],
            self._maxweight,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
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
        packing = PLAIN
        if kind == NONE:
            values_bytes = b""
        elif kind == FIXED:
            values_bytes = b"".join(values)
        elif kind == POSITIONS:
            decode = self._format.decode_positions
            lists = [decode(v) if isinstance(v, bytes) else v for v in values]
            counts = _little(array("I", map(len, lists)))
            positions = np.fromiter(chain(*lists), dtype=np.int64)
            packing, packed = _pack_positions(positions, np.frombuffer(counts, dtype=U32))
            values_bytes = counts.tobytes() + packed
        else:
            sizes = _little(array("I", map(len, values)))
            values_bytes = sizes.tobytes() + b"".join(values)
        head = HEADER.pack(weights_kind, kind, len(ids), packing)
        return b"".join((head, deltas.tobytes(), weights_bytes, values_bytes))


def _little(numbers: array) -> array:
    """The array in little-endian byte order (the block format's)."""
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class ArrayLeafMatcher(W3LeafMatcher):
    """Reads array blocks; Whoosh's matcher API on top, arrays for the engine."""

    def _goto(self, position):
        """Go to the block at ``position``: its length and `BLOCK_INFO` in one read."""
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        head = self._postfile.get(position, BLOCK_LENGTH.size + BLOCK_INFO.size)
        (length,) = BLOCK_LENGTH.unpack_from(head)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + BLOCK_LENGTH.size + length
        self._dataoffset = position + len(head)
        count, last, best, shortest, longest = BLOCK_INFO.unpack_from(head, BLOCK_LENGTH.size)
        self._blocklength, self._maxid, self._maxweight = count, last, best
        self._compression = 0
        self._minlength = byte_to_length(shortest)
        self._maxlength = byte_to_length(longest)

    def _read_data(self):
        raw, weights_kind, values_kind, count, self._packing = self._block_bytes()
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
        return counts, _unpack_positions(raw, at + 4 * count, self._packing, counts)

    # -- whole terms: a Python loop over blocks that only slices bytes, then a few numpy
    # calls for the whole term (per block, numpy's call overhead was most of the cost)

    def _block_position(self) -> int:
        """Where the current block starts in the postings file (its length's first byte)."""
        return self._dataoffset - BLOCK_LENGTH.size - BLOCK_INFO.size

    def _block_bytes(self) -> tuple[bytes, int, int, int, int]:
        """The current block's data: its bytes, weights and values kinds, number of postings
        and how its positions are packed."""
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        return (raw, *HEADER.unpack_from(raw))

    def term_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (int64) and weights (float32) of every posting from the current
        block on: read in place by `block_postings` where compiled and the postings are a
        memory map (the matcher is left where it was), else block by block here (the
        matcher is left at the end)."""
        postings = getattr(self._postfile, "_buf", None)
        if block_postings is not None and postings is not None and self.is_active():
            return block_postings(postings, self._block_position(), _BLOCK_KINDS)
        ids, weights, counts, last_ids = [], [], [], []
        while self.is_active():
            raw, weights_kind, _, count, _ = self._block_bytes()
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
        leaf-local numbers) of a Positions field's term, from the current block on; blocks
        that cannot hold one of them are skipped on their headers. Read in place by
        `block_occurrences` where compiled and the postings are a memory map (the matcher is
        left where it was), else block by block here (the matcher is left at the end)."""
        postings = getattr(self._postfile, "_buf", None)
        if block_occurrences is not None and postings is not None and self.is_active():
            found = block_occurrences(
                postings,
                self._block_position(),
                np.asarray(documents, dtype=np.int64),
                _BLOCK_KINDS,
            )
            if found is not None:
                return found
        ids, counts, positions, sizes, last_ids = [], [], [], [], []
        start, wanted = 0, len(documents)
        while self.is_active() and start < wanted:
            last = self._maxid
            if last < documents[start]:
                self._next_block()
                continue
            start = bisect_right(documents, last, start)
            raw, weights_kind, _, count, packing = self._block_bytes()
            at = HEADER.size + 4 * count + _weights_size(weights_kind, count)
            ids.append(raw[HEADER.size : HEADER.size + 4 * count])
            block_counts = np.frombuffer(raw, dtype=U32, count=count, offset=at)
            counts.append(block_counts)
            positions.append(_unpack_positions(raw, at + 4 * count, packing, block_counts))
            sizes.append(count)
            last_ids.append(last)
            self._next_block()
        if not ids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        found = _ids(ids, sizes, last_ids)
        per_posting = np.concatenate(counts).astype(np.int64)
        flat = positions[0] if len(positions) == 1 else np.concatenate(positions)
        targets = np.asarray(documents, dtype=np.int64)
        where = np.minimum(np.searchsorted(found, targets), found.size - 1)
        postings = where[found[where] == targets]
        firsts = np.cumsum(per_posting) - per_posting
        chosen = per_posting[postings]
        skip = np.repeat(firsts[postings] - (np.cumsum(chosen) - chosen), chosen)
        picked = flat[skip + np.arange(int(chosen.sum()))]
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


_POINTER = filetables._pointer  # a hash-table slot: the key's hash, where its row starts
_ROW_LENGTHS = filetables._lengths  # a row's key and value lengths
_DOC_FREQUENCY = struct.Struct("!I")  # W3TermInfo's document count, after a flag and a float
_DOC_FREQUENCY_AT = 1 + 4
_EXTENT = struct.Struct("!q")  # where a term's postings start, after its W3TermInfo
_POSTINGS_TAG = b"W3Bl"  # whoosh3's tag at the start of a term's postings, before its blocks
ABSENT, INLINE = -1, -2  # `TermLookup.first_block`: no such term; read it through a matcher


class TermLookup:
    """One segment's term table looked up by key without whoosh's layers: the probe of
    whoosh's ``HashReader.ranges_for_key`` (the same CRC-32 hash tables, linear probing)
    over the segment's memory map, in one compiled call (`_terms.TermProbe`; written out
    in Python where not compiled), without the generator, file-object and per-field layers
    a lookup crosses in whoosh (``MultiReader`` to ``SegmentReader`` to ``W3TermsReader``
    to ``HashReader``: over 11 us for a term of a two-segment index). A term asked for is
    often absent (a spelling variant the vocabulary may hold), and this answers that too.

    A term's postings and positions are read in place from the postings file where they
    can be (`postings`, `occurrences`, `positions`): no whoosh matcher is made for them.
    ``None`` from `of` for a segment whose table it cannot read this way (one written by
    plain whoosh3, hashed with MD5): whoosh then looks the term up."""

    __slots__ = ("_in_place", "_leaf", "_postings", "_prefixes", "_table", "_tables", "_view")

    def __init__(
        self,
        leaf,
        view: memoryview,
        tables: list[tuple[int, int]],
        fieldmap: dict,
        postings: memoryview | None,
    ):
        self._leaf, self._view, self._tables = leaf, view, tables
        self._prefixes = {name: pack_ushort(number) for name, number in fieldmap.items()}
        # In place: the compiled readers, a mapped postings file, and no deleted documents
        # to filter out (a segment's deletions are fixed for the reader that opened it).
        self._in_place = (
            block_postings is not None and postings is not None and not leaf.has_deletions()
        )
        self._postings = postings if self._in_place else None
        self._table = None
        if TermProbe is not None:
            self._table = TermProbe(view, tables, self._postings, _POSTINGS_TAG)

    @classmethod
    def of(cls, leaf) -> TermLookup | None:
        terms = getattr(leaf, "_terms", None)
        table = getattr(terms, "_tindex", None)
        dbfile = getattr(table, "dbfile", None)
        if not isinstance(dbfile, MappedFile) or table.hashtype != CRC32 or table.startoffset:
            return None
        postings = getattr(terms._postfile, "_buf", None)  # a mapped postings file's view
        return cls(leaf, dbfile._buf, list(table.tables), terms._fieldmap, postings)

    def _key(self, field: str, tbytes: bytes) -> bytes | None:
        prefix = self._prefixes.get(field)
        return None if prefix is None else prefix + tbytes

    def row(self, field: str, tbytes: bytes) -> tuple[int, int]:
        """Where the term's value (its W3TermInfo) starts in the table and its size, or
        (-1, 0) when the segment lacks the term."""
        key = self._key(field, tbytes)
        if key is None:
            return -1, 0
        if self._table is not None:
            return self._table.row(key)
        keyhash = crc32(key)
        start, slots = self._tables[keyhash & 255]
        if not slots:
            return -1, 0
        view, size = self._view, len(key)
        slot = (keyhash >> 8) % slots
        for _ in range(slots):
            slot_hash, at = _POINTER.unpack_from(view, start + slot * _POINTER.size)
            if not at:
                return -1, 0
            if slot_hash == keyhash:
                key_size, value_size = _ROW_LENGTHS.unpack_from(view, at)
                begin = at + _ROW_LENGTHS.size
                if key_size == size and view[begin : begin + size].tobytes() == key:
                    return begin + size, value_size
            slot = slot + 1 if slot + 1 < slots else 0
        return -1, 0

    def doc_frequency(self, field: str, tbytes: bytes) -> int:
        """How many documents of the segment hold the term (0 when absent)."""
        if self._table is not None:
            key = self._key(field, tbytes)
            return 0 if key is None else self._table.doc_frequency(key)
        at, _ = self.row(field, tbytes)
        if at < 0:
            return 0
        return _DOC_FREQUENCY.unpack_from(self._view, at + _DOC_FREQUENCY_AT)[0]

    def first_block(self, field: str, tbytes: bytes) -> int:
        """Where the term's first posting block starts in the postings file, for the
        readers in place; ABSENT, or INLINE where it is read through a matcher (postings
        kept in the term's row, or not readable in place)."""
        if self._table is not None:
            key = self._key(field, tbytes)
            return ABSENT if key is None else self._table.first_block(key)
        at, _ = self.row(field, tbytes)
        if at < 0:
            return ABSENT
        if not self._in_place or self._view[at]:  # a flag: the postings are inline
            return INLINE
        (offset,) = _EXTENT.unpack_from(self._view, at + W3TermInfo._struct.size)
        if self._postings[offset : offset + len(_POSTINGS_TAG)] != _POSTINGS_TAG:
            raise ValueError("a term's postings do not start with whoosh3's tag")
        return offset + len(_POSTINGS_TAG)

    def matcher(self, field: str, tbytes: bytes):
        """The segment's matcher of the term, as its ``postings`` makes it (deleted
        documents filtered out), or None when the segment lacks the term."""
        at, size = self.row(field, tbytes)
        if at < 0:
            return None
        leaf = self._leaf
        terms = leaf._terms
        info = W3TermInfo.from_bytes(bytes(self._view[at : at + size]))
        found = terms._codec.postings_reader(
            terms._postfile, info, leaf.schema[field].format, term=(field, tbytes)
        )
        if deleted := leaf.deleted_docs_set:
            found = FilterMatcher(found, deleted, exclude=True)
        return found

    def inline(self, field: str, tbytes: bytes) -> tuple[tuple, tuple, tuple] | None:
        """The postings a term keeps in its row (ids, weights, encoded values: whoosh3's
        pickle of them), or None when it keeps them in the postings file or is absent. A
        rare word's (one or two articles): many of a query's words and most of their
        spellings, read here without the W3TermInfo and the matcher whoosh wraps them in."""
        at, size = self.row(field, tbytes)
        if at < 0 or not self._view[at]:  # absent, or a flag: not inline
            return None
        return loads(self._view[at + W3TermInfo._struct.size : at + size])

    def postings(self, field: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's document numbers (int64, leaf-local) and weights (float32) in this
        segment, or None when it lacks the term."""
        start = self.first_block(field, tbytes)
        if start >= 0:
            return block_postings(self._postings, start, _BLOCK_KINDS)
        if start == INLINE and self._in_place:
            ids, weights, _ = self.inline(field, tbytes)
            return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
        matcher = self.matcher(field, tbytes) if start == INLINE else None
        return None if matcher is None else matcher_postings(matcher)

    def occurrences(
        self, field: str, tbytes: bytes, documents: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Document numbers and positions of the term in ``documents`` (leaf-local,
        ascending), or None when the segment lacks the term."""
        start = self.first_block(field, tbytes)
        if start >= 0:
            found = block_occurrences(self._postings, start, documents, _BLOCK_KINDS)
            if found is not None:
                return found
        if start == INLINE and self._in_place:
            return self._inline_occurrences(field, self.inline(field, tbytes), documents)
        matcher = self.matcher(field, tbytes) if start != ABSENT else None
        return None if matcher is None else matcher_occurrences(matcher, documents)

    def _inline_occurrences(
        self, field: str, postings: tuple[tuple, tuple, tuple], documents: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """An inline term's occurrences in ``documents`` (every one for None)."""
        ids, _, values = postings
        wanted = None if documents is None else set(documents.tolist())
        decode = self._leaf.schema[field].format.decode_positions
        return occurrence_arrays(
            (docnum, decode(value))
            for docnum, value in zip(ids, values, strict=True)
            if wanted is None or docnum in wanted
        )

    def positions(self, field: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """Every occurrence of the term in the segment, as `occurrences` gives them, or
        None when the segment lacks the term."""
        start = self.first_block(field, tbytes)
        if start >= 0:
            ids, _ = block_postings(self._postings, start, _BLOCK_KINDS)
            found = block_occurrences(self._postings, start, ids, _BLOCK_KINDS)
            if found is not None:
                return found
        if start == INLINE and self._in_place:
            return self._inline_occurrences(field, self.inline(field, tbytes), None)
        matcher = self.matcher(field, tbytes) if start != ABSENT else None
        return None if matcher is None else matcher_positions(matcher)


def matcher_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """A posting list as arrays: straight from array blocks, or through the public matcher
    API for a term stored inline in its term-table entry (a term of one article)."""
    if isinstance(matcher, ArrayLeafMatcher):
        return matcher.term_arrays()
    ids, tfs = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        tfs.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float32)


def matcher_occurrences(matcher, documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and positions of the term in each of ``documents`` (sorted,
    leaf-local) that holds it: for a whole term at once from array blocks
    (`ArrayLeafMatcher.term_positions`, which skips blocks on their headers), one posting at
    a time for a term stored inline."""
    if isinstance(matcher, ArrayLeafMatcher):
        return matcher.term_positions(documents.tolist())

    def found():
        for docnum in documents.tolist():
            if not matcher.is_active():
                return
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                yield docnum, matcher.value_as("positions")

    return occurrence_arrays(found())


def occurrence_arrays(found: Iterable[tuple[int, list[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, positions) as int64 arrays, one entry an occurrence, from each
    document's positions."""
    docs: list[int] = []
    flat: list[int] = []
    for docnum, positions in found:
        docs.extend([docnum] * len(positions))
        flat.extend(positions)
    return np.array(docs, dtype=np.int64), np.array(flat, dtype=np.int64)


def matcher_positions(matcher) -> tuple[np.ndarray, np.ndarray]:
    """Every occurrence of a matcher's term: its postings, then its positions in them (the
    matcher is put back at its first block in between)."""
    ids, _ = matcher_postings(matcher)
    matcher.reset()
    return matcher_occurrences(matcher, ids)


def read_lengths(leaf, field: str) -> np.ndarray:
    """Each document's length in ``field`` in one segment (float32), read from whoosh3's
    lengths column as raw bytes in one go (Whoosh's own API asks once per document)."""
    perdoc = leaf._perdoc
    name = f"_{field}_len"
    if not perdoc.has_column(name):
        return np.zeros(leaf.doc_count_all(), dtype=np.float32)
    raw = np.array(list(perdoc.column_reader(name, LENGTHS_COLUMN)), dtype=np.uint8)
    return _LENGTH_OF_BYTE[raw]


def stored_reader(leaf):
    """A segment's stored fields by document number (leaf-local): its `StoredColumn` read
    straight, without the reader's layers (the segment lookup, a copy of the dict filtered
    by the schema): 12 µs a news article where `stored_fields` took 17. Segments written
    before the column (index formats before 8) have no such reader: None."""
    perdoc = getattr(leaf, "_perdoc", None)
    return perdoc.stored_fields if isinstance(perdoc, ArrayPerDocReader) else None


def read_fixed_column(leaf, field: str, width: int) -> bytes:
    """A fixed-width column of one segment (``columns.FixedBytesColumn``) as its raw bytes,
    ``width`` per document, in one read: Whoosh's API reads one value per document. A
    document past the written values (the writer leaves trailing defaults out), or a segment
    without the column, reads as zeros."""
    documents = leaf.doc_count_all()
    perdoc = leaf._perdoc
    if not perdoc.has_column(field):
        return bytes(width * documents)
    column = leaf.schema[field].column_type
    reader = perdoc.column_reader(field, column)
    written = min(reader._count, documents)
    raw = reader._dbfile.get(reader._basepos, written * width) if written else b""
    return raw + bytes(width * (documents - written))
