"""The Whoosh index: schema, upserts, rebuilds beside the live index, read-only opening.

Layout of an index folder::

    index/
      CURRENT          name of the live generation, replaced atomically
      write.lock       flock held by whichever process writes
      g-20261122T...   one Whoosh index per generation; the live one and, briefly, a rebuild

A rebuild writes a new generation and switches ``CURRENT`` to it only after the commit, so a
reader never sees a half-built index and a crash mid-build leaves the old one serving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import Index

from . import bulk
from .analysis import DEFAULT_STEMMER, STEMMERS, Stem, arabic_analyzer
from .codec import ArrayCodec
from .documents import Article, Rejected
from .errors import IndexBusy, IndexMissing

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = "write.lock"
BUILD_INFO = "build.json"
WRITE_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another writer before giving up
# Memory for one writer's in-RAM segment before it spills to disk; large segments mean fewer
# merges during a bulk build (bench/ measures the build rate).
WRITER_LIMIT_MB = 256


def make_schema(stemmer: str = DEFAULT_STEMMER) -> Schema:
    """Two forms of the text: stemmed for recall, normalised surface forms for precision.

    Only the stemmed fields store text (the highlighter reads it back); the exact fields
    keep positions for phrase and proximity queries.
    """
    stem = arabic_analyzer(stem=True, stemmer=stemmer)
    exact = arabic_analyzer(stem=False)
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=stem, stored=True, phrase=False),
        body=TEXT(analyzer=stem, stored=True, phrase=False),
        title_exact=TEXT(analyzer=exact, phrase=True),
        body_exact=TEXT(analyzer=exact, phrase=True),
        source=ID(stored=True, sortable=True),
        source_text=TEXT(analyzer=exact, phrase=True),
        tags=STORED(),
        tag_text=TEXT(analyzer=stem, phrase=False),
        date=DATETIME(stored=True),
        # yyyymmdd, 0 when undated: sorting newest first then puts undated articles last
        # (a DATETIME column fills gaps with its largest value, which sorts them first).
        day=NUMERIC(int, bits=32, sortable=True),
        year=ID(sortable=True),
        url=STORED(),
        related=STORED(),
    )


def index_stemmer(ix: Index) -> str:
    """The stemmer an index was built with (the schema pickles the analyzer)."""
    for item in ix.schema["body"].analyzer.items:
        if isinstance(item, Stem):
            return item.stemmer
    return DEFAULT_STEMMER


def article_fields(article: Article) -> dict:
    """The Whoosh document for one article."""
    fields = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "title_exact": article.title,
        "body_exact": article.body,
        "source": article.source or "",
        "source_text": article.source or "",
        "tags": list(article.tags),
        "tag_text": " ".join(article.tags),
        "url": article.url or "",
        "related": list(article.related),
        "day": 0,
    }
    if article.date:
        fields["date"] = dt.datetime.combine(article.date, dt.time())
        fields["year"] = str(article.date.year)
        fields["day"] = int(article.date.strftime("%Y%m%d"))
    return fields


# --- Generations -----------------------------------------------------------------------------


def live_generation(folder: Path) -> Path | None:
    """The folder of the live Whoosh index, or None when nothing has been built."""
    try:
        name = (folder / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    path = folder / name
    return path if name and path.is_dir() else None


def generation_marker(folder: Path) -> str:
    """A cheap value that changes whenever the live index changes (for searcher refresh)."""
    live = live_generation(Path(folder))
    if live is None:
        return ""
    tocs = sorted(p.name for p in live.glob("*.toc"))
    return f"{live.name}/{tocs[-1] if tocs else ''}"


def _switch_to(folder: Path, generation: Path) -> None:
    temporary = folder / f".{CURRENT}.{os.getpid()}"
    temporary.write_text(generation.name, "utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, folder / CURRENT)


def _remove_other_generations(folder: Path, keep: Path) -> None:
    """Delete every generation but ``keep``: old ones, and rebuilds a crash left behind.

    Only called under the write lock, so no other build is using them; readers that still
    hold files of an old generation keep reading them (POSIX unlinks lazily).
    """
    for path in folder.glob("g-*"):
        if path.is_dir() and path != keep:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def write_lock(folder: str | Path, timeout: float = WRITE_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the folder's writer lock; the kernel frees it if the holder dies."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"another process is writing to {folder}; try again shortly"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_index(folder: str | Path) -> Index:
    """Open the live index for reading; IndexMissing says how to build one."""
    folder = Path(folder)
    live = live_generation(folder)
    if live is None or not whoosh_index.exists_in(str(live)):
        raise IndexMissing(f"no index in {folder}; run `arabic-search index seeds/` first")
    return whoosh_index.open_dir(str(live))


def read_build_info(folder: str | Path) -> dict:
    """What the last build or update recorded (time, counts, stemmer)."""
    live = live_generation(Path(folder))
    if live is None:
        return {}
    try:
        return json.loads((live / BUILD_INFO).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


# --- Writing ---------------------------------------------------------------------------------


@dataclass
class IndexReport:
    """What one indexing run did."""

    indexed: int = 0
    replaced: int = 0
    skipped: int = 0
    seconds: float = 0.0
    documents: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0


class StrictFailure(Exception):
    """Raised under ``strict`` when one input is rejected; nothing is committed."""

    def __init__(self, rejected: Rejected):
        where = f"{rejected.path}:{rejected.line}" if rejected.line else rejected.path
        super().__init__(f"{where}: {rejected.reason}")
        self.rejected = rejected


def index_articles(
    folder: str | Path,
    items: Iterable[Article | Rejected],
    *,
    rebuild: bool = False,
    strict: bool = False,
    stemmer: str | None = None,
    procs: int = 1,  # worker processes for a fresh build (search.bulk)
    on_item: Callable[[Article | Rejected], None] | None = None,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> IndexReport:
    """Add or replace articles (upsert by id); with ``rebuild``, build a fresh generation.

    Rejected inputs are counted and kept in the report, or abort the run under ``strict``
    (the live index is then untouched). Within one run a repeated id keeps its last version.
    """
    folder = Path(folder)
    started = time.perf_counter()
    report = IndexReport()
    with write_lock(folder, lock_timeout):
        live = live_generation(folder)
        fresh = rebuild or live is None
        if fresh:
            if stemmer is None and live is not None and whoosh_index.exists_in(str(live)):
                stemmer = index_stemmer(whoosh_index.open_dir(str(live)))
            stemmer = stemmer or DEFAULT_STEMMER
            if stemmer not in STEMMERS:
                raise ValueError(f"unknown stemmer {stemmer!r}; choose from {sorted(STEMMERS)}")
            target = folder / f"g-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
            target.mkdir(parents=True)
            ix = whoosh_index.create_in(str(target), make_schema(stemmer))
        else:
            target = live
            ix = whoosh_index.open_dir(str(target))
            if stemmer and stemmer != index_stemmer(ix):
                raise ValueError("the index uses another stemmer; rebuild to change it")
        try:
            _write(ix, items, report, fresh=fresh, strict=strict, procs=procs, on_item=on_item)
        except BaseException:
            if fresh:
                shutil.rmtree(target, ignore_errors=True)
            raise
        with ix.searcher() as searcher:
            report.documents = searcher.doc_count()
        report.seconds = time.perf_counter() - started
        last_run = {
            "indexed": report.indexed,
            "replaced": report.replaced,
            "skipped": report.skipped,
            "seconds": round(report.seconds, 3),
        }
        _record(target, ix, report.documents, last_run, rebuilt=fresh)
        if fresh:
            _switch_to(folder, target)
            _remove_other_generations(folder, keep=target)
    return report


def _write(ix, items, report, *, fresh, strict, procs, on_item) -> None:
    seen: set[str] = set()
    repeats: dict[str, Article] = {}

    def accepted() -> Iterator[Article]:
        """The articles to write, once each; rejected ones counted, or fatal under strict."""
        for item in items:
            if on_item:
                on_item(item)
            if isinstance(item, Rejected):
                if strict:
                    raise StrictFailure(item)
                report.skipped += 1
                report.rejected.append(item)
            elif item.id in seen:
                repeats[item.id] = item  # applied after the bulk commit: last one wins
            else:
                seen.add(item.id)
                yield item

    if fresh:
        report.indexed += bulk.build(ix, map(article_fields, accepted()), procs=procs)
    else:
        _upsert(ix, accepted(), report)
    if repeats:
        writer = _writer(ix, limitmb=WRITER_LIMIT_MB)
        for article in repeats.values():
            writer.update_document(**article_fields(article))
            report.replaced += 1
        writer.commit()


def _writer(ix: Index, **options):
    """Whoosh's writer, writing array posting blocks (search.codec) like fresh builds do."""
    return ix.writer(codec=ArrayCodec(), **options)


def _upsert(ix: Index, articles: Iterable[Article], report: IndexReport) -> None:
    """Add or replace articles in a live index with Whoosh's own writer (one new segment,
    small segments merged)."""
    with ix.searcher() as existing:
        writer = _writer(ix, limitmb=WRITER_LIMIT_MB)
        try:
            for article in articles:
                if existing.document_number(id=article.id) is not None:
                    report.replaced += 1
                    writer.update_document(**article_fields(article))
                else:
                    report.indexed += 1
                    writer.add_document(**article_fields(article))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()


def _record(target: Path, ix: Index, documents: int, last_run: dict, rebuilt: bool) -> None:
    """Write build.json: when the index was built and last changed, and by what run."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    previous = {}
    if not rebuilt:
        with contextlib.suppress(FileNotFoundError, ValueError):
            previous = json.loads((target / BUILD_INFO).read_text("utf-8"))
    info = {
        "built_at": previous.get("built_at", now),
        "updated_at": now,
        "rebuilt": rebuilt,
        "stemmer": index_stemmer(ix),
        "documents": documents,
        "last_run": last_run,
    }
    (target / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False), "utf-8")


def delete_documents(
    folder: str | Path, ids: Iterable[str], lock_timeout: float = WRITE_LOCK_TIMEOUT
) -> int:
    """Remove documents by id; returns how many existed (nothing is committed when none)."""
    folder = Path(folder)
    started = time.perf_counter()
    with write_lock(folder, lock_timeout):
        ix = open_index(folder)
        writer = _writer(ix)
        removed = 0
        try:
            for doc_id in ids:
                removed += writer.delete_by_term("id", doc_id)
        except BaseException:
            writer.cancel()
            raise
        if not removed:
            writer.cancel()
            return 0
        writer.commit()
        with ix.searcher() as searcher:
            documents = searcher.doc_count()
        last_run = {"deleted": removed, "seconds": round(time.perf_counter() - started, 3)}
        _record(live_generation(folder), ix, documents, last_run, rebuilt=False)
    return removed


def index_stats(folder: str | Path) -> dict:
    """Document count, size on disk, fields and the last build's record."""
    folder = Path(folder)
    ix = open_index(folder)
    live = live_generation(folder)
    size = sum(p.stat().st_size for p in live.iterdir() if p.is_file())
    with ix.searcher() as searcher:
        documents = searcher.doc_count()
        segments = len(ix._segments()) if hasattr(ix, "_segments") else None
    return {
        "folder": str(folder),
        "generation": live.name,
        "documents": documents,
        "size_bytes": size,
        "segments": segments,
        "fields": sorted(ix.schema.names()),
        "stemmer": index_stemmer(ix),
        **{
            key: value
            for key, value in read_build_info(folder).items()
            if key in ("built_at", "updated_at", "last_run")
        },
    }
