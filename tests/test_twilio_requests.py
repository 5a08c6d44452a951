"""Twilio requests built as data, and every answer mapped to the §8 outcome table."""

import base64
import json
from email.utils import formatdate
from time import time
from urllib.parse import parse_qs

import pytest

from deliveries.transports import DeliveryError, SendResult
from gateways.twilio import (
    build_check_request,
    build_send_request,
    interpret_check_response,
    interpret_send_response,
)

SID = "AC" + "a" * 32
CONFIG = {"account_sid": SID, "auth_token": "secret", "from": "+15005550006"}
MESSAGE = {"to": "+15551234567", "from": "+15559990000", "text": "Hello ünïcode"}
HOOK = "https://notify.example.com/v2/webhooks/abc/token"


def form_of(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("ascii"), keep_blank_values=True)


def twilio_error(code: int, status: int) -> bytes:
    return json.dumps(
        {"code": code, "message": "Nope", "more_info": "https://…", "status": status}
    ).encode()


def test_send_posts_to_the_account_messages_resource():
    method, url, _, _ = build_send_request(CONFIG, MESSAGE, HOOK)
    assert method == "POST"
    assert url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"


def test_send_uses_the_configured_base_url_without_double_slash():
    config = {**CONFIG, "base_url": "http://127.0.0.1:8499/"}
    _, url, _, _ = build_send_request(config, MESSAGE, HOOK)
    assert url == f"http://127.0.0.1:8499/2010-04-01/Accounts/{SID}/Messages.json"


def test_send_authenticates_with_sid_and_token():
    _, _, headers, _ = build_send_request(CONFIG, MESSAGE, HOOK)
    expected = base64.b64encode(f"{SID}:secret".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"


def test_send_body_is_form_encoded():
    _, _, headers, body = build_send_request(CONFIG, MESSAGE, HOOK)
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(body) == {
        "To": ["+15551234567"],
        "From": ["+15005550006"],
        "Body": ["Hello ünïcode"],
        "StatusCallback": [HOOK],
    }


def test_messaging_service_replaces_from():
    config = {**CONFIG, "messaging_service_sid": "MG" + "b" * 32}
    form = form_of(build_send_request(config, MESSAGE, HOOK)[3])
    assert form["MessagingServiceSid"] == ["MG" + "b" * 32]
    assert "From" not in form


def test_message_from_is_used_when_config_has_none():
    config = {"account_sid": SID, "auth_token": "secret"}
    form = form_of(build_send_request(config, MESSAGE, HOOK)[3])
    assert form["From"] == ["+15559990000"]


def test_each_media_url_is_sent():
    message = {**MESSAGE, "media_url": ["https://x.test/a.png", "https://x.test/b.png"]}
    form = form_of(build_send_request(CONFIG, message, HOOK)[3])
    assert form["MediaUrl"] == ["https://x.test/a.png", "https://x.test/b.png"]


def test_single_media_url_string_is_sent():
    message = {**MESSAGE, "media_url": "https://x.test/a.png"}
    assert form_of(build_send_request(CONFIG, message, HOOK)[3])["MediaUrl"] == [
        "https://x.test/a.png"
    ]


def test_no_media_and_no_callback_send_neither_field():
    form = form_of(build_send_request(CONFIG, {**MESSAGE, "media_url": None}, None)[3])
    assert "MediaUrl" not in form
    assert "StatusCallback" not in form


def test_check_gets_the_account_resource():
    method, url, headers, body = build_check_request(CONFIG)
    assert (method, url, body) == (
        "GET",
        f"https://api.twilio.com/2010-04-01/Accounts/{SID}.json",
        b"",
    )
    assert headers["Authorization"].startswith("Basic ")


# -- send outcomes --------------------------------------------------------------------


def test_created_message_gives_its_sid_as_provider_id():
    body = json.dumps({"sid": "SM" + "c" * 32, "status": "queued"}).encode()
    result = interpret_send_response(201, {}, body)
    assert result == SendResult("SM" + "c" * 32, "sent", "HTTP 201", "twilio status queued")


def test_2xx_without_sid_is_sent_without_provider_id():
    result = interpret_send_response(200, {}, b'{"status":"queued"}')
    assert (result.provider_message_id, result.status, result.detail) == (
        None,
        "sent",
        "no provider message id",
    )


def test_2xx_unparseable_body_is_sent_without_provider_id():
    result = interpret_send_response(201, {}, b"<html>ok</html>")
    assert result.provider_message_id is None
    assert result.status == "sent"


def test_2xx_reporting_failed_status_is_a_permanent_error_with_its_code():
    body = json.dumps({"sid": "SM1", "status": "failed", "error_code": 30007}).encode()
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(201, {}, body)
    assert caught.value.permanent
    assert caught.value.code == "30007"


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),
        (400, 21408, True),
        (400, 21610, True),
        (400, 21614, True),
        (401, 20003, True),
        (403, 20003, True),
        (404, 20404, True),
        (429, 20429, False),
        (500, 20500, False),
        (502, 20500, False),
        (503, 20503, False),
        (504, 20504, False),
    ],
)
def test_error_mapping_table(status, code, permanent):
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(status, {}, twilio_error(code, status))
    error = caught.value
    assert (error.permanent, error.code, error.http_status) == (permanent, str(code), status)


def test_error_text_is_status_and_collapsed_body():
    body = b'{"code": 21211,\n   "message": "The \'To\' number is not valid."}'
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(400, {}, body)
    assert (
        str(caught.value)
        == 'HTTP 400: {"code": 21211, "message": "The \'To\' number is not valid."}'
    )


def test_error_text_is_capped_at_2000_characters():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(400, {}, b"x" * 5000)
    assert str(caught.value) == "HTTP 400: " + "x" * 2000


def test_unparseable_error_body_keeps_status_rules_without_code():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(502, {}, b"<html>Bad Gateway</html>")
    assert (caught.value.permanent, caught.value.code) == (False, None)
    assert str(caught.value) == "HTTP 502: <html>Bad Gateway</html>"


def test_empty_error_body_gives_bare_status():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(503, {}, b"")
    assert str(caught.value) == "HTTP 503"


def test_retry_after_seconds_is_honoured():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(429, {"retry-after": "17"}, twilio_error(20429, 429))
    assert caught.value.retry_after == 17.0


def test_retry_after_http_date_is_honoured():
    later = formatdate(time() + 120, usegmt=True)
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(503, [("Retry-After", later)], b"")
    assert 100 <= caught.value.retry_after <= 121


def test_unreadable_retry_after_is_ignored():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(429, {"Retry-After": "soon"}, b"")
    assert caught.value.retry_after is None


def test_gateway_retry_on_replaces_twilio_rule():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(500, {}, b"", retry_on=[502, 503])
    assert caught.value.permanent
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(408, {}, b"", retry_on=[408])
    assert not caught.value.permanent


def test_redirect_is_permanent():
    with pytest.raises(DeliveryError) as caught:
        interpret_send_response(302, {"Location": "https://elsewhere"}, b"")
    assert caught.value.permanent


# -- check outcomes -------------------------------------------------------------------


def test_check_ok_for_an_active_account():
    body = json.dumps({"sid": SID, "status": "active"}).encode()
    assert interpret_check_response(200, {}, body) == (True, None, 200)


def test_check_fails_for_a_suspended_account():
    body = json.dumps({"sid": SID, "status": "suspended"}).encode()
    assert interpret_check_response(200, {}, body) == (False, "account suspended", 200)


def test_check_fails_with_http_error_text():
    ok, error, status = interpret_check_response(401, {}, twilio_error(20003, 401))
    assert (ok, status) == (False, 401)
    assert error.startswith('HTTP 401: {"code": 20003')


def test_check_fails_for_an_unreadable_2xx():
    assert interpret_check_response(200, {}, b"<html>") == (
        False,
        "account answer not understood",
        200,
    )
