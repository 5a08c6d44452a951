"""Client mistakes that fuzzing (scripts/fuzz) and its follow-up probes answered with a 500.

Each must be a Kazoo 4xx (or a normal answer). CI runs this file on SQLite and PostgreSQL;
several cases (NUL bytes, over-long values) only ever failed on PostgreSQL.
"""

import base64
import json

import pytest


def token_of(value) -> str:
    """A start_key token as our pagination mints them: URL-safe base64 of JSON, no padding."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def send_raw(api, method: str, path: str, body: bytes, content_type="application/json"):
    return api.client.generic(
        method, path, body, content_type=content_type, HTTP_X_AUTH_TOKEN=api.token
    )


def assert_kazoo_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["status"] == "error" and body["error"] == str(status)
    return body


def list_paths(world) -> list[str]:
    account = world.id("R")
    return [
        f"/v2/accounts/{account}/users",
        f"/v2/accounts/{account}/children",
        f"/v2/accounts/{account}/descendants",
        f"/v2/accounts/{account}/notifications/smtplog",
    ]


def test_huge_page_size_is_a_normal_page(world):
    """An integer beyond the database's LIMIT range overflowed it."""
    api = world.api("R_admin")
    for path in list_paths(world):
        response = api.get(f"{path}?page_size=83342427085046757788193187168256")
        assert response.status_code == 200, (path, response.content)
        assert "next_start_key" not in response.json()


@pytest.mark.parametrize("value", [None, [], [None], [True], [{"a": 1}], [[1]], ["\x00"]])
def test_start_key_tokens_that_hold_no_key_are_raw_keys(world, value):
    """A token decoding to JSON null compared a column with NULL (ValueError), [] indexed
    an empty list, NUL reached PostgreSQL: such tokens are raw keys, as Kazoo treats them."""
    api = world.api("R_admin")
    for path in list_paths(world):
        response = api.get(f"{path}?start_key={token_of(value)}")
        assert response.status_code in (200, 400), (path, response.content)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # RecursionError in the JSON decoder
        b'{"data": {"name": ' + b"1" * 5000 + b"}}",  # int longer than Python converts
    ],
    ids=["deeply-nested", "huge-integer"],
)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_json_python_cannot_hold_is_a_parse_error(world, body, content_type):
    api = world.api("R_admin")
    response = send_raw(api, "PUT", f"/v2/accounts/{world.id('R')}", body, content_type)
    data = assert_kazoo_error(response, 400)["data"]
    assert data["json"]["invalid"]["target"] == "body"


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_strings_no_database_can_store_are_refused(world, escape):
    """NUL broke PostgreSQL; a lone surrogate broke every database and the JSON answer."""
    api = world.api("R_admin")
    account = world.id("R")
    documents = [
        ("PUT", f"/v2/accounts/{account}", {"name": f"a{escape}b"}),
        ("PUT", f"/v2/accounts/{account}/users", {"first_name": escape, "last_name": "x"}),
        (
            "POST",
            f"/v2/accounts/{account}/notifications/voicemail_to_email/send",
            {"macros": {f"key{escape}": "value"}},
        ),
        ("PUT", "/v2/user_auth", {"credentials": "x", "account_name": escape}),
    ]
    for method, path, data in documents:
        body = json.dumps({"data": data}).replace("\\\\u", "\\u").encode()
        response = send_raw(api, method, path, body)
        assert_kazoo_error(response, 400)


def test_nul_in_a_form_body_or_a_template_upload_is_refused(world):
    api = world.api("R_admin")
    account = world.id("R")
    form = send_raw(
        api, "PUT", f"/v2/accounts/{account}", b"name=a%00b", "application/x-www-form-urlencoded"
    )
    assert_kazoo_error(form, 400)
    path = f"/v2/accounts/{account}/notifications/voicemail_to_email"
    upload = send_raw(api, "POST", path, b"Hello \x00 {{user.first_name}}", "text/plain")
    assert_kazoo_error(upload, 400)


def test_nul_in_the_url_is_a_kazoo_error(world):
    api = world.api("R_admin")
    account = world.id("R")
    for path in (
        f"/v2/accounts/{account}/users/%00",
        f"/v2/accounts/{account}/notifications/a%00b",
        f"/v2/accounts/{account}/notifications/customer_update/message/%00",
        "/v2/notifications/%00",
    ):
        assert_kazoo_error(api.get(path), 404)
    body = assert_kazoo_error(api.get(f"{list_paths(world)[0]}?template_id=%00"), 400)
    assert "template_id" in body["data"]


def test_user_email_longer_than_its_column_is_a_validation_error(world):
    """Django accepts addresses up to 320 characters; the column holds 254 (PostgreSQL 500)."""
    email = "x" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"
    user = {"first_name": "Long", "last_name": "Mail", "email": email}
    response = world.api("R_admin").put(f"/v2/accounts/{world.id('R')}/users", {"data": user})
    assert "maxLength" in assert_kazoo_error(response, 400)["data"]["email"]


def test_a_negotiated_raw_body_never_empties_an_envelope_answer(world):
    """``?format=txt`` (or Accept: text/plain) on a POST chose the raw-body renderer, which
    sent the JSON answer as an empty 200 without a JSON content type."""
    api = world.api("R_admin")
    path = f"/v2/accounts/{world.id('R')}/notifications/voicemail_to_email"
    for query, headers in (("?format=txt", {}), ("", {"Accept": "text/html"})):
        upload = api.client.generic(
            "POST",
            path + query,
            b"Hello {{user.first_name}}",
            content_type="text/plain",
            HTTP_X_AUTH_TOKEN=api.token,
            headers=headers,
        )
        assert upload.status_code == 200
        assert upload["Content-Type"].startswith("application/json")
        assert upload.json()["data"]["id"] == "voicemail_to_email"
    raw = api.get(path + "?format=txt")
    assert raw["Content-Type"].startswith("text/plain") and raw.content.startswith(b"Hello")


def test_very_long_from_domain_still_fits_the_message_id(live_world, mail_sink):
    domain = ("a" * 60 + ".") * 4 + "example"
    body = {
        "data": {
            "to": {"email_addresses": ["me@x.example"]},
            "from": f"x@{domain}",
            "subject": "Long domain",
        }
    }
    path = f"/v2/accounts/{live_world.id('C1')}/notifications/voicemail_to_email/preview"
    response = live_world.api("C1_admin").post(path, body)
    assert response.status_code == 200
