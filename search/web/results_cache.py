"""Repeated identical searches answered from memory, per worker.

A search's response depends on its parameters and the index generation only, so the JSON a
worker sent is kept, under a byte budget, keyed on both: the same request of the same index
is then the bytes it was (the ranking, snippets and serialisation are skipped). A new
generation makes new keys, and the old ones age out. Distinct searches gain nothing from
this; the speed figures of docs/performance.md are for distinct searches, with this cache's
effect reported apart.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..results import SearchRequest

ENTRY_OVERHEAD = 200  # bytes an entry costs beyond its body: its key and the table's slot


class ResultCache:
    """Search responses (JSON bytes and their total), least recently used out first."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self._entries: OrderedDict[tuple, tuple[bytes, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(marker: str, request: SearchRequest) -> tuple:
        """The index generation and every parameter that shapes the response."""
        return (marker, repr(request))

    def get(self, key: tuple) -> tuple[bytes, int] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, body: bytes, total: int) -> None:
        size = len(body) + ENTRY_OVERHEAD
        if size > self.budget:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (body, total)
            self._used += size
            while self._used > self.budget:
                _, (old, _) = self._entries.popitem(last=False)
                self._used -= len(old) + ENTRY_OVERHEAD
