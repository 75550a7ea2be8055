"""One open reader of the index per worker, reopened when the index on disk changes; and
the synonyms, reloaded when their file changes."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from ..query.synonyms import Synonyms
from ..store import MarkerWatch, Reader, open_reader


class LiveReader:
    """The worker's reader of the live generation.

    Opening a reader reads the segment list; doing it per request would cost more than most
    searches. The marker (live generation + newest TOC) is checked on every request, two
    stats when nothing changed (`MarkerWatch`), so a write or a rebuild is seen by the next
    request without a restart.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._watch = MarkerWatch(self.folder)
        self._lock = threading.Lock()
        self._marker: str | None = None
        self._reader: Reader | None = None

    def get(self) -> Reader:
        marker = self._watch.marker()
        if marker != self._marker or self._reader is None:
            with self._lock:
                if marker != self._marker or self._reader is None:
                    old, self._reader = self._reader, open_reader(self.folder)
                    self._marker = marker
                    if old is not None:
                        old.close()
        return self._reader

    @property
    def marker(self) -> str:
        """The generation marker of the reader `get` last returned (changes with each write)."""
        return self._marker or ""


def live() -> LiveReader:
    """The current app's live reader."""
    return current_app.extensions["live_reader"]


def synonyms_version() -> str:
    """Which version of the synonyms file the app holds ("" for none), for search ETags."""
    return current_app.extensions["synonyms"].version


def synonyms() -> Synonyms:
    """The current app's synonyms (none without ``ARABIC_SEARCH_SYNONYMS``), reloaded when the
    file changes (`search.query.synonyms.SynonymFile`)."""
    return current_app.extensions["synonyms"].get()
