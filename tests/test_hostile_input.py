"""Valid-looking but hostile input is a 4xx, never a 500 (issue 9, finding 6)."""

import pytest

VM = "voicemail_to_email"
NON_FINITE = ["Infinity", "-Infinity", "NaN", "1e999", "-1e999"]


def raw_json(api, method, path, text):
    return api.request(method, path, text, content_type="application/json")


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_number_in_macros_is_400(world, number):
    path = f"/v2/accounts/{world.id('C1')}/notifications/{VM}/send"
    body = '{"data": {"macros": {"user.first_name": NUMBER}}}'.replace("NUMBER", number)
    response = raw_json(world.api("C1_admin"), "POST", path, body)
    assert response.status_code == 400
    assert "json" in response.json()["data"]


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_number_in_an_extra_template_field_is_400(world, number):
    path = f"/v2/accounts/{world.id('C1')}/notifications/{VM}"
    body = '{"data": {"from": "a@example.net", "subject": "s", "to": {}, "extra": NUMBER}}'
    body = body.replace("NUMBER", number)
    assert raw_json(world.api("C1_admin"), "POST", path, body).status_code == 400


@pytest.mark.parametrize("number", NON_FINITE)
def test_non_finite_created_from_is_400(world, number):
    path = f"/v2/accounts/{world.id('C1')}/notifications/smtplog"
    body = '{"data": {"created_from": NUMBER}}'.replace("NUMBER", number)
    api = world.api("C1_admin")
    response = api.client.generic(
        "GET", path, body, content_type="application/json", HTTP_X_AUTH_TOKEN=api.token
    )
    assert response.status_code == 400


HUGE_KEYS = ["WzFlOTk5XQ", "WyJhIiwxZTk5OV0", "WzFlOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"]


@pytest.mark.parametrize("start_key", HUGE_KEYS)
def test_start_key_decoding_to_a_huge_number_is_not_a_500(world, start_key):
    for path in (
        f"/v2/accounts/{world.id('R')}/children?start_key={start_key}",
        f"/v2/accounts/{world.id('C1')}/notifications/smtplog?start_key={start_key}",
        f"/v2/accounts/{world.id('C1')}/users?start_key={start_key}",
    ):
        assert world.api("R_admin").get(path).status_code < 500


def test_start_key_of_a_huge_integer_is_not_a_500(world):
    import base64

    key = base64.urlsafe_b64encode(b"[" + b"9" * 40 + b"]").decode().rstrip("=")
    path = f"/v2/accounts/{world.id('C1')}/notifications/smtplog?start_key={key}"
    assert world.api("C1_admin").get(path).status_code < 500
