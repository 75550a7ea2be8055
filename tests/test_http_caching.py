"""CORS for the read API, compression, ETags with 304s and Cache-Control per route (issue 18)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from urllib.parse import quote

import pytest

from search.web import create_app

from .conftest import SEEDS

SEARCH = {"q": "بلينكن"}
TOKEN = "cache-token"
ORIGIN = "https://news.example"


@pytest.fixture
def cors(seed_index):
    config = {"TESTING": True, "INDEX_DIR": str(seed_index), "CORS_ORIGINS": ORIGIN}
    return create_app(config).test_client()


def first_id(client) -> str:
    return client.get("/api/search", query_string=SEARCH).get_json()["results"][0]["id"]


# --- CORS -----------------------------------------------------------------------------------


def test_an_allowed_origin_may_read(cors):
    response = cors.get("/api/search", query_string=SEARCH, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response.headers["Vary"]
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered(cors):
    response = cors.options(
        "/api/search",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(
    "origin, method",
    [
        ("https://evil.example", "GET"),  # not listed
        (ORIGIN, "PUT"),  # a write: not for browsers on other origins
        (ORIGIN, "DELETE"),
    ],
)
def test_others_get_no_cors_header(cors, origin, method):
    preflight = cors.options(
        "/api/documents/x", headers={"Origin": origin, "Access-Control-Request-Method": method}
    )
    assert not [name for name, _ in preflight.headers if name.startswith("Access-Control")]
    read = cors.get("/api/search", query_string=SEARCH, headers={"Origin": origin})
    if origin != ORIGIN:
        assert "Access-Control-Allow-Origin" not in read.headers


def test_a_write_from_an_allowed_origin_gets_no_cors_header(seed_index, tmp_path):
    shutil.copytree(seed_index, tmp_path / "index")
    config = {"INDEX_DIR": str(tmp_path / "index"), "CORS_ORIGINS": ORIGIN, "ADMIN_TOKEN": TOKEN}
    client = create_app({"TESTING": True, **config}).test_client()
    response = client.put(
        "/api/documents/cors",
        json={"body": "نص"},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_cors_by_default(client):
    response = client.get("/api/search", query_string=SEARCH, headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" not in response.headers.get("Vary", "")


# --- Compression ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/search?q=%D8%A8%D9%84%D9%8A%D9%86%D9%83%D9%86", "/?q=x"])
def test_json_and_pages_are_gzipped_for_a_client_that_accepts_it(client, path):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) < len(plain.data)
    unpacked = gzip.decompress(packed.data)
    if path.startswith("/api/"):  # the same answer, took_ms aside
        got, sent = json.loads(unpacked), plain.get_json()
        assert got.pop("took_ms") >= 0 and sent.pop("took_ms") >= 0
        assert got == sent
    else:
        assert b"<!doctype html>" in unpacked.lower()


def test_small_answers_and_clients_without_gzip_are_sent_as_they_are(client):
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    plain = client.get("/api/search", query_string=SEARCH)
    assert "Content-Encoding" not in plain.headers
    assert plain.get_json()["results"]


# --- ETags and 304 --------------------------------------------------------------------------


def test_a_document_has_an_etag_and_answers_304(client):
    path = "/api/documents/" + quote(first_id(client), safe="")
    response = client.get(path)
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_a_compressed_document_answers_304_to_its_own_etag(client):
    path = "/api/documents/" + quote(first_id(client), safe="")
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    etag = packed.headers["ETag"]
    assert etag != client.get(path).headers["ETag"]  # each encoding its own validator
    again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_a_search_is_unchanged_until_the_index_changes(seed_index, tmp_path):
    shutil.copytree(seed_index, tmp_path / "index")
    config = {"INDEX_DIR": str(tmp_path / "index"), "ADMIN_TOKEN": TOKEN}
    client = create_app({"TESTING": True, **config}).test_client()
    first = client.get("/api/search", query_string=SEARCH)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    same = client.get("/api/search", query_string=SEARCH, headers={"If-None-Match": etag})
    assert (same.status_code, same.data, same.headers["ETag"]) == (304, b"", etag)
    other = client.get("/api/search", query_string={"q": "كوريا"}, headers={"If-None-Match": etag})
    assert other.status_code == 200
    body = {"title": "بلينكن مرة أخرى", "body": "زار بلينكن المنطقة"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.put("/api/documents/new", json=body, headers=auth).status_code == 201
    after = client.get("/api/search", query_string=SEARCH, headers={"If-None-Match": etag})
    assert after.status_code == 200  # a write changed the index: the results are sent
    assert after.get_json()["total"] == first.get_json()["total"] + 1


# --- Cache-Control --------------------------------------------------------------------------


def test_cache_control_per_route(client):
    doc = "/api/documents/" + quote(first_id(client), safe="")
    expected = {
        "/api/search?q=x": "no-cache",
        doc: "no-cache",
        doc + "/similar": "no-cache",
        "/?q=x": "no-cache",
        "/healthz": "no-store",
        "/metrics": "no-store",
        "/api/documents/nope": "no-store",  # an error
        "/api/search?page=0&q=x": "no-store",
    }
    for path, policy in expected.items():
        assert client.get(path).headers["Cache-Control"] == policy, path
    assert client.put("/api/documents/x", json={}).headers["Cache-Control"] == "no-store"


def test_static_files_are_cached_for_a_year_under_their_hash(client):
    page = client.get("/").get_data(as_text=True)
    (link,) = re.findall(r'href="(/static/style\.css\?v=[0-9a-f]+)"', page)
    with client.get(link) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.data == (SEEDS.parent / "search/web/static/style.css").read_bytes()
    with client.get("/static/style.css") as unversioned:
        assert unversioned.headers["Cache-Control"] == "public, max-age=3600"


def test_an_empty_answer_is_never_compressed(client):
    """Flask's OPTIONS answer has no body: a 204 naming the methods, for gzip clients too."""
    response = client.options(
        "/api/documents/x/similar?limit=1", headers={"Accept-Encoding": "gzip, deflate"}
    )
    assert (response.status_code, response.data) == (204, b"")
    assert "Content-Encoding" not in response.headers
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
