"""GET /api/documents?after=&limit= (issue 18): every document, a page at a time, in a stable
order that writes between pages neither repeat nor skip."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from search.web import create_app

TOKEN = "paging-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def pages(client, limit: int) -> list[list[str]]:
    """Every page's ids, following `next` to the end."""
    found, after = [], None
    while True:
        query = {"limit": limit} | ({"after": after} if after else {})
        response = client.get("/api/documents", query_string=query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        found.append([doc["id"] for doc in body["documents"]])
        after = body["next"]
        if after is None:
            return found
        assert len(found) < 100


def test_pages_hold_every_document_once_in_id_order(client):
    got = pages(client, 2)
    assert [len(page) for page in got] == [2, 2, 1]
    ids = [doc_id for page in got for doc_id in page]
    assert ids == sorted(ids, key=lambda i: i.encode()) and len(ids) == 5
    assert pages(client, 100) == [ids]  # one page holds them all; no `next`


def test_a_page_holds_the_stored_documents(client):
    body = client.get("/api/documents", query_string={"limit": 1}).get_json()
    (first,) = body["documents"]
    assert client.get("/api/documents/" + quote(first["id"], safe="")).get_json() == first
    assert isinstance(body["next"], str) and body["next"].isascii()


def test_writes_between_pages_neither_repeat_nor_skip(writable_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(writable_index), "ADMIN_TOKEN": TOKEN})
    client = app.test_client()
    before = [doc_id for page in pages(client, 100) for doc_id in page]
    first = client.get("/api/documents", query_string={"limit": 2}).get_json()
    seen = [doc["id"] for doc in first["documents"]]
    # A new id before the cursor, one after it (each its own segment), and a deletion after it.
    assert client.put("/api/documents/000", json={"body": "قبل"}, headers=AUTH).status_code == 201
    assert client.put("/api/documents/zzz", json={"body": "بعد"}, headers=AUTH).status_code == 201
    gone = before[3]
    assert client.delete("/api/documents/" + quote(gone, safe=""), headers=AUTH).status_code == 200
    rest, after = [], first["next"]
    while after:
        body = client.get("/api/documents", query_string={"after": after, "limit": 2}).get_json()
        rest += [doc["id"] for doc in body["documents"]]
        after = body["next"]
    assert seen + rest == [i for i in before if i != gone] + ["zzz"]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ({"after": "a"}, "after"),  # no cursor has this length
        ({"after": "!!!!"}, "after"),
        ({"after": "MDAy="}, "after"),  # padded: not as given
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "٣"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_a_bad_cursor_or_limit_is_a_400(client, query, parameter):
    response = client.get("/api/documents", query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter"
    assert error["message"].startswith(parameter + ":")


def test_an_unknown_parameter_is_named(client):
    response = client.get("/api/documents", query_string={"offset": "5", "limit": "2"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["parameters"]) == ("unknown_parameter", ["offset"])
    assert "offset" in error["message"] and "after, limit" in error["message"]


def test_a_cursor_past_every_id_is_an_empty_last_page(client):
    body = client.get("/api/documents", query_string={"after": "_____w"}).get_json()
    assert body == {"documents": [], "next": None}
