"""The read side of the store: one generation of the index, seen as arrays and dicts.

Everything above the store reads the index through `Reader`: a term's postings (document
numbers and frequencies), its positions in chosen documents, field lengths, sortable columns,
stored fields and the vocabulary. Each is decoded once per reader and kept (posting lists in a
bounded cache), so the ranking code never walks Whoosh's matchers document by document. A
reader is for one generation; `open_reader` checks the index's format first.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import FieldType
from whoosh.reading import TermNotFound

from ..analysis.fingerprint import SIGNATURE_SIZE
from .bulk_text import gather
from .codec import (
    TermLookup,
    matcher_occurrences,
    matcher_positions,
    matcher_postings,
    read_fixed_column,
    read_lengths,
    stored_reader,
)
from .generations import generation_info, live_or_fail, unreadable
from .lru import ByteLRU
from .schema import schema_stemmer

POSTINGS_CACHE_BYTES = 24 * 1024 * 1024  # decoded posting lists kept per reader
# Decoded positions kept per reader: the proximity bonus and phrases read a word's
# positions in the best documents of each query, and a workload's words repeat.
POSITIONS_CACHE_BYTES = 48 * 1024 * 1024
# A term of fewer postings has its positions decoded whole the first time it is asked for:
# a few blocks, about what the blocks of ten documents cost a common word.
WHOLE_POSITIONS_BELOW = 1024
# Document frequencies looked up per reader: the compiler weighs each word's readings and
# variants by them, and a workload's words repeat. Emptied when full (about 14 MB): the
# 1,190 xquad_ar questions ask for 35,000 (a stem's in the title and the body as one).
FREQUENCY_CACHE_TERMS = 65_536
ASKED_TERMS = 32_768  # common words whose positions were asked for once (see occurrences)
# Segments whose sorted vocabulary is kept (suggest as you type), across readers: a write
# adds a small segment and the big ones are not read again.
VOCABULARY_SEGMENTS = 64
_VOCABULARIES: OrderedDict[tuple, tuple[list[str], np.ndarray]] = OrderedDict()
_VOCABULARIES_LOCK = threading.Lock()
EMPTY_IDS = np.empty(0, dtype=np.int64)
EMPTY_TF = np.empty(0, dtype=np.float32)


def open_reader(folder: str | Path) -> Reader:
    """A reader of the live generation; IndexMissing or IndexFormatMismatch say what to do."""
    live = live_or_fail(folder)
    try:
        return Reader(live)
    except OSError as error:
        raise unreadable(folder, error) from None


class Reader:
    """One generation of the index, read-only. Document numbers run over every segment,
    deleted documents included (``live`` says which count)."""

    def __init__(self, generation: Path):
        self.generation = generation
        ix = whoosh_index.open_dir(str(generation))
        self._searcher = ix.searcher()
        self._reader = self._searcher.reader()
        self.schema = ix.schema
        self.stemmer = generation_info(generation).get("stemmer") or schema_stemmer(ix.schema)
        self.fields = tuple(sorted(ix.schema.names()))
        self.size = self._reader.doc_count_all()
        self._leaves = self._reader.leaf_readers()
        self.segments = len(self._leaves)
        # Each segment's term table read directly (`TermLookup`), for the fields whose terms
        # are their UTF-8 text (not a date's or a number's encoded bytes)
        self._lookups = [TermLookup.of(leaf) for leaf, _ in self._leaves]
        self._text_fields = frozenset(
            name for name, field in ix.schema.items() if type(field).to_bytes is FieldType.to_bytes
        )
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self._leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                self.live[offset + deleted] = False
        self.documents = int(self.live.sum())
        self._lengths: dict[str, tuple[np.ndarray, float]] = {}
        self._columns: dict[str, tuple[np.ndarray, list]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray, list]] = {}
        self._fingerprints: np.ndarray | None = None
        self._offsets = [offset for _, offset in self._leaves]
        self._id_columns: list | None = None  # each segment's id column, opened on first use
        self._stored_readers: list | None = None  # each segment's stored fields, likewise
        self._postings = ByteLRU(POSTINGS_CACHE_BYTES)  # (field, text) -> (ids, tf)
        self._positions = ByteLRU(POSITIONS_CACHE_BYTES)  # -> (ids, starts, counts, flat)
        self._positions_asked: set[tuple[str, str]] = set()  # common words asked for once
        self._frequencies: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- vocabulary --------------------------------------------------------------------

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold the term, deleted ones included (0 when absent)."""
        return self.frequency_in((field,), text)

    def frequency_in(self, fields: tuple[str, ...], text: str) -> int:
        """`doc_frequency` summed over ``fields`` (a stem's in the title and the body): one
        entry of the cache for the sum, so the cache holds twice the words."""
        key = (fields, text)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= FREQUENCY_CACHE_TERMS:
                self._frequencies = {}
            found = self._frequencies[key] = sum(self._count(name, text) for name in fields)
        return found

    def _count(self, field: str, text: str) -> int:
        if field not in self._text_fields or None in self._lookups:
            return self._reader.doc_frequency(field, text)
        tbytes, count = text.encode("utf-8"), 0
        for lookup in self._lookups:
            count += lookup.doc_frequency(field, tbytes)
        return count

    def _segment(self, at: int, field: str, text: str, read: str, *documents):
        """One segment's postings, occurrences in ``documents`` or positions of a term
        (`TermLookup`'s readers named by ``read``), or None where the segment lacks it:
        read in place where the segment has a `TermLookup` (a term's text is its UTF-8
        bytes), else through whoosh's matcher."""
        lookup = self._lookups[at]
        if lookup is not None and field in self._text_fields:
            return getattr(lookup, read)(field, text.encode("utf-8"), *documents)
        matcher = _leaf_matcher(self._leaves[at][0], field, text)
        if matcher is None:
            return None
        return _MATCHER_READERS[read](matcher, *documents)

    def expand_prefix(self, field: str, prefix: str, limit: int | None = None) -> list[str]:
        """The terms of ``field`` that start with ``prefix``, in term order: every one, or
        the first ``limit`` (the vocabulary is read no further)."""
        terms = self._reader.expand_prefix(field, prefix)
        return [_text(term) for term in itertools.islice(terms, limit)]

    def frequent_prefixed(
        self, fields: tuple[str, ...], prefix: str, limit: int
    ) -> list[tuple[str, int]]:
        """The terms of ``fields`` that start with ``prefix``, the ``limit`` most frequent:
        each with how many documents hold it (the larger count among the fields, deleted
        documents included until a merge drops them), most first.

        Each segment's vocabulary is read once into a sorted list and an array of counts
        (`segment_vocabulary`, kept across readers while the segment lives), so a prefix is a
        binary search and its best terms a numpy selection, however many terms it covers.
        """
        if not prefix:
            return []
        above = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        vocabularies = [self.segment_vocabulary(leaf, fields) for leaf, _ in self._leaves]
        candidates: set[str] = set()
        for terms, counts in vocabularies:
            low, high = bisect_left(terms, prefix), bisect_left(terms, above)
            if high > low:
                window = counts[low:high]
                if window.size > limit:
                    best = np.argpartition(-window, limit - 1)[:limit]
                else:
                    best = range(window.size)
                candidates.update(terms[low + int(i)] for i in best)
        totals = {term: 0 for term in candidates}
        for terms, counts in vocabularies:
            for term in candidates:
                at = bisect_left(terms, term)
                if at < len(terms) and terms[at] == term:
                    totals[term] += int(counts[at])
        return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]

    def segment_vocabulary(self, leaf, fields: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
        """One segment's terms of ``fields``, sorted, and each one's document count (the
        largest among the fields): read once per segment, which never changes once written
        (a write adds segments; a merge replaces some with a new one)."""
        key = (str(self.generation), leaf.segment().segment_id(), fields)
        with _VOCABULARIES_LOCK:
            found = _VOCABULARIES.get(key)
            if found is not None:
                _VOCABULARIES.move_to_end(key)
                return found
        counts: dict[str, int] = {}
        for field in fields:
            if field not in leaf.indexed_field_names():
                continue
            for (name, text), info in leaf.iter_from(field, b""):
                if name != field:
                    break
                term = text.decode("utf-8")
                count = info.doc_frequency()
                if count > counts.get(term, 0):
                    counts[term] = count
        terms = sorted(counts)
        found = (terms, np.fromiter((counts[t] for t in terms), dtype=np.int64, count=len(terms)))
        with _VOCABULARIES_LOCK:
            _VOCABULARIES[key] = found
            while len(_VOCABULARIES) > VOCABULARY_SEGMENTS:
                _VOCABULARIES.popitem(last=False)
        return found

    def has_positions(self, field: str) -> bool:
        """True when ``field`` records word positions (phrases and proximity)."""
        if field not in self.schema:
            return False
        field_format = self.schema[field].format
        return bool(field_format and field_format.supports("positions"))

    # -- postings ----------------------------------------------------------------------

    def postings(
        self, field: str, text: str, *, keep: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (int64, ascending) and frequencies (float32) of one term;
        ``keep=False`` for a caller that keeps what it makes of them (the engine's impacts),
        so the cache holds lists that are read again."""
        return self._postings.get(
            (field, text), lambda: self._read_postings(field, text), keep=keep
        )

    def _read_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        parts_ids, parts_tf = [], []
        for at, (_, offset) in enumerate(self._leaves):
            found = self._segment(at, field, text, "postings")
            if found is not None:
                parts_ids.append(found[0] + offset)
                parts_tf.append(found[1])
        if not parts_ids:
            return EMPTY_IDS, EMPTY_TF
        if len(parts_ids) == 1:
            return parts_ids[0], parts_tf[0]
        return np.concatenate(parts_ids), np.concatenate(parts_tf)

    def occurrences(
        self, field: str, text: str, documents: np.ndarray, *, keep: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every occurrence of one term in ``documents`` (sorted): document numbers and word
        positions, in document then position order (a field with positions).

        A term's positions are decoded whole and kept (an LRU of POSITIONS_CACHE_BYTES), so
        each later call only gathers its documents' ranges. A common word (WHOLE_POSITIONS_
        BELOW postings or more) is kept only when asked for a second time: the first time,
        only the blocks that hold ``documents`` are decoded, as its whole list is many
        blocks and a word of a one-off query is not asked for again. ``keep=False`` (the
        snippets of a page, ten documents) reads kept positions but never keeps any."""
        key = (field, text)
        kept = self._positions.get(key, None)
        if kept is None and not keep:
            return self._selected_occurrences(field, text, documents)
        if kept is None:
            asked = key in self._positions_asked
            if not asked and self.postings(field, text)[0].size >= WHOLE_POSITIONS_BELOW:
                if len(self._positions_asked) >= ASKED_TERMS:
                    self._positions_asked = set()
                self._positions_asked.add(key)
                return self._selected_occurrences(field, text, documents)
            kept = self._positions.get(key, lambda: self._read_positions(field, text))
        ids, starts, counts, flat = kept
        if not ids.size or not documents.size:
            return EMPTY_IDS, EMPTY_IDS
        where = _places(ids, documents)
        chosen = counts[where].astype(np.int64)
        picked = flat[gather(starts[where].astype(np.int64), chosen)].astype(np.int64)
        return np.repeat(ids[where].astype(np.int64), chosen), picked

    def _selected_occurrences(
        self, field: str, text: str, documents: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """`occurrences` from the blocks that hold ``documents`` only (blocks are skipped
        on their headers, so the term's whole list is not decoded to find them)."""
        kept = self._postings.get((field, text), None)
        if kept is not None and kept[0].size and documents.size:
            documents = kept[0][_places(kept[0], documents)]
        if (kept is not None and not kept[0].size) or not documents.size:
            return EMPTY_IDS, EMPTY_IDS
        docs, positions = [], []
        bounds = np.searchsorted(documents, self._offsets[1:]).tolist()  # one slice a segment
        ends = [*bounds, documents.size]
        for at, (low, high) in enumerate(zip([0, *bounds], ends, strict=True)):
            if low == high:
                continue
            offset = self._offsets[at]
            found = self._segment(at, field, text, "occurrences", documents[low:high] - offset)
            if found is not None and found[0].size:
                docs.append(found[0] + offset)
                positions.append(found[1])
        if len(docs) <= 1:
            return (docs[0], positions[0]) if docs else (EMPTY_IDS, EMPTY_IDS)
        return np.concatenate(docs), np.concatenate(positions)

    def _read_positions(self, field: str, text: str) -> tuple[np.ndarray, ...]:
        """(ids, where each one's positions start, how many, every position) of a term, in
        32 bits each: the cache holds twice as many terms as in 64."""
        docs, positions = [], []
        for at, (_, offset) in enumerate(self._leaves):
            found = self._segment(at, field, text, "positions")
            if found is not None:
                docs.append(found[0] + offset)
                positions.append(found[1].astype(np.int32))
        docs_flat = np.concatenate(docs) if docs else EMPTY_IDS
        if not docs_flat.size:
            empty = EMPTY_IDS.astype(np.int32)
            return empty, empty, empty, empty
        flat = np.concatenate(positions)
        first = np.flatnonzero(np.concatenate(([True], docs_flat[1:] != docs_flat[:-1])))
        counts = np.diff(np.append(first, docs_flat.size)).astype(np.int32)
        return docs_flat[first].astype(np.int32), first.astype(np.int32), counts, flat

    # -- per-document arrays -----------------------------------------------------------

    def lengths(self, field: str) -> tuple[np.ndarray, float]:
        """Each document's length in ``field`` (float32) and the mean over live documents."""
        if field not in self._lengths:
            lengths = np.zeros(self.size, dtype=np.float32)
            for leaf, offset in self._leaves:
                lengths[offset : offset + leaf.doc_count_all()] = read_lengths(leaf, field)
            live = lengths[self.live]
            mean = float(live.mean()) if live.size and live.mean() > 0 else 1.0
            self._lengths[field] = (lengths, mean)
        return self._lengths[field]

    def column(self, field: str) -> tuple[np.ndarray, list]:
        """A sortable text column as (codes per document, distinct values; "" when unset)."""
        if field not in self._columns:
            values = self._column_values(field, "")
            distinct, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
            self._columns[field] = (codes.astype(np.int64), list(distinct))
        return self._columns[field]

    def values(self, field: str) -> tuple[np.ndarray, np.ndarray, list]:
        """Every (document, value) pair of a field, as arrays: document numbers (ascending),
        codes into the distinct values, and the values. A sortable column has one pair per document
        ("" when unset); the tags field one per tag of a document, read from its postings
        (one step per distinct tag, none per document)."""
        if field in self._pairs:
            return self._pairs[field]
        if self.one_value_each(field):
            codes, distinct = self.column(field)  # kept: a facet asks on every search
            self._pairs[field] = (np.arange(codes.size, dtype=np.int64), codes, distinct)
        else:
            tags = [_text(term) for term in self._reader.lexicon(field)]
            docs = [self.postings(field, tag)[0] for tag in tags]
            sizes = [ids.size for ids in docs]
            flat = np.concatenate(docs) if docs else EMPTY_IDS
            codes = np.repeat(np.arange(len(tags), dtype=np.int64), sizes)
            order = np.argsort(flat, kind="stable")  # by document: a document's pairs found
            self._pairs[field] = (flat[order], codes[order], tags)  # by binary search
        return self._pairs[field]

    def one_value_each(self, field: str) -> bool:
        """True when `values` has one pair per document, document ``i`` the ``i``-th (a
        sortable column)."""
        return field not in self.schema or bool(self.schema[field].column_type)

    def fingerprints(self) -> np.ndarray:
        """Every document's MinHash signature (`search.analysis.fingerprint`), one row of
        uint32 per document number; a row of zeros where a document has none."""
        if self._fingerprints is None:
            width = SIGNATURE_SIZE * 4
            raw = b"".join(
                read_fixed_column(leaf, "fingerprint", width)
                if "fingerprint" in self.schema
                else bytes(width * leaf.doc_count_all())
                for leaf, _ in self._leaves
            )
            rows = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
            self._fingerprints = rows.reshape(self.size, SIGNATURE_SIZE)
        return self._fingerprints

    def numbers(self, field: str) -> np.ndarray:
        """A numeric column as an int64 array (0 where unset)."""
        if field not in self._numbers:
            self._numbers[field] = np.array(self._column_values(field, 0), dtype=np.int64)
        return self._numbers[field]

    def _column_values(self, field: str, missing: object) -> list:
        """One value per document, segment by segment: a segment written without any value
        for the field (say, one undated article added over HTTP) has no column at all."""
        values: list = []
        for leaf, _ in self._leaves:
            if leaf.has_column(field):
                values.extend(leaf.column_reader(field))
            else:
                values.extend([missing] * leaf.doc_count_all())
        return values

    # -- stored fields -----------------------------------------------------------------

    def stored(self, number: int) -> dict:
        """The stored fields of one document number (a search reads ten: each segment's
        column is read straight where it can be, `codec.stored_reader`)."""
        if self._stored_readers is None:
            self._stored_readers = [stored_reader(leaf) for leaf, _ in self._leaves]
        number = int(number)
        segment, local = self._segment_of(number)
        read = self._stored_readers[segment] if segment >= 0 else None
        if read is None or number >= self.size:
            return self._searcher.stored_fields(number)
        return read(local)

    def _segment_of(self, number: int) -> tuple[int, int]:
        """Which segment holds a document number (-1 below the first), and its number
        there."""
        segment = bisect_right(self._offsets, number) - 1
        return segment, number - self._offsets[segment]

    def document_ids(self, numbers: list[int]) -> list[str]:
        """The ids of these document numbers, each read from its segment's id column: what a
        ranking's caller needs to name its results, without unpickling each article's stored
        fields for it (the whole text and its offsets: 39 µs a document read cold, against
        1.2 µs here). Every segment of index format 7 on has the column."""
        if self._id_columns is None:
            self._id_columns = [leaf.column_reader("id") for leaf, _ in self._leaves]
        ids = []
        for number in numbers:
            segment, local = self._segment_of(number)
            ids.append(self._id_columns[segment][local])
        return ids

    def document_number(self, doc_id: str) -> int | None:
        """The number of the live document with this id, or None."""
        return self._searcher.document_number(id=doc_id)

    def ids_after(self, after: bytes, limit: int) -> list[str]:
        """Up to ``limit`` live ids that sort after ``after``, in UTF-8 byte order (code point
        order): a stable order for paging through every document while writes go on."""
        found: list[str] = []
        for field, term in self._reader.terms_from("id", after):
            if field != "id" or len(found) == limit:
                break
            if term == after:
                continue
            doc_id = _text(term)
            if self.document_number(doc_id) is not None:  # not a deleted document's id
                found.append(doc_id)
        return found


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _places(ids: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Where each of ``documents`` that ``ids`` (ascending) holds sits in ``ids``."""
    where = np.minimum(np.searchsorted(ids, documents), ids.size - 1)
    return where[ids[where] == documents]


def _leaf_matcher(leaf, field: str, text: str):
    """One segment's matcher of a term, or None where the segment lacks it: one lookup in
    its term table (asking ``in`` first looked the term up twice)."""
    try:
        return leaf.postings(field, text)
    except TermNotFound:
        return None


_MATCHER_READERS = {
    "postings": matcher_postings,
    "occurrences": matcher_occurrences,
    "positions": matcher_positions,
}
