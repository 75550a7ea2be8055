"""Shared fixtures: a real index of the bundled seeds, built once per session."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from search.documents import Article, read_paths
from search.results import SearchRequest, search
from search.store import index_articles, open_reader
from search.web import create_app

from .live_server import serve  # noqa: F401  (a fixture, shared by the server tests)

ROOT = Path(__file__).parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def articles_of(day: dt.date) -> Callable[[str, str, str], Article]:
    """A maker of a module's test articles, all published on ``day``."""

    def article(doc_id: str, title: str, body: str) -> Article:
        return Article(id=doc_id, title=title, body=body, date=day)

    return article


def write_seed_corpus(path: Path, documents: int, prefix: str) -> None:
    """A JSON Lines corpus of ``documents`` articles cycling through the seeds' real text,
    each under an id of its own (``prefix-0`` ...): enough for a build to take seconds."""
    articles = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(documents):
            article = articles[i % len(articles)]
            row = {"id": f"{prefix}-{i}", "title": article.title, "body": article.body}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed-index")
    index_articles(folder, read_paths([SEEDS]))
    return folder


@pytest.fixture(scope="session")
def find(seed_index):
    """Search the seed index through the package's own search function."""
    reader = open_reader(seed_index)

    def run(q: str, **params) -> dict:
        return search(reader, SearchRequest.from_args({"q": q, **params}))

    yield run
    reader.close()


@pytest.fixture(scope="module")
def articles_folder(request, tmp_path_factory) -> Path:
    """An index of the requesting module's ``ARTICLES``, built once per module."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    index_articles(folder, request.module.ARTICLES, procs=1)
    return folder


@pytest.fixture(scope="module")
def index(articles_folder):
    """That index, open through the package's Python API."""
    import search

    with search.open_index(articles_folder) as opened:
        yield opened


@pytest.fixture
def writable_index(seed_index, tmp_path) -> Path:
    """A private copy of the seed index that a test may change."""
    target = tmp_path / "index"
    shutil.copytree(seed_index, target)
    return target


@pytest.fixture
def app(seed_index):
    return create_app({"TESTING": True, "INDEX_DIR": str(seed_index)})


@pytest.fixture
def client(app):
    return app.test_client()


def ids(body: dict) -> list[str]:
    """Result ids in rank order, by their short seed number (000 … 004)."""
    return [hit["id"].split("_")[0] for hit in body["results"]]
