"""gunicorn settings for the deployed server: ``gunicorn -c python:search.serving ...``.

A serving worker keeps large, long-lived caches (decoded postings, analysed words, the
highlighter's tables) and makes almost no reference cycles: on the 70,000-article index,
Python's full collections found nothing to free, yet each took 20-220 ms once the caches
had filled, in the middle of a request (docs/performance.md). So each worker, once the app
is loaded, moves everything it holds so far out of the collector's sight (`gc.freeze`) and
collects the oldest generation ten times less often; cycles are still collected.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 100)  # Python's defaults: (700, 10, 10)


def post_worker_init(worker) -> None:
    """gunicorn's hook: runs in each worker after it has loaded the app."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
