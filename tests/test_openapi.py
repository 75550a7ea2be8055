"""The OpenAPI description says exactly what the service accepts (issue 14): its id pattern is
the code's rule, its bounds are the code's constants, and the write API reads a document as
the description's JSON Schema does."""

from __future__ import annotations

import re
import shutil
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.documents import FORBIDDEN_ID_CHARS, ID_RE, RESERVED_ID_END, FieldError, check_id
from search.web import create_app
from search.web.openapi import OPENAPI

TOKEN = "openapi-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ID_PIECES = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["/", ".", "..", " ", "\\", "\u200b", "\u00a0", "\ue000", "a", "/similar"]),
)


@given(st.lists(ID_PIECES, max_size=6).map("".join))
def test_the_published_id_pattern_is_the_codes_rule(text):
    try:
        check_id(text)
    except FieldError:
        accepted = False
    else:
        accepted = True
    # fullmatch: a JSON Schema pattern's $ (ECMA) ends the text; Python's re.match lets it
    # match before a final newline ("0\n")
    published = bool(ID_RE.fullmatch(text)) and not re.search(RESERVED_ID_END, text)
    assert accepted == (published and 0 < len(text) <= 200)


@pytest.mark.skipif(
    unicodedata.unidata_version != "14.0.0", reason="the list is Unicode 14's (Python 3.11)"
)
def test_the_forbidden_id_characters_are_the_listed_categories():
    forbidden = re.compile(f"[{FORBIDDEN_ID_CHARS}]")
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        listed = unicodedata.category(char) in {"Cc", "Cf", "Co", "Zl", "Zp"}
        noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
        assert bool(forbidden.match(char)) == (listed or noncharacter), hex(code)


def operation(path: str, method: str) -> dict:
    return OPENAPI["paths"][path][method]


@pytest.mark.parametrize(
    "path, method, statuses",
    [
        ("/api/search", "get", {"200", "304", "400", "414", "429", "431", "503"}),
        ("/api/suggest", "get", {"200", "400", "414", "429", "431", "503"}),
        ("/api/documents/{id}", "get", {"200", "304", "404", "414", "429", "431", "503"}),
        ("/api/documents/{id}", "put", {"200", "201", "400", "401", "403", "413", "503", "507"}),
        ("/api/documents/{id}", "delete", {"200", "400", "401", "403", "404", "503", "507"}),
        ("/api/documents", "post", {"200", "400", "401", "403", "413", "429", "503", "507"}),
        ("/healthz", "get", {"200", "503"}),
    ],
)
def test_every_status_a_client_can_get_is_described(path, method, statuses):
    assert statuses <= set(operation(path, method)["responses"])


def test_explain_and_every_search_parameter_are_described():
    parameters = operation("/api/search", "get")["parameters"]
    names = {p["name"] for p in parameters if p["in"] == "query"}
    assert names == {
        "q",
        "page",
        "per_page",
        "sort",
        "from",
        "to",
        "year",
        "source",
        "source_not",
        "tag",
        "tag_not",
        "facets",
        "facet_limit",
        "collapse",
        "explain",
    }
    assert [p["name"] for p in parameters if p["in"] == "header"] == ["If-None-Match"]


@pytest.fixture
def writer(seed_index, tmp_path):
    folder = tmp_path / "index"
    shutil.copytree(seed_index, folder)
    return create_app(
        {"TESTING": True, "INDEX_DIR": str(folder), "ADMIN_TOKEN": TOKEN}
    ).test_client()


@pytest.mark.parametrize(
    "document, status, field, words",
    [
        ({"body": "نص", "tags": "روسيا، أوكرانيا"}, 400, "tags", "must be a list of strings"),
        ({"body": "نص", "date": "2023-10-20T10:00:00"}, 400, "date", "expected YYYY-MM-DD"),
        ({"body": "نص", "date": "٢٠٢٣-١٠-٢٠"}, 400, "date", "expected YYYY-MM-DD"),
        ({"body": "نص", "date": ""}, 400, "date", "expected YYYY-MM-DD"),
        ({"body": "   "}, 400, "body", "is empty"),
        ({"body": "نص", "title": " " * 1001}, 413, "title", "at most 1000"),
        ({"body": "نص", "tags": [" " * 101]}, 413, "tags", "at most 100 each"),
    ],
)
def test_the_write_api_reads_a_document_as_its_schema(writer, document, status, field, words):
    response = writer.put("/api/documents/strict", json=document, headers=AUTH)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert (error["field"], words in error["message"]) == (field, True)


def test_null_fields_are_absent_fields(writer):
    document = {"body": "نص", "title": None, "date": None, "tags": None, "source": None}
    assert writer.put("/api/documents/nulls", json=document, headers=AUTH).status_code == 201


def test_every_operation_is_named_and_the_description_names_its_server():
    names = [op["operationId"] for path in OPENAPI["paths"].values() for op in path.values()]
    assert len(names) == len(set(names)) == 11
    assert OPENAPI["servers"] == [{"url": "/", "description": "the server answering this document"}]
    q = next(p for p in operation("/api/search", "get")["parameters"] if p["name"] == "q")
    assert q["examples"]["word"]["value"] == "بلينكن"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/search?q=x&per_pgae=5"),
        ("get", "/api/documents/x?q=x"),
        ("get", "/api/documents/x/similar?n=3"),
        ("get", "/api/documents?offset=5"),
        ("get", "/api/openapi.json?v=2"),
        ("put", "/api/documents/x?refresh=true"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(client, method, path):
    response = getattr(client, method)(path, json={"body": "نص"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    unknown = path.rsplit("&", 1)[-1].rsplit("?", 1)[-1].split("=")[0]
    assert (error["code"], error["parameters"]) == ("unknown_parameter", [unknown])
    assert unknown in error["message"] and error["docs"].endswith("#errors")
    declared = {
        status
        for status in OPENAPI["paths"][_template(path)][method]["responses"]
        if status.startswith("4")
    }
    assert "400" in declared


def _template(path: str) -> str:
    bare = path.split("?")[0]
    if bare.endswith("/similar"):
        return "/api/documents/{id}/similar"
    if bare.startswith("/api/documents/"):
        return "/api/documents/{id}"
    return bare


def test_a_write_to_the_similar_list_is_a_405_whatever_its_parameters(writer, client):
    response = writer.put("/api/documents/x/similar?limit=1", json={"body": "نص"}, headers=AUTH)
    assert response.status_code == 405
    assert client.options("/api/search?q=x&utm=1").status_code == 204


def test_routes_outside_the_api_take_any_parameter(client):
    assert client.get("/healthz?probe=1").status_code == 200
    assert client.get("/?q=x&utm_source=mail").status_code == 200
