"""The per-reader caches of the hot path: decoded postings, kept positions, scored lists.

Each must give exactly what an uncached read gives, whichever path filled it, and stay
within its byte budget."""

from __future__ import annotations

import numpy as np
import pytest

from search.documents import read_paths
from search.query import rank
from search.query.engine import engine_for
from search.store import ByteLRU, index_articles, open_reader
from search.store import reader as store_reader
from search.store.lru import ARRAY_BYTES, ENTRY_BYTES
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    built = tmp_path_factory.mktemp("caches") / "index"
    index_articles(built, read_paths([SEEDS]), rebuild=True)
    return built


def _fresh(folder):
    """The index opened again: empty caches."""
    return open_reader(folder)


def test_kept_positions_equal_the_blocks_they_came_from(folder, monkeypatch):
    """A common word's positions read once (the blocks of the documents asked for), then kept
    whole (asked again), then from the cache: the same occurrences each time, for any
    documents; a rare word's are kept at once."""
    monkeypatch.setattr(store_reader, "WHOLE_POSITIONS_BELOW", 3)  # "common": in 3 or more
    fresh = _fresh(folder)
    ids, _ = fresh.postings("body_exact", "في")
    assert ids.size >= 3
    some = ids[::2]
    first = fresh.occurrences("body_exact", "في", some)
    assert ("body_exact", "في") not in fresh._positions  # asked once: the blocks only
    second = fresh.occurrences("body_exact", "في", some)
    assert ("body_exact", "في") in fresh._positions
    third = fresh.occurrences("body_exact", "في", ids[1:])
    selected = fresh._selected_occurrences("body_exact", "في", ids[1:])
    for got, want in ((second, first), (third, selected)):
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert first[0].size > some.size  # several occurrences of so common a word per article
    assert np.all(np.diff(first[0]) >= 0)
    rare, _ = fresh.postings("body_exact", "سول")
    assert 0 < rare.size < 3
    fresh.occurrences("body_exact", "سول", rare)
    assert ("body_exact", "سول") in fresh._positions


def test_snippets_never_fill_the_positions_cache(folder):
    fresh = _fresh(folder)
    ids, _ = fresh.postings("body_exact", "في")
    for _ in range(2):
        found = fresh.occurrences("body_exact", "في", ids[:2], keep=False)
    assert found[0].size > 2
    assert ("body_exact", "في") not in fresh._positions


def test_kept_scores_equal_a_fresh_computation(folder):
    """The scored list of a word read from the cache is the one computed without it, and a
    boost scales a copy, never the kept list."""
    fresh = _fresh(folder)
    first = rank(fresh, "كوريا", limit=5)
    again = rank(fresh, "كوريا", limit=5)
    other = rank(_fresh(folder), "كوريا", limit=5)
    assert first.documents.tolist() == again.documents.tolist() == other.documents.tolist()
    scores = [first.matches.score(n) for n in first.documents.tolist()]
    assert scores == [again.matches.score(n) for n in again.documents.tolist()]
    assert scores[0] > 0
    engine = engine_for(fresh)
    kept = list(engine._impacts_kept._items.values())
    assert kept and all(not scores.flags.writeable for _, scores in kept)
    assert all(ids.dtype == np.int32 for ids, _ in kept)


ENTRY = 80 + ARRAY_BYTES + ENTRY_BYTES  # ten float64s, and what holding them costs


def test_byte_budget_drops_the_least_recently_used():
    cache = ByteLRU(3 * ENTRY, admit_when_full=1)
    for name in "abc":
        cache.get(name, lambda: (np.zeros(10),))  # 80 bytes of data each
    cache.get("a", None)  # a used again: b is now the oldest
    cache.get("d", lambda: (np.zeros(10),))
    assert ("a" in cache, "b" in cache, "c" in cache, "d" in cache) == (True, False, True, True)
    assert cache.used == 3 * ENTRY
    big = 8_000 + ARRAY_BYTES + ENTRY_BYTES
    cache.get("big", lambda: (np.zeros(1000),))  # over the budget alone: kept, the rest go
    assert len(cache) == 1 and cache.used == big


def test_an_entry_weighs_what_python_holds_for_it():
    """Tiny arrays (a rare word's postings) are counted with their objects' cost: a budget
    of a million bytes holds about 1,800 entries of two three-element arrays, not 40,000."""
    cache = ByteLRU(1_000_000, admit_when_full=1)
    for i in range(5000):
        cache.get(i, lambda: (np.zeros(3, np.int32), np.zeros(3, np.float32)))
    assert len(cache) == 1_000_000 // (24 + 2 * ARRAY_BYTES + ENTRY_BYTES)


def test_a_full_cache_keeps_one_miss_in_four():
    """A cycle of more entries than fit: a plain LRU would drop each one just before it is
    asked for again and never hit; admitting a quarter of the misses keeps most of what it
    holds, so the second pass over the cycle finds some of it."""
    cache = ByteLRU(10 * ENTRY)
    made = []

    def make(name):
        made.append(name)
        return (np.zeros(10),)

    names = [f"w{i}" for i in range(20)]
    for _ in range(2):
        for name in names:
            cache.get(name, lambda name=name: make(name))
    assert cache.used <= cache.budget and len(cache) == 10
    assert len(made) < 40  # some of the second pass came from the cache
    plain = ByteLRU(10 * ENTRY, admit_when_full=1)
    made.clear()
    for _ in range(2):
        for name in names:
            plain.get(name, lambda name=name: make(name))
    assert len(made) == 40  # the plain LRU: every request a miss
