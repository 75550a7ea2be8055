"""Copies of one wire story (issue 17): shown once, the copies listed on the hit and on the
page («نُشر أيضاً في …»), every copy with collapse=false, and kept true through writes.

The story is seed 001's text (a real news article) as three outlets would run it: one as
sent, one with its own dateline and credit, one with a sentence of its own added. The other
seeds are different stories.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from search.documents import Article, read_paths
from search.query import stories
from search.store import open_reader
from search.web import create_app

from .conftest import SEEDS
from .test_pages import parse

TOKEN = "collapse-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED = {a.id[:3]: a for a in read_paths([SEEDS]) if isinstance(a, Article)}
WIRE = SEED["001"]
FIRST, REST = WIRE.body.split("\n", 1)
ARTICLES = [
    dataclasses.replace(WIRE, id="wire-a", source="وكالة الأنباء"),
    dataclasses.replace(
        WIRE, id="wire-b", source="صحيفة الشرق", body=f"سيول - خاص: {FIRST}\n{REST}\nالمصدر: وكالات"
    ),
    dataclasses.replace(
        WIRE,
        id="wire-c",
        source="صحيفة الغرب",
        title="عنوان آخر للخبر نفسه",
        body=f"{WIRE.body}\nويأتي ذلك بعد أسابيع من التوتر في شبه الجزيرة الكورية.",
    ),
    # The same outlet running the story twice is one outlet's follow-up, not a copy.
    dataclasses.replace(WIRE, id="wire-a-again", source="وكالة الأنباء", date=None),
    *(dataclasses.replace(SEED[n], id=f"other-{n}", source=f"مصدر {n}") for n in ("000", "002")),
]
QUERY = "كوريا"


@pytest.fixture
def client(articles_folder, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(articles_folder, folder)
    app = create_app({"TESTING": True, "INDEX_DIR": str(folder), "ADMIN_TOKEN": TOKEN})
    return app.test_client()


def get(client, q: str = QUERY, **params) -> dict:
    response = client.get("/api/search", query_string={"q": q, "per_page": 20, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def story_hit(body: dict) -> dict:
    (hit,) = [h for h in body["results"] if h["id"].startswith("wire")]
    return hit


def test_a_story_from_three_outlets_is_shown_once_with_its_copies(client):
    body = get(client)
    hit = story_hit(body)
    copies = {(d["id"], d["source"], d["date"]) for d in hit["duplicates"]}
    others = {
        (a.id, a.source, a.date.isoformat() if a.date else None)
        for a in ARTICLES[:4]
        if a.id != hit["id"]
    }
    assert copies == others
    assert WIRE.date is not None  # dated copies and an undated one
    assert body["total"] == 3  # the story and the two other seeds
    assert sum(body["facets"]["source"].values()) == 6  # facets count every article


def test_collapse_false_shows_every_copy(client):
    body = get(client, collapse="false")
    assert sorted(h["id"] for h in body["results"] if h["id"].startswith("wire")) == [
        "wire-a",
        "wire-a-again",
        "wire-b",
        "wire-c",
    ]
    assert body["total"] == 6
    assert all(h["duplicates"] == [] for h in body["results"])


def test_pages_rank_distinct_stories(client):
    pages = [get(client, per_page=1, page=n) for n in (1, 2, 3, 4)]
    shown = [h["id"] for body in pages for h in body["results"]]
    assert len(shown) == 3 and {"other-000", "other-002"} < set(shown)  # and one wire copy
    assert {body["total"] for body in pages} == {3}


def test_a_filter_chooses_among_the_copies(client):
    hit = story_hit(get(client, source="صحيفة الغرب"))
    assert hit["id"] == "wire-c"  # the copy the filter allows stands for the story
    assert {d["source"] for d in hit["duplicates"]} == {"وكالة الأنباء", "صحيفة الشرق"}
    assert story_hit(get(client, source_not=["وكالة الأنباء", "صحيفة الشرق"]))["id"] == "wire-c"


def test_the_page_says_where_else_it_was_published(client):
    root = parse(client.get("/", query_string={"q": QUERY}))
    (also,) = root.find_all("p", cls="also")
    assert re.sub(r"\s+", " ", also.text).strip().startswith("نُشر أيضاً في")
    links = {a.text.strip(): a.attrs["href"] for a in also.find_all("a")}
    assert set(links) >= {"صحيفة الشرق", "صحيفة الغرب"} - {story_source(root)}
    for href in links.values():
        assert href.startswith("/articles/wire")
    assert len(also.find_all("a")) == len(links)  # each outlet once
    assert story_source(root) not in links  # never the outlet of the copy shown
    every = parse(client.get("/", query_string={"q": QUERY, "collapse": "false"}))
    assert not every.find_all("p", cls="also")
    box = every.find("input", name="collapse")
    assert (box.attrs["value"], "checked" in box.attrs) == ("false", True)


def story_source(root) -> str:
    for hit in root.find_all("li", cls="hit"):
        if hit.find_all("p", cls="also"):
            return hit.find("span", cls="source").text.strip()
    return ""


def test_a_new_copy_joins_and_deleting_the_shown_copy_promotes_another(client):
    new = {"title": WIRE.title, "body": WIRE.body, "source": "إذاعة المدينة"}
    assert client.put("/api/documents/wire-d", json=new, headers=AUTH).status_code == 201
    hit = story_hit(get(client))
    assert len(hit["duplicates"]) == 4 and get(client)["total"] == 3
    shown = hit["id"]
    assert client.delete(f"/api/documents/{shown}", headers=AUTH).status_code == 200
    promoted = story_hit(get(client))
    assert promoted["id"] != shown
    assert shown not in {d["id"] for d in promoted["duplicates"]}
    assert len(promoted["duplicates"]) == 3


def test_a_copy_rewritten_as_another_story_leaves_it(client):
    other = SEED["004"]
    changed = {"title": other.title, "body": other.body, "source": "صحيفة الشرق"}
    assert client.put("/api/documents/wire-b", json=changed, headers=AUTH).status_code == 200
    hit = story_hit(get(client, "بلينكن سيول"))
    assert "wire-b" not in {d["id"] for d in hit["duplicates"]}


def test_the_detector_alone_on_the_fingerprints(articles_folder):
    with open_reader(articles_folder) as reader:
        found = stories.stories_of(reader)
        number = {reader.stored(n)["id"]: n for n in range(reader.size)}
        story = found.story
    assert len({story[number[i]] for i in ("wire-a", "wire-b", "wire-c", "wire-a-again")}) == 1
    assert story[number["other-000"]] != story[number["wire-a"]]
    assert story[number["other-000"]] != story[number["other-002"]]


def test_a_batch_is_fingerprinted_as_each_article_alone():
    from search.analysis.fingerprint import MIN_WORDS, signature, signatures

    bodies = [a.body for a in ARTICLES]
    texts = [
        *bodies,
        "",
        "قال",
        "كلمة " * (MIN_WORDS - 1),  # one word short of a fingerprint
        "كلمة " * MIN_WORDS,
        "\u064e" + "قالَ ـــ أحمد ١٢ " * 20,  # a text that starts with a haraka
        WIRE.body,
    ]
    together = signatures(texts)
    alone = [signature(text) for text in texts]
    assert [row.tolist() for row in together] == [row.tolist() for row in alone]
    short, enough = together[len(bodies) + 2], together[len(bodies) + 3]
    assert not short.any() and enough.all()
    # a shingle never spans two texts: the same text after a short one keeps its signature
    assert signatures(["كلمة " * 3, WIRE.body])[1].tolist() == signature(WIRE.body).tolist()


def test_the_compiled_minimums_are_numpys():
    """`_minhash.lowest_hashes` (built at install) gives numpy's minimums to the bit, for
    any shingles and groups, so a fingerprint means the same however it was computed."""
    import numpy as np

    from search.analysis import fingerprint

    assert fingerprint.lowest_hashes is not None
    rng = np.random.default_rng(7)
    for groups in (1, 3, 40):
        sizes = rng.integers(1, 300, groups)
        shingles = rng.integers(0, 2**64, int(sizes.sum()), dtype=np.uint64)
        firsts = np.cumsum(sizes) - sizes
        expected = fingerprint._lowest_hashes(shingles, firsts, fingerprint._A, fingerprint._B)
        found = fingerprint.lowest_hashes(shingles, firsts, fingerprint._A, fingerprint._B)
        assert found.dtype == expected.dtype and (found == expected).all()
    texts = [a.body for a in ARTICLES] + [WIRE.body]
    compiled = fingerprint.signatures(texts)
    fingerprint.lowest_hashes, saved = None, fingerprint.lowest_hashes
    try:
        assert (fingerprint.signatures(texts) == compiled).all()
    finally:
        fingerprint.lowest_hashes = saved
    assert compiled.all()


def test_the_cli_lists_the_copies_or_every_copy(articles_folder):
    from click.testing import CliRunner

    from search.cli import main

    def run(*options: str) -> str:
        result = CliRunner().invoke(
            main,
            ["query", QUERY, "--index", str(articles_folder), *options],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output

    collapsed = run()
    assert collapsed.startswith("3 results") and collapsed.count("also in: ") == 1
    assert "صحيفة الشرق (wire-b)" in collapsed or "wire-b" in collapsed.split("also in")[0]
    every = run("--all-copies")
    assert every.startswith("6 results") and "also in" not in every


def test_the_library_collapses_as_the_api_does(index):
    assert index.search(QUERY)["total"] == 3
    assert index.search(QUERY, collapse=False)["total"] == 6
