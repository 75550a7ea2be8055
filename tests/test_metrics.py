"""GET /metrics (issue 18): Prometheus's text format, the server's counts whichever of two
real gunicorn workers answers each request or the scrape."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .live_server import OPENER, environment, fetch, gunicorn_command, json_log, launch, stop

SEARCHES = 40
MISSING = 6  # document lookups of ids the index lacks
CLIENTS = 4  # concurrent connections, so both workers answer
MAX_REQUESTS = 10  # each worker is replaced after about this many: dead workers' counts stay


@pytest.fixture(scope="module")
def server(seed_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics")
    shutil.copytree(seed_index, folder / "index")
    log = folder / "gunicorn.log"
    env = environment(
        ARABIC_SEARCH_INDEX_DIR=str(folder / "index"),
        ARABIC_SEARCH_MAX_REQUESTS=str(MAX_REQUESTS),  # workers replaced during the test
    )
    process, base = launch(gunicorn_command(workers=2), env, log)
    yield base, log, folder / "index"
    stop(process)


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics by name and sorted labels."""
    with OPENER.open(f"{base}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(
        value
        for (sample, got), value in samples.items()
        if sample == name and set(labels.items()) <= set(got)
    )


def test_requests_are_counted_across_two_workers(server):
    base, log, _ = server
    words = ["بلينكن"] * (SEARCHES - 10) + ["زززززز"] * 10  # 10 searches match nothing
    urls = [f"{base}/api/search?{urlencode({'q': word})}" for word in words]
    urls += [f"{base}/api/documents/{quote(f'missing-{n}')}" for n in range(MISSING)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(lambda url: fetch(url)[0], urls))
    assert statuses == [200] * SEARCHES + [404] * MISSING

    samples = scrape(base)
    requests = "arabic_search_http_requests_total"
    assert total(samples, requests, path="/api/search") == SEARCHES
    assert total(samples, requests, method="GET", path="/api/search", status="200") == SEARCHES
    document_route = "/api/documents/<path:doc_id>"  # the route, not the URL
    assert total(samples, requests, path=document_route, status="404") == MISSING
    paths = {dict(labels).get("path") for (name, labels) in samples if name == requests}
    assert not [path for path in paths if "missing" in path]
    assert total(samples, "arabic_search_request_seconds_count", path="/api/search") == SEARCHES
    assert total(samples, "arabic_search_search_results_count") == SEARCHES
    assert total(samples, "arabic_search_search_results_bucket", le="0.0") == 10
    assert total(samples, "arabic_search_zero_result_searches_total") == 10

    answered_by = {line["pid"] for line in json_log(log) if line.get("path") == "/api/search"}
    assert len(answered_by) > 2  # both workers, each replaced at least once: all counted


def test_the_index_gauges(server):
    base, _, index = server
    samples = scrape(base)
    assert samples[("arabic_search_documents", ())] == 5
    live = (index / "CURRENT").read_text().strip()
    assert samples[("arabic_search_index_generation", (("generation", live),))] == 1
    assert samples[("arabic_search_index_age_seconds", ())] >= 0


def test_the_shared_folder_lasts_as_long_as_the_server(seed_index, tmp_path):
    env = environment(ARABIC_SEARCH_INDEX_DIR=str(seed_index), TMPDIR=str(tmp_path))
    process, _ = launch(gunicorn_command(workers=1), env, tmp_path / "gunicorn.log")
    try:
        (run,) = tmp_path.glob("arabic-search-run-*")
        assert any((run / "metrics").iterdir())  # the worker's files
    finally:
        stop(process)
    assert not run.exists()


def test_metrics_in_one_process(client):
    before = total(_samples(client), "arabic_search_http_requests_total", path="/healthz")
    assert client.get("/healthz").status_code == 200
    after = _samples(client)
    assert total(after, "arabic_search_http_requests_total", path="/healthz") == before + 1
    assert after[("arabic_search_documents", ())] == 5


def _samples(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }
