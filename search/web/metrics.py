"""Prometheus metrics, counted in every gunicorn worker and summed at ``GET /metrics``.

prometheus_client's multiprocess mode: each worker writes its counters and histograms to
files in the server's shared folder (`search.web.runtime`), and a scrape reads all of them,
so the figures are the server's whichever worker answers, and a replaced worker's counts
stay counted. prometheus_client picks that mode when it is first imported, from
``PROMETHEUS_MULTIPROC_DIR``; the gunicorn master sets the variable only when it starts, after
this module is loaded, so prometheus_client is imported here on first use, in a worker.

Gauges that describe the index (documents, generation, age) are read when scraped, by the
worker that answers: `gauge(name, help, read)` adds one, ``read`` returning the value (or
None to leave it out).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response

from .runtime import METRICS_DIR

PREFIX = "arabic_search_"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Request latency: the seed searches take 1-10 ms, the 70k index's hardest about 1.9 s.
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RESULTS_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10_000, 50_000, 100_000)

metrics = Blueprint("metrics", __name__)


@dataclass(frozen=True)
class ScrapeGauge:
    name: str
    documentation: str
    read: Callable[[], float | Mapping[tuple[str, ...], float] | None]
    labels: tuple[str, ...] = ()


GAUGES: list[ScrapeGauge] = []


def gauge(
    name: str,
    documentation: str,
    read: Callable[[], float | Mapping[tuple[str, ...], float] | None],
    labels: tuple[str, ...] = (),
) -> None:
    """Add a gauge read at each scrape (in the app's context). With ``labels``, ``read``
    returns a mapping of label values to numbers. ``name`` gets the ``arabic_search_`` prefix."""
    GAUGES.append(ScrapeGauge(PREFIX + name, documentation, read, tuple(labels)))


@functools.cache
def _counted() -> dict[str, Any]:
    """The worker's counters and histograms, made on first use (see the module's docstring)."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    own = CollectorRegistry(auto_describe=True)  # read only without the multiprocess folder
    return {
        "registry": own,
        "requests": Counter(
            PREFIX + "http_requests",
            "HTTP requests answered, by method, route and status",
            ("method", "path", "status"),
            registry=own,
        ),
        "seconds": Histogram(
            PREFIX + "request_seconds",
            "Time to answer a request, by route",
            ("path",),
            buckets=SECONDS_BUCKETS,
            registry=own,
        ),
        "results": Histogram(
            PREFIX + "search_results",
            "Matching articles per search (the API's and the page's)",
            buckets=RESULTS_BUCKETS,
            registry=own,
        ),
        "zero": Counter(
            PREFIX + "zero_result_searches",
            "Searches that matched no article",
            registry=own,
        ),
    }


def count_request(method: str, path: str, status: int, seconds: float) -> None:
    """One answered request; ``path`` is its route (``/api/documents/<path:doc_id>``)."""
    counted = _counted()
    counted["requests"].labels(method, path, str(status)).inc()
    counted["seconds"].labels(path).observe(seconds)


def count_search(total: int) -> None:
    """One search and how many articles it matched."""
    counted = _counted()
    counted["results"].observe(total)
    if total == 0:
        counted["zero"].inc()


def worker_exited(pid: int) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges stop counting."""
    if os.environ.get(METRICS_DIR):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _Gauges:
    """The scrape-time gauges as a prometheus_client collector."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        for item in GAUGES:
            value = item.read()
            if value is None:
                continue
            family = GaugeMetricFamily(item.name, item.documentation, labels=item.labels)
            if item.labels:
                for labels, number in value.items():
                    family.add_metric(list(labels), number)
            else:
                family.add_metric([], value)
            yield family


def exposition() -> bytes:
    """Every metric in Prometheus's text format: all workers' counts and the gauges."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    counted = _counted()
    directory = os.environ.get(METRICS_DIR)
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
    else:
        registry = counted["registry"]
    text = generate_latest(registry)
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_Gauges())
    return text + generate_latest(gauges)


@metrics.get("/metrics")
def scrape() -> Response:
    return Response(exposition(), content_type=CONTENT_TYPE)
