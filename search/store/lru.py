"""A thread-safe LRU of arrays with a byte budget: what a worker keeps of decoded postings,
positions and scored lists stays within a fixed size, whatever the vocabulary.

An entry weighs its arrays' bytes and what Python spends to hold them (`ENTRY_BYTES`,
`ARRAY_BYTES`): most entries are a rare word's few postings, and counted by their data
alone, 13,000 of an 80 MB cache's entries held 7 MB more than its budget.

Once full, only one miss in `ADMIT_WHEN_FULL` is kept. A plain LRU keeps every miss, and a
workload whose words do not all fit (a batch of questions run again, a crawler walking the
vocabulary) then evicts each entry just before it is asked for again and hits nothing; with
fewer admissions most of what is kept stays, and it still turns over towards the words that
keep coming back."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

ADMIT_WHEN_FULL = 4
ENTRY_BYTES = 300  # an entry's key, its tuple and the dictionary's link (measured: 310)
ARRAY_BYTES = 112  # an array object without its data (sys.getsizeof of an empty array)


class ByteLRU:
    """Values are tuples of numpy arrays, weighed by their bytes; the least recently used go
    first once the budget is passed (the newest always stays); once full, one miss in
    ``admit_when_full`` is kept.

    >>> cache = ByteLRU(500, admit_when_full=1)
    >>> cache.get("a", lambda: (np.zeros(2),))[0].size
    2
    >>> _ = cache.get("b", lambda: (np.zeros(1),)); "a" in cache, "b" in cache
    (False, True)
    >>> cache.get("a", None) is None, cache.used  # 8 bytes of data, 412 to hold them
    (True, 420)
    """

    def __init__(self, budget: int, admit_when_full: int = ADMIT_WHEN_FULL):
        self.budget = budget
        self.admit_when_full = admit_when_full
        self._misses = 0  # while full
        self.used = 0
        self._items: OrderedDict[Hashable, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def get(
        self, key: Hashable, make: Callable[[], tuple] | None, *, keep: bool = True
    ) -> tuple | None:
        """The value of ``key``, made (and kept, unless ``keep`` is False) when absent; None
        when absent and there is no ``make``."""
        found = self._items.get(key)
        if found is not None:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
            return found
        if make is None:
            return None
        found = make()
        if keep:
            size = _bytes(found)
            if self._admits(size):
                self._keep(key, found, size)
        return found

    def _admits(self, size: int) -> bool:
        if self.used + size <= self.budget:
            return True
        self._misses += 1
        return self._misses % self.admit_when_full == 0

    def put(self, key: Hashable, value: tuple) -> None:
        self._keep(key, value, _bytes(value))

    def _keep(self, key: Hashable, value: tuple, size: int) -> None:
        """`put` with the value's weight already known (`get` has weighed it to admit it)."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= _bytes(old)
            self._items[key] = value
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.used -= _bytes(dropped)


def _bytes(value: tuple) -> int:
    return ENTRY_BYTES + sum(
        part.nbytes + ARRAY_BYTES for part in value if isinstance(part, np.ndarray)
    )
