"""The OpenAPI document describes every endpoint the URL resolver serves, and is valid.

The routes are read from Django's resolver, not listed by hand, so a new view that nobody
annotated (or that drf-spectacular silently skipped) fails here.
"""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema

# Not part of the documented API: the document and its UI, and the deliberate 404s.
UNDOCUMENTED = {
    "/v2/openapi.json",
    "/v2/docs",
    "/v2/notifications/smtplog",
    "/v2/notifications/smtplog/{rest}",
}
METHODS = ("get", "put", "post", "patch", "delete")
PLAIN_TEXT_ERRORS = "/v2/freeside/"  # errors are one line of text/plain there (Freeside)
COMMON_ERRORS = {"400", "401", "403", "404", "405", "406", "413", "415", "429"}


def _routes(patterns, prefix: str = "") -> Iterator[tuple[str, type]]:
    """(Django route, view class) for every class-based view under ``patterns``."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "view_class"):
            yield route, entry.callback.view_class


def _openapi_path(route: str) -> str:
    """``v2/accounts/<str:account_id>`` → ``/v2/accounts/{account_id}``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def served_operations() -> set[tuple[str, str]]:
    """Every (path, method) a /v2/ view implements (DRF's automatic OPTIONS aside)."""
    operations = set()
    for route, view in _routes(get_resolver().url_patterns):
        path = _openapi_path(route)
        if not path.startswith("/v2/") or path in UNDOCUMENTED:
            continue
        operations |= {(path, method) for method in METHODS if hasattr(view, method)}
    return operations


@pytest.fixture(scope="module")
def document() -> dict:
    response = Client().get("/v2/openapi.json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def test_the_resolver_serves_the_api():
    operations = served_operations()
    assert ("/v2/accounts/{account_id}/notifications/{notification_id}/send", "post") in operations
    assert len(operations) > 30


def test_every_served_operation_is_documented(document):
    missing = served_operations() - documented_operations(document)
    assert not missing, f"endpoints missing from /v2/openapi.json: {sorted(missing)}"


def test_nothing_is_documented_that_is_not_served(document):
    extra = documented_operations(document) - served_operations()
    assert not extra, f"documented but not served: {sorted(extra)}"


def test_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    validate_schema(document)  # raises on any violation of the OpenAPI 3 JSON schema


def test_document_is_public_and_not_an_envelope():
    response = Client().get("/v2/openapi.json", HTTP_X_AUTH_TOKEN="no-such-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "status" not in body and "openapi" in body


def test_every_operation_documents_the_kazoo_errors(document):
    error_ref = "#/components/schemas/KazooError"
    assert document["components"]["schemas"]["KazooError"]["properties"]["status"]["enum"] == [
        "error"
    ]
    for path, method in documented_operations(document):
        if path.startswith(PLAIN_TEXT_ERRORS):
            continue  # Freeside's routes: see the next test
        responses = document["paths"][path][method]["responses"]
        assert set(responses) >= COMMON_ERRORS, (path, method)
        for code in COMMON_ERRORS:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": error_ref}, (path, method, code)
        assert "text/html" in responses["414"]["content"]  # gunicorn's, not an envelope


def test_freeside_routes_document_bare_json_and_text_errors(document):
    paths = [
        path for path, _ in documented_operations(document) if path.startswith("/v2/freeside/")
    ]
    assert sorted(paths) == [
        "/v2/freeside/{account_id}/prepare",
        "/v2/freeside/{account_id}/prepare/{template_id}",
        "/v2/freeside/{account_id}/send",
    ]
    for path in paths:
        responses = document["paths"][path]["post"]["responses"]
        assert "data" not in responses["200"]["content"]["application/json"]["schema"]["properties"]
        for code in (*COMMON_ERRORS, "409", "410"):
            assert set(responses[code]["content"]) == {"text/plain"}, (path, code)


def test_extensions_and_raw_bodies_are_described(document):
    paths = document["paths"]
    one = paths["/v2/accounts/{account_id}/notifications/{notification_id}"]
    assert {"application/json", "text/html", "text/plain"} <= set(
        one["get"]["responses"]["200"]["content"]
    )
    assert {"application/json", "text/html", "text/plain"} <= set(
        one["post"]["requestBody"]["content"]
    )
    assert {"text/html", "text/plain"} <= set(one["delete"]["requestBody"]["content"])
    send = paths["/v2/accounts/{account_id}/notifications/{notification_id}/send"]["post"]
    assert {"200", "202"} <= set(send["responses"])
    preview = paths["/v2/accounts/{account_id}/notifications/{notification_id}/preview"]["post"]
    assert "send" in {p["name"] for p in preview["parameters"]}
    smtplog = paths["/v2/accounts/{account_id}/notifications/smtplog"]["get"]
    names = {p["name"] for p in smtplog["parameters"]}
    assert {"created_from", "template_id", "status", "to", "include_descendants"} <= names
    assert "409" in paths["/v2/accounts/{account_id}/notifications"]["put"]["responses"]
    assert paths["/v2/accounts/{account_id}/notifications/customer_update/message/{broadcast_id}"]


def test_token_authentication_is_an_api_key_header(document):
    scheme = document["components"]["securitySchemes"]["XAuthToken"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    assert "security" not in document["paths"]["/v2/api_auth"]["put"]
    assert document["paths"]["/v2/accounts/{account_id}"]["get"]["security"] == [{"XAuthToken": []}]


def test_docs_render_swagger_ui():
    response = Client().get("/v2/docs", HTTP_X_AUTH_TOKEN="no-such-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page.lower() and "/v2/openapi.json" in page
