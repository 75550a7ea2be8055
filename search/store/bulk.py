"""Bulk builds: Whoosh segments written straight from analysed articles, on several cores.

Whoosh's own writer sends every posting through its analyzer chain of generators, a tuple
in an external sort (pickled runs on disk, merged with heapq) and one method call per
posting into the block writer; profiled on news articles, that was 90% of a build and
capped it near 150 articles/s (docs/performance.md). A fresh build needs none of it:

- a batch of articles is analysed together (`search.store.bulk_text`): each text split by
  the chain's own regex, each distinct token analysed once per process by the chain's own
  `token_words`, and the words, positions and counts of the whole batch grouped with numpy,
  the stemmed and the exact field filled from the same pass;
- a segment's postings are int32 arrays per field, sorted by term once, when the segment is
  written, and written from arrays (`ArrayFieldWriter.add_terms`): no Python step per
  posting, one per term and per block that only slices bytes, compresses and joins;
- worker processes each build their own segments; the parent lists them all in one commit.

The files are those Whoosh's own writer makes with the same codec (`search.store.codec`, which
also holds every use of whoosh3's private attributes), read by the same reader as an index
built document by document; `tests/test_bulk.py` builds the seeds both ways and compares every
term's postings, every stored field and every column.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.filedb.structfile import pack_uint
from whoosh.formats import Frequency, Positions
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..analysis import DEFAULT_STEMMER
from ..analysis.filters import Roots, Stem
from ..analysis.fingerprint import signatures
from .bulk_text import Lexicon, analyse, gather, stable_argsort
from .codec import ArrayCodec, Block, TermArrays
from .spans import SPAN_FIELDS, SPANS_FIELD, encode_many_spans

# A term with fewer postings than this is stored inside its term-table entry, not as a block
# of the postings file: most terms of a news collection occur in one article, and writing
# each as a block of its own was the largest cost of a build.
INLINE_BELOW = 2
SEGMENT_DOCS = 50_000  # articles per segment: bounds a worker's memory (~25 KB an article)
BATCH_DOCS = 250  # articles sent to a worker at a time
READ_AHEAD = 4  # batches a worker reads ahead of its analysis (~0.7 MB each of news)
INDEXED_VALUES = 50_000  # values of Whoosh's own fields whose postings are kept (_index)
ANALYSE_DOCS = 250  # articles analysed together (bulk_text.analyse)
FINGERPRINT = "fingerprint"  # the column of MinHash signatures (search.store.schema)
PARALLEL_FROM = 2_000  # fewer articles are built in-process: starting workers costs ~1 s
DEFAULT_PROCS = min(os.cpu_count() or 1, 8)  # worker processes: every core, at most 8

_FREQUENCIES = [pack_uint(n) for n in range(256)]


def _frequency_bytes(n: int) -> bytes:
    return _FREQUENCIES[n] if n < 256 else pack_uint(n)


def text_postings(
    text: str, stemmer: str
) -> tuple[dict[str, list[int]], dict[str, int], dict[str, list[int]]]:
    """One text as the bulk writer reads it (`bulk_text.analyse`): exact forms with their
    positions, stems with their counts, roots with their positions.

    Positions count the tokenizer's matches, as Whoosh's RegexTokenizer does, so a stop word
    keeps its place in the exact field and a phrase across it still matches.
    """
    lexicon = Lexicon(stemmer)
    analysed = analyse(lexicon, [text])
    exact, stems = analysed.exact, analysed.stems
    positions, at = {}, 0
    for term, count in zip(exact.term.tolist(), exact.count.tolist(), strict=True):
        positions[lexicon.exact.words[term]] = exact.positions[at : at + count].tolist()
        at += count
    counts = {
        lexicon.stems.words[term]: count
        for term, count in zip(stems.term.tolist(), stems.count.tolist(), strict=True)
    }
    roots, root_positions, at = analysed.roots, {}, 0
    for term, count in zip(roots.term.tolist(), roots.count.tolist(), strict=True):
        root_positions[lexicon.roots.words[term]] = roots.positions[at : at + count].tolist()
        at += count
    return positions, counts, root_positions


def _encode_positions(positions: list[int]) -> bytes:
    """Whoosh's Positions format: the count, then the pickled deltas."""
    if len(positions) == 1 and positions[0] < len(_ONE_POSITION):
        return _ONE_POSITION[positions[0]]  # most words occur once in an article
    deltas, last = [], 0
    for position in positions:
        deltas.append(position - last)
        last = position
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


_ONE_POSITION = [pack_uint(1) + pickle.dumps([position], 2) for position in range(4096)]


class _Postings:
    """One term's postings in one segment, in document order. The weight of a posting is
    its frequency times the field boost, and a Frequency field's value is the frequency
    too, so only Positions fields keep values."""

    __slots__ = ("docs", "freqs", "values")

    def __init__(self) -> None:
        self.docs = array("I")
        self.freqs = array("I")
        self.values: list[bytes | list[int]] = []  # positions stay lists


STEMS, STEM_POSITIONS = "stems", "stem positions"
EXACT_COUNTS, EXACT_POSITIONS = "exact counts", "exact positions"
EXACT = "exact"  # either exact kind: both read the batch's exact words
ROOT_POSITIONS = "root positions"  # the root fields (search.analysis.roots)
STEM_KINDS = (STEMS, STEM_POSITIONS)
POSITION_KINDS = (STEM_POSITIONS, EXACT_POSITIONS, ROOT_POSITIONS)
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


class _Plan:
    """How each field of the schema is indexed: by the one-pass analysis, or by Whoosh's
    own ``field.index`` for the small fields (id, source, dates) and any other kind."""

    def __init__(self, schema: Schema):
        self.names = sorted(schema.names())
        self.schema = schema
        self.stemmer: str | None = None
        self.fast: dict[str, str] = {}  # field -> one of the kinds above
        for name in self.names:
            field = schema[name]
            items = getattr(getattr(field, "analyzer", None), "items", None)
            if not field.indexed or items is None:
                continue
            stems = [item for item in items if isinstance(item, Stem)]
            if any(isinstance(item, Roots) for item in items):
                if type(field.format) is Positions:
                    self.fast[name] = ROOT_POSITIONS
            elif stems and type(field.format) in (Frequency, Positions):
                self.fast[name] = STEMS if type(field.format) is Frequency else STEM_POSITIONS
                self.stemmer = stems[0].stemmer
            elif not stems and type(field.format) is Frequency:
                self.fast[name] = EXACT_COUNTS
            elif not stems and type(field.format) is Positions:
                self.fast[name] = EXACT_POSITIONS
        self.stemmer = self.stemmer or DEFAULT_STEMMER


class SegmentBuilder:
    """Writes one Whoosh segment of the given index from article field dicts."""

    def __init__(self, ix: FileIndex, plan: _Plan, lexicon: Lexicon | None = None):
        self.ix, self.plan = ix, plan
        self.lexicon = lexicon or Lexicon(plan.stemmer)
        self.codec = ArrayCodec()
        self.segment = self.codec.new_segment(ix.storage, ix.indexname)
        self.perdoc = self.codec.per_document_writer(ix.storage, self.segment)
        self.postings: dict[str, dict[str, _Postings]] = {name: {} for name in plan.names}
        self.chunks: dict[str, list[tuple]] = {name: [] for name in plan.fast}
        self.lengths: dict[str, array] = {}
        self._indexed: dict[tuple, list[tuple]] = {}
        self.docnum = 0

    def _post(self, name: str, term: str | bytes, freq: int, value: bytes | None) -> None:
        """Whoosh's own fields key terms as Whoosh's bytes (numeric fields' terms are not
        UTF-8)."""
        terms = self.postings[name]
        postings = terms.get(term)
        if postings is None:
            postings = terms[term] = _Postings()
        postings.docs.append(self.docnum)
        postings.freqs.append(freq)
        if value is not None:
            postings.values.append(value)

    def add(self, fields: dict) -> None:
        """One document (see `add_batch`)."""
        self.add_batch([fields])

    def add_batch(self, batch: list[dict]) -> None:
        """Documents numbered from ``docnum`` on: the same postings, lengths, stored values
        and columns as Whoosh's ``SegmentWriter.add_document`` makes of the same dicts.

        The text fields of the whole batch are analysed together (`bulk_text.analyse`: each
        distinct text once, even when two fields or two documents share it), and each
        field's postings of the batch come out as arrays; Whoosh's own fields (id, source,
        dates) go through ``field.index`` document by document."""
        plan, first = self.plan, self.docnum
        texts: dict[str, int] = {}
        chosen = {name: ([], []) for name in plan.fast}  # field -> (documents, texts)
        for offset, fields in enumerate(batch):
            for name in plan.fast:
                value = fields.get(name)
                if value is not None:
                    number = texts.get(value)
                    if number is None:
                        number = texts[value] = len(texts)
                    chosen[name][0].append(first + offset)
                    chosen[name][1].append(number)
        analysed = analyse(self.lexicon, list(texts))
        readings = {EXACT: analysed.exact, STEMS: analysed.stems, ROOT_POSITIONS: analysed.roots}
        starts = {reading: grouped.starts(len(texts)) for reading, grouped in readings.items()}
        lengths: dict[str, Iterator[int]] = {}
        for name, (docs, numbers) in chosen.items():
            kind = plan.fast[name]
            reading = STEMS if kind in STEM_KINDS else kind if kind == ROOT_POSITIONS else EXACT
            grouped, where = readings[reading], starts[reading]
            numbers = np.asarray(numbers, dtype=np.int64)
            begin = where[numbers]
            sizes = where[numbers + 1] - begin
            chosen_groups = gather(begin, sizes)
            freqs = grouped.count[chosen_groups]
            positions = None
            if kind in POSITION_KINDS:
                firsts = np.cumsum(grouped.count) - grouped.count
                positions = grouped.positions[gather(firsts[chosen_groups], freqs)]
            if chosen_groups.size:
                self.chunks[name].append(  # int32: half the memory a segment's postings take
                    (
                        np.repeat(np.asarray(docs, dtype=np.int32), sizes),
                        grouped.term[chosen_groups].astype(np.int32),
                        freqs.astype(np.int32),
                        None if positions is None else positions.astype(np.int32),
                    )
                )
            lengths[name] = iter(grouped.lengths[numbers].tolist())
        fingerprints = self._fingerprints(batch)
        spans = encode_many_spans(*analysed.tokens) if SPANS_FIELD in plan.schema else []
        for fields, fingerprint in zip(batch, fingerprints, strict=True):
            if SPANS_FIELD in plan.schema or fingerprint is not None:
                fields = dict(fields)
            if SPANS_FIELD in plan.schema:
                fields[SPANS_FIELD] = {
                    name: self._spans(spans, texts, fields.get(name)) for name in SPAN_FIELDS
                }
            if fingerprint is not None:
                fields[FINGERPRINT] = fingerprint
            self._add_document(fields, lengths)

    def _fingerprints(self, batch: list[dict]) -> list[bytes | None]:
        """Each document's fingerprint column value, computed for the batch together
        (`signatures`): what the column's ``to_column_value`` makes of each text one at a
        time; None where there is no text to fingerprint (the column takes the value as is)."""
        if FINGERPRINT not in self.plan.schema:
            return [None] * len(batch)
        texts = [fields.get(FINGERPRINT) for fields in batch]
        rows = signatures([text if isinstance(text, str) else "" for text in texts]).astype("<u4")
        return [
            row.tobytes() if isinstance(text, str) else None
            for text, row in zip(texts, rows, strict=True)
        ]

    @staticmethod
    def _spans(spans: list[bytes], texts: dict[str, int], text: str | None) -> bytes:
        """A text's token offsets (`search.store.spans`) from the batch's."""
        number = texts.get(text) if text else None
        return b"" if number is None else spans[number]

    def _add_document(self, fields: dict, fast_lengths: dict[str, Iterator[int]]) -> None:
        plan, perdoc, docnum = self.plan, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        for name in plan.names:
            value = fields.get(name)
            if value is None:
                continue
            field = plan.schema[name]
            length = 0
            if field.indexed:
                if name in plan.fast:
                    length = next(fast_lengths[name])
                else:
                    for tbytes, freq, weight, vbytes in self._index(name, field, value):
                        if weight != freq * field.format.field_boost:
                            raise ValueError(f"{name}: a posting weight other than its frequency")
                        if field.scorable:
                            length += freq
                        self._post(name, tbytes, freq, vbytes)
            stored = value if field.stored else None
            perdoc.add_field(name, field, stored, length)
            if length:
                lengths = self.lengths.get(name)
                if lengths is None:
                    lengths = self.lengths[name] = array("I")
                lengths.extend([0] * (docnum + 1 - len(lengths)))
                lengths[docnum] = byte_to_length(length_to_byte(length))
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def _index(self, name: str, field, value) -> list[tuple]:
        """``field.index(value)``, kept per value of a field whose values repeat (a source,
        a day, a year): the same value always makes the same postings."""
        if field.unique or not isinstance(value, str | int | dt.datetime):
            return list(field.index(value))
        key = (name, value)
        found = self._indexed.get(key)
        if found is None:
            if len(self._indexed) >= INDEXED_VALUES:
                self._indexed.clear()
            found = self._indexed[key] = list(field.index(value))
        return found

    def abandon(self) -> None:
        """Close the files of a build that stops half-way (the caller removes the folder)."""
        with contextlib.suppress(Exception):
            self.perdoc.close()

    def finish(self):
        """Write the postings and assemble the segment; returns the Whoosh segment."""
        self.perdoc.close()
        fieldwriter = self.codec.field_writer(self.ix.storage, self.segment)
        for name in self.plan.names:
            field = self.plan.schema[name]
            lengths = self.lengths.get(name, array("I"))
            lengths.extend([0] * (self.docnum - len(lengths)))
            if name in self.plan.fast:
                terms = self._term_arrays(name, lengths)
                if terms is not None:
                    fieldwriter.start_field(name, field)
                    fieldwriter.add_terms(terms, _encode_positions)
                    fieldwriter.finish_field()
                continue
            terms = self.postings.pop(name)
            if not terms:
                continue
            if field.format.fixed_value_size() == 0:  # no values (id, source, dates)
                fieldwriter.start_field(name, field)
                fieldwriter.add_terms(_whoosh_term_arrays(terms, lengths, field), None)
                fieldwriter.finish_field()
                continue
            boost = field.format.field_boost
            fieldwriter.start_field(name, field)
            size = fieldwriter.block_limit
            for term in sorted(terms):
                postings = terms[term]
                count = len(postings.docs)
                blocks = (
                    _block(postings, start, start + size, lengths, boost)
                    for start in range(0, count, size)
                )
                fieldwriter.add_term(term, blocks)
            fieldwriter.finish_field()
        fieldwriter.close()
        self.segment.set_doc_count(self.docnum)
        self.segment.create_compound_file(self.ix.storage)
        return self.segment

    def _term_arrays(self, name: str, lengths: array) -> TermArrays | None:
        """A text field's postings of the whole segment, sorted by term (as UTF-8 bytes,
        which is str order) and by document within a term: one stable sort of every
        posting by its term's rank."""
        chunks = self.chunks.pop(name)
        if not chunks:
            return None
        docs, terms, freqs, positions = (
            np.concatenate(parts) if parts[0] is not None else None
            for parts in zip(*chunks, strict=True)
        )
        kind = self.plan.fast[name]
        vocabulary = self.lexicon.exact
        if kind in STEM_KINDS:
            vocabulary = self.lexicon.stems
        elif kind == ROOT_POSITIONS:
            vocabulary = self.lexicon.roots
        present = np.flatnonzero(np.bincount(terms))
        words = list(map(vocabulary.words.__getitem__, present.tolist()))
        order = sorted(range(len(words)), key=words.__getitem__)
        rank = np.empty(int(present[-1]) + 1, dtype=np.int64)
        rank[present[order]] = np.arange(len(order))
        ranks = rank[terms]
        by_term = stable_argsort(ranks)  # documents stay in order within a term
        sizes = np.bincount(ranks, minlength=len(order))
        ends = np.cumsum(sizes)
        if positions is not None:
            firsts = np.cumsum(freqs) - freqs
            positions = positions[gather(firsts[by_term], freqs[by_term])]
        return TermArrays(
            btexts=[words[i].encode("utf-8") for i in order],
            starts=ends - sizes,
            ends=ends,
            docs=docs[by_term],
            freqs=freqs[by_term],
            positions=positions,
            length_bytes=_length_bytes(lengths),
            boost=self.plan.schema[name].format.field_boost,
            inline_below=INLINE_BELOW,
        )


def _length_bytes(lengths: array) -> np.ndarray:
    """whoosh3's length byte of each document's (already quantised) field length."""
    known = np.frombuffer(lengths, dtype=np.uint32) if len(lengths) else np.zeros(0, np.uint32)
    return np.minimum(np.searchsorted(_LENGTH_OF_BYTE, known), 255).astype(np.uint8)


def _whoosh_term_arrays(terms: dict[bytes, _Postings], lengths: array, field) -> TermArrays:
    """The postings a field's own ``index`` made, as `TermArrays` (never inline: Whoosh's
    own fields keep their postings in blocks)."""
    btexts = sorted(terms)
    postings = list(map(terms.__getitem__, btexts))
    sizes = np.fromiter((len(p.docs) for p in postings), dtype=np.int64, count=len(postings))
    ends = np.cumsum(sizes)
    return TermArrays(
        btexts=btexts,
        starts=ends - sizes,
        ends=ends,
        docs=np.frombuffer(b"".join(p.docs.tobytes() for p in postings), dtype=np.uint32),
        freqs=np.frombuffer(b"".join(p.freqs.tobytes() for p in postings), dtype=np.uint32),
        positions=None,
        length_bytes=_length_bytes(lengths),
        boost=field.format.field_boost,
        inline_below=0,
    )


def _block(postings: _Postings, start: int, end: int, lengths: array, boost: float) -> Block:
    """postings[start:end] as Whoosh's ``add_posting`` would have gathered them (a Frequency
    field's value is its frequency), with the known field lengths of their documents."""
    docs, freqs = postings.docs[start:end], postings.freqs[start:end]
    weights = array("f", [freq * boost for freq in freqs])
    values = postings.values[start:end] or list(map(_frequency_bytes, freqs))
    known = [length for length in map(lengths.__getitem__, docs) if length]
    return Block(docs, weights, values, known)


# --- Building an index ---------------------------------------------------------------------


def build(ix: FileIndex, documents: Iterable[dict], procs: int = 1) -> int:
    """Write ``documents`` (Whoosh field dicts) as new segments of the empty index ``ix``
    and commit them; returns how many were written. With ``procs`` > 1 and enough input,
    ``procs`` worker processes build segments side by side."""
    documents = iter(documents)
    head = []
    if procs > 1:
        for fields in documents:
            head.append(fields)
            if len(head) >= PARALLEL_FROM:
                break
    counted = _Counted(_chain(head, documents))
    if procs > 1 and len(head) >= PARALLEL_FROM:
        segments = _build_parallel(ix, counted, procs)
    else:
        segments = build_segments(ix, _Plan(ix.schema), counted)
    _commit(ix, segments)
    return counted.count


def _chain(head: list, rest: Iterator) -> Iterator:
    yield from head
    head.clear()
    yield from rest


class _Counted:
    def __init__(self, items: Iterable):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def build_segments(ix: FileIndex, plan: _Plan, documents: Iterable[dict]) -> list:
    """Segments of at most SEGMENT_DOCS documents each, written but not yet committed."""
    segments, builder, lexicon = [], None, Lexicon(plan.stemmer)
    documents = iter(documents)
    try:
        while True:
            room = SEGMENT_DOCS - (builder.docnum if builder is not None else 0)
            batch = list(islice(documents, min(ANALYSE_DOCS, room)))
            if not batch:
                break
            if builder is None:
                builder = SegmentBuilder(ix, plan, lexicon)
            builder.add_batch(batch)
            if builder.docnum >= SEGMENT_DOCS:
                segments.append(builder.finish())
                builder = None
    except BaseException:
        if builder is not None:
            builder.abandon()
        raise
    if builder is not None:
        segments.append(builder.finish())
    return segments


def _commit(ix: FileIndex, segments: list) -> None:
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    with contextlib.suppress(FileNotFoundError, OSError):
        ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()


# --- Worker processes --------------------------------------------------------------------
#
# Each worker is `python -m search.store.bulk_worker FOLDER INDEXNAME`: batches of documents
# arrive on its stdin as length-prefixed pickles, and it answers on stdout with the pickled
# list of the segments it wrote. A plain subprocess, not multiprocessing: it inherits no file
# descriptor (an inherited copy of the index's write lock would outlive a killed parent),
# re-imports no caller's __main__, and dies with its parent (PR_SET_PDEATHSIG).


class WorkerFailed(RuntimeError):
    """A build worker died or raised; nothing of the build is committed."""


def _build_parallel(ix: FileIndex, documents: Iterable[dict], procs: int) -> list:
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = os.environ | {"PYTHONPATH": package_root + (os.pathsep + path if path else "")}
    # -P: the package is the one on PYTHONPATH (this module's), never a `search` folder that
    # happens to be in the caller's working directory (-m would put it first)
    command = [sys.executable, "-P", "-m", "search.store.bulk_worker", ix.storage.folder]
    command.append(ix.indexname)
    workers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        for _ in range(procs)
    ]
    try:
        batch: list[dict] = []
        sent = 0
        for fields in documents:
            batch.append(fields)
            if len(batch) >= BATCH_DOCS:
                _send(workers[sent % procs], batch)
                batch, sent = [], sent + 1
        if batch:
            _send(workers[0], batch)
        for worker in workers:  # every worker at once: each writes its last segment on EOF
            worker.stdin.close()
        segments = []
        for worker in workers:
            answer = worker.stdout.read()
            if worker.wait() != 0 or not answer:
                raise WorkerFailed(f"an indexing worker failed (exit code {worker.returncode})")
            segments.extend(pickle.loads(answer))
        return segments
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            for pipe in (worker.stdin, worker.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()


def _send(worker: subprocess.Popen, batch: list[dict]) -> None:
    data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
    try:
        worker.stdin.write(len(data).to_bytes(8, "little") + data)
    except (BrokenPipeError, OSError):
        worker.wait()
        raise WorkerFailed(f"an indexing worker died (exit code {worker.returncode})") from None


def _batches(stream) -> Iterator[dict]:
    """The documents of the batches on ``stream``, read ahead by a thread: the parent's
    writes then finish while this worker analyses, instead of waiting for its next read (in
    lock-step, a worker slowed by another process held back the parent, and so the other
    worker too)."""
    ahead: queue.Queue[bytes | None] = queue.Queue(READ_AHEAD)

    def read() -> None:
        try:
            while header := stream.read(8):
                ahead.put(stream.read(int.from_bytes(header, "little")))
        finally:
            ahead.put(None)

    threading.Thread(target=read, name="batches", daemon=True).start()
    while (data := ahead.get()) is not None:
        yield from pickle.loads(data)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def worker(folder: str, indexname: str) -> int:
    """The body of one worker process (`search.store.bulk_worker`)."""
    _die_with_parent()
    if os.getppid() == 1:  # the parent died before the request took effect
        return 1
    ix = whoosh_index.open_dir(folder, indexname=indexname)
    segments = build_segments(ix, _Plan(ix.schema), _batches(sys.stdin.buffer))
    sys.stdout.buffer.write(pickle.dumps(segments, pickle.HIGHEST_PROTOCOL))
    return 0
