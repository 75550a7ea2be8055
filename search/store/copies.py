"""Copies of an index: a consistent snapshot of the live generation, and every document
exported as the JSON Lines `arabic-search index` reads back.

A generation is immutable segment files plus small files each replaced whole (the TOC of a
commit, build.json), so a snapshot is a hard link of each file of the live generation, taken
under the writer lock: no commit can land half-way through it, and the service goes on
answering searches meanwhile (the lock is held for the links only, milliseconds).
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..errors import SearchError
from .generations import live_or_fail, switch_to, write_lock
from .reader import Reader


class SnapshotError(SearchError):
    """A snapshot's destination cannot take one (it holds files already)."""

    status = 400
    code = "bad_snapshot"


def snapshot(folder: str | Path, destination: str | Path, lock_timeout: float = 30.0) -> dict:
    """Copy the live generation of ``folder`` into ``destination`` (a new or empty folder),
    hard-linked where the filesystem allows, copied where it does not; the copy is an index
    of its own (its CURRENT names the generation). Returns what was copied."""
    folder, destination = Path(folder), Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise SnapshotError(f"{destination} is not empty; a snapshot goes to a new folder")
    linked = copied = size = 0
    with write_lock(folder, lock_timeout, create=False):
        live = live_or_fail(folder)
        target = destination / live.name
        target.mkdir(parents=True)
        for path in sorted(live.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            size += path.stat().st_size
            try:
                os.link(path, target / path.name)
                linked += 1
            except OSError:  # another filesystem, or links not allowed: a real copy
                shutil.copy2(path, target / path.name)
                copied += 1
    switch_to(destination, target)
    return {
        "generation": live.name,
        "files": linked + copied,
        "linked": linked,
        "copied": copied,
        "bytes": size,
    }


def exported(reader: Reader) -> Iterator[dict]:
    """Every live document as one JSON Lines object of `search.documents.read_jsonl`'s
    format, in document order. Text that would change when read back (it holds what HTML
    decoding would turn into other characters: "&amp;" written out) has its & written as
    &amp;, so indexing the export gives back exactly these documents."""
    for number in reader.live.nonzero()[0].tolist():
        stored = reader.stored(number)
        date = stored.get("date")
        row = {
            "id": stored["id"],
            "title": _kept(stored.get("title", "")),
            "body": _kept(stored.get("body", "")),
            "date": date.date().isoformat() if date else None,
            "source": _kept(stored.get("source") or "") or None,
            "url": _kept(stored.get("url") or "") or None,
            "tags": [_kept(tag) for tag in stored.get("tags") or []],
            "related": [_kept(item) for item in stored.get("related") or []],
        }
        yield {key: value for key, value in row.items() if value not in (None, [])}


def export_lines(reader: Reader) -> Iterator[str]:
    """`exported` as JSON Lines text, one document a line."""
    for row in exported(reader):
        yield json.dumps(row, ensure_ascii=False) + "\n"


def _kept(text: str) -> str:
    """Text that reads back as itself through the ingest's one HTML decoding."""
    return text.replace("&", "&amp;") if "&" in text and html.unescape(text) != text else text


__all__ = ["SnapshotError", "export_lines", "exported", "snapshot"]
