"""The Kazoo wire format: envelope, error bodies, lenient bodies, pagination."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_success_envelope_has_kazoo_keys(world):
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}")
    body = response.json()
    assert body["status"] == "success"
    assert re.fullmatch(r"[0-9a-f]{32}", body["request_id"])
    assert response["X-Request-ID"] == body["request_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["timestamp"])
    assert body["auth_token"] == world.tokens["C1_admin"]
    assert body["revision"]
    assert response["ETag"] == f'"{body["revision"]}"'


def test_request_id_is_echoed(world):
    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}", headers={"X-Request-ID": "abc-123"}
    )
    assert response.json()["request_id"] == "abc-123"
    assert response["X-Request-ID"] == "abc-123"


def test_errors_carry_request_id_header(world, anon):
    response = anon.get(f"/v2/accounts/{world.id('C1')}", headers={"X-Request-ID": "req-9"})
    assert response["X-Request-ID"] == "req-9"
    assert response.json()["request_id"] == "req-9"


def test_malformed_json_is_400_json_invalid(world):
    response = world.api("C1_admin").put(f"/v2/accounts/{world.id('C1')}", '{"data": {')
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "validation error"
    assert body["data"]["json"]["invalid"]["target"] == "body"
    assert "around" in body["data"]["json"]["invalid"]["message"]


def test_envelope_without_data_is_400(world):
    response = world.api("C1_admin").put(f"/v2/accounts/{world.id('C1')}", {"name": "x"})
    assert response.status_code == 400
    assert "required" in response.json()["data"]["data"]


def test_data_that_is_not_an_object_is_400_type(world):
    response = world.api("C1_admin").put(f"/v2/accounts/{world.id('C1')}", {"data": [1]})
    assert response.status_code == 400
    assert "type" in response.json()["data"]["data"]


def test_form_urlencoded_json_envelope_is_accepted(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}",
        '{"data": {"name": "Curl Made"}}',
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Curl Made"


def test_text_plain_json_envelope_is_accepted(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}", '{"data": {"name": "Plain"}}', content_type="text/plain"
    )
    assert response.status_code == 201


def test_unsupported_content_type_is_415_with_envelope(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}", "<a/>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert response.json()["error"] == "415"


def test_body_over_8mb_is_413(world):
    big = '{"data": {"name": "' + "x" * 8_000_001 + '"}}'
    response = world.api("C1_admin").put(f"/v2/accounts/{world.id('C1')}", big)
    assert response.status_code == 413
    assert response.json()["data"]["file"]["maxSize"]["target"] == 8_000_000


def test_method_not_allowed_is_405_invalid_method(world):
    response = world.api("C1_admin").delete(f"/v2/accounts/{world.id('C1')}/children")
    assert response.status_code == 405
    body = response.json()
    assert body["message"] == "invalid_method"
    assert body["data"] == {"message": "method not allowed"}


def test_unknown_path_is_404_not_found_envelope(world):
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/nothing/here")
    assert response.status_code == 404
    assert response.json()["message"] == "not_found"


def test_accept_that_cannot_be_met_is_406_with_envelope(world):
    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}", headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert response.json()["error"] == "406"


def test_pagination_walks_all_children_with_start_keys(world):
    api = world.api("R_admin")
    for n in range(5):
        api.put(f"/v2/accounts/{world.id('C2')}", {"data": {"name": f"page-{n}"}})
    path = f"/v2/accounts/{world.id('C2')}/children?page_size=2"
    seen, start, pages = [], None, 0
    while True:
        body = api.get(path + (f"&start_key={start}" if start else "")).json()
        pages += 1
        seen += [c["id"] for c in body["data"]]
        assert body["page_size"] == len(body["data"])
        start = body.get("next_start_key")
        if not start:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5


def test_paginate_false_returns_everything_without_page_keys(world):
    body = (
        world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/descendants?paginate=false").json()
    )
    assert len(body["data"]) == 3
    assert "page_size" not in body and "next_start_key" not in body


@pytest.mark.parametrize("size", ["abc", "0"])
def test_invalid_page_size_is_rejected(world, size):
    response = world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/children?page_size={size}")
    assert response.status_code == 404
    assert response.json()["message"] == "faulty_request"


def test_parsers_refuse_to_read_more_than_8mb():
    import io

    from config.errors import KazooError
    from config.parsers import KazooJSONParser

    with pytest.raises(KazooError) as error:
        KazooJSONParser().parse(io.BytesIO(b"x" * 8_000_001))
    assert error.value.status_code == 413
