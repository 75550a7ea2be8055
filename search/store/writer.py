"""The write side of the store: upserts, rebuilds beside the live index, deletions, figures.

Every write holds the folder's lock (`generations.write_lock`) and is one Whoosh commit, so it
lands completely or not at all. A fresh build (the first one, or ``rebuild``) is written by the
bulk writer (`search.store.bulk`) into a new generation, which goes live only after its
commit; updates of a live index go through Whoosh's own writer, one small segment at a time.
Both write `search.store.codec`'s array blocks.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from ..analysis import DEFAULT_STEMMER, STEMMERS
from ..documents import Article, Rejected
from ..errors import IndexMissing, NothingToIndex
from . import bulk
from .codec import ArrayCodec
from .generations import (
    FORMAT,
    WRITE_LOCK_TIMEOUT,
    commit_files,
    generation_info,
    live_generation,
    live_or_fail,
    new_generation,
    read_build_info,
    remove_other_generations,
    switch_to,
    write_build_info,
    write_lock,
)
from .schema import article_fields, make_schema, schema_stemmer, whoosh_document

log = logging.getLogger(__name__)

# Memory for one writer's in-RAM segment before it spills to disk; large segments mean fewer
# merges during a bulk build (bench/ measures the build rate).
WRITER_LIMIT_MB = 256


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
    procs: int = 1,  # worker processes for a fresh build (search.store.bulk)
    on_item: Callable[[Article | Rejected], None] | None = None,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
    create: bool = True,
) -> IndexReport:
    """Add or replace articles (upsert by id); with ``rebuild``, build a fresh generation.

    Rejected inputs are counted and kept in the report, or abort the run under ``strict``
    (the live index is then untouched). Within one run a repeated id keeps its last version.
    An index of another format is only ever rebuilt, never updated. Without ``create`` (the
    write API) a folder with no index is `IndexMissing` and nothing is written.
    """
    folder = Path(folder)
    existed = folder.exists()
    try:
        return _index_articles(
            folder, items, rebuild, strict, stemmer, procs, on_item, lock_timeout, create
        )
    except NothingToIndex:
        if not existed:  # the run made the folder for its lock: leave no trace of it
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _index_articles(
    folder, items, rebuild, strict, stemmer, procs, on_item, lock_timeout, create
) -> IndexReport:
    started = time.perf_counter()
    report = IndexReport()
    with write_lock(folder, lock_timeout, create=create):
        live = live_generation(folder)
        if live is None and not create:
            raise IndexMissing(f"no index in {folder}; run `arabic-search index seeds/` first")
        fresh = rebuild or live is None
        if fresh:
            if stemmer is None and live is not None:
                stemmer = generation_info(live).get("stemmer")
            stemmer = stemmer or DEFAULT_STEMMER
            if stemmer not in STEMMERS:
                raise ValueError(f"unknown stemmer {stemmer!r}; choose from {sorted(STEMMERS)}")
            target = new_generation(folder)
            ix = whoosh_index.create_in(str(target), make_schema(stemmer))
        else:
            target = live_or_fail(folder)
            ix = whoosh_index.open_dir(str(target))
            if stemmer and stemmer != schema_stemmer(ix.schema):
                raise ValueError("the index uses another stemmer; rebuild to change it")
        try:
            _write(ix, items, report, fresh=fresh, strict=strict, procs=procs, on_item=on_item)
            if not report.indexed and not report.replaced:
                skipped = f" ({report.skipped} skipped)" if report.skipped else ""
                raise NothingToIndex(f"the input held no article to index{skipped}")
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
        if fresh:
            _record(target, ix, report.documents, last_run, rebuilt=True)
        else:
            _record_after_commit(target, ix, report.documents, last_run)
        if fresh:
            switch_to(folder, target)
            remove_other_generations(folder, keep=target)
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
            writer.update_document(**_document(ix, article))
            report.replaced += 1
        writer.commit()


def _document(ix: Index, article: Article) -> dict:
    return whoosh_document(article, schema_stemmer(ix.schema))


def _writer(ix: Index, **options):
    """Whoosh's writer, writing array posting blocks (search.store.codec) as builds do."""
    return ix.writer(codec=ArrayCodec(), **options)


def _upsert(ix: Index, articles: Iterable[Article], report: IndexReport) -> None:
    """Add or replace articles in a live index with Whoosh's own writer (one new segment,
    small segments merged)."""
    with ix.searcher() as existing:
        writer = _writer(ix, limitmb=WRITER_LIMIT_MB)
        written = 0
        try:
            for article in articles:
                written += 1
                if existing.document_number(id=article.id) is not None:
                    report.replaced += 1
                    writer.update_document(**_document(ix, article))
                else:
                    report.indexed += 1
                    writer.add_document(**_document(ix, article))
        except BaseException:
            writer.cancel()
            raise
        if not written:  # nothing to add: no empty commit, no new generation marker
            writer.cancel()
            return
        writer.commit()


def _record(target: Path, ix: Index, documents: int, last_run: dict, rebuilt: bool) -> None:
    """Write build.json: the format, when the index was built and last changed, by what run,
    and the files of the commit (what a replica checks its copy against)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    previous = {} if rebuilt else generation_info(target)
    toc, files = commit_files(target, previous.get("files"))
    info = {
        "format": FORMAT,
        "built_at": previous.get("built_at", now),
        "updated_at": now,
        "rebuilt": rebuilt,
        "stemmer": schema_stemmer(ix.schema),
        "documents": documents,
        "last_run": last_run,
        "toc": toc,
        "files": files,
    }
    write_build_info(target, info)


def _record_after_commit(target: Path, ix: Index, documents: int, last_run: dict) -> None:
    """The build record of a change already committed: a failure to write it (a full disk)
    must not report the committed change as failed, so it is logged and the old record kept."""
    try:
        _record(target, ix, documents, last_run, rebuilt=False)
    except OSError as error:
        log.warning("committed, but build.json was not updated: %s", error)


def delete_documents(
    folder: str | Path, ids: Iterable[str], lock_timeout: float = WRITE_LOCK_TIMEOUT
) -> int:
    """Remove documents by id; returns how many existed (nothing is committed when none)."""
    folder = Path(folder)
    started = time.perf_counter()
    with write_lock(folder, lock_timeout, create=False):
        target = live_or_fail(folder)
        ix = whoosh_index.open_dir(str(target))
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
        _record_after_commit(target, ix, documents, last_run)
    return removed


def index_stats(folder: str | Path) -> dict:
    """Document count, size on disk, segments, fields and the last build's record."""
    from .reader import Reader

    folder = Path(folder)
    live = live_or_fail(folder)
    size = sum(p.stat().st_size for p in live.iterdir() if p.is_file())
    with Reader(live) as reader:
        figures = {
            "folder": str(folder),
            "generation": live.name,
            "format": FORMAT,
            "documents": reader.documents,
            "size_bytes": size,
            "segments": reader.segments,
            "fields": list(reader.fields),
            "stemmer": reader.stemmer,
        }
    info = read_build_info(folder)
    figures.update({k: info[k] for k in ("built_at", "updated_at", "last_run") if k in info})
    return figures
