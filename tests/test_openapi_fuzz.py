"""A short Schemathesis run in the suite: the API against its own OpenAPI description, every
check, writes included, positive and negative cases, from a fixed seed (`make fuzz-api` is the
long run, over HTTP against gunicorn). Same configuration and hooks as the long run:
tests/fuzz/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[test]'")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from .fuzz import hooks  # noqa: E402, F401  (registers the PUT id hook)
from .fuzz.run import TOKEN, serve  # noqa: E402
from .live_server import free_port, stop  # noqa: E402

CONFIG = Path(__file__).parent / "fuzz" / "schemathesis.toml"
EXAMPLES = 25  # per operation and mode: about 15 s in all


@pytest.fixture(scope="module")
def api_schema(seed_index, tmp_path_factory):
    """The description, as served by gunicorn (the deployed command line) on a copy of the
    seed index; in-process calls would share Hypothesis's seeded `random` with Whoosh, whose
    segment names come from it."""
    folder = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(seed_index, folder)
    port = free_port()
    process = serve(folder, port)
    try:
        config = SchemathesisConfig.from_path(CONFIG)
        url = f"http://127.0.0.1:{port}/api/openapi.json"
        yield schemathesis.openapi.from_url(url, config=config)
    finally:
        stop(process)


LABELS = [
    "GET /api/search",
    "GET /api/documents",
    "GET /api/suggest",
    "GET /api/documents/{id}",
    "GET /api/documents/{id}/similar",
    "PUT /api/documents/{id}",
    "DELETE /api/documents/{id}",
    "POST /api/documents",
    "GET /healthz",
    "GET /metrics",
]


def test_every_operation_is_fuzzed(api_schema):
    found = {result.ok().label for result in api_schema.get_all_operations()}
    assert found == set(LABELS)  # Schemathesis leaves out the description's own URL


CASES = [(label, GenerationMode.POSITIVE) for label in LABELS] + [
    (label, GenerationMode.NEGATIVE)  # those with parameters or a body to get wrong
    for label in (
        "GET /api/search",
        "GET /api/documents",
        "GET /api/suggest",
        "GET /api/documents/{id}/similar",
        "PUT /api/documents/{id}",
        "POST /api/documents",
    )
]


@pytest.mark.parametrize("label, mode", CASES)
def test_the_api_answers_as_its_description_says(api_schema, label, mode):
    (operation,) = [
        result.ok() for result in api_schema.get_all_operations() if result.ok().label == label
    ]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases on every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})

    check()
