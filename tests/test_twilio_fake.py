"""The Twilio library against the local fake Twilio API, over real HTTP on 127.0.0.1."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from deliveries.transports import DeliveryError
from gateways.twilio import (
    build_check_request,
    build_send_request,
    interpret_check_response,
    interpret_send_response,
    parse_webhook,
    validate_signature,
)
from gateways.twilio.fake import CallbackSink, FakeTwilio

TO = "+15551234567"


@pytest.fixture
def twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def sink():
    with CallbackSink() as receiver:
        yield receiver


def perform(request: tuple) -> tuple[int, dict[str, str], bytes]:
    """What gateways/http.py will do for the vendor: one request, answer as data."""
    method, url, headers, body = request
    outgoing = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def send(config: dict, message: dict, callback: str | None = None):
    return interpret_send_response(*perform(build_send_request(config, message, callback)))


def test_send_returns_the_fake_message_sid(twilio):
    result = send(twilio.config(), {"to": TO, "text": "hi"})
    assert result.provider_message_id.startswith("SM")
    assert len(result.provider_message_id) == 34
    assert (result.status, result.receipt) == ("sent", "HTTP 201")
    assert result.provider_message_id in twilio.messages


def test_fake_records_the_form_it_received(twilio):
    send(twilio.config(), {"to": TO, "text": "hello there"}, "http://127.0.0.1:9/hook")
    [request] = twilio.requests
    assert request.authorized
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.form == {
        "To": [TO],
        "From": ["+15005550006"],
        "Body": ["hello there"],
        "StatusCallback": ["http://127.0.0.1:9/hook"],
    }


def test_fake_answers_a_twilio_shaped_message(twilio):
    status, headers, body = perform(
        build_send_request(twilio.config(), {"to": TO, "text": "x"}, None)
    )
    message = json.loads(body)
    assert status == 201
    assert headers["Content-Type"] == "application/json"
    assert message["status"] == "queued"
    assert message["account_sid"] == twilio.account_sid
    assert (message["to"], message["from"], message["body"]) == (TO, "+15005550006", "x")


def test_messaging_service_send_is_accepted(twilio):
    config = twilio.config(messaging_service_sid="MG" + "e" * 32)
    sid = send(config, {"to": TO, "text": "x"}).provider_message_id
    assert twilio.messages[sid]["status"] == "accepted"


def test_wrong_token_is_a_permanent_401_with_twilio_code(twilio):
    with pytest.raises(DeliveryError) as caught:
        send(twilio.config(auth_token="wrong"), {"to": TO, "text": "x"})
    assert (caught.value.http_status, caught.value.code, caught.value.permanent) == (
        401,
        "20003",
        True,
    )
    assert twilio.messages == {}


def test_invalid_to_number_is_permanent_21211(twilio):
    with pytest.raises(DeliveryError) as caught:
        send(twilio.config(), {"to": "12345", "text": "x"})
    assert (caught.value.code, caught.value.permanent) == ("21211", True)


def test_scripted_rejection_maps_to_its_code(twilio):
    twilio.reject(TO, 21610, message="Attempt to send to unsubscribed recipient")
    with pytest.raises(DeliveryError) as caught:
        send(twilio.config(), {"to": TO, "text": "x"})
    assert (caught.value.code, caught.value.permanent) == ("21610", True)
    assert "Attempt to send to unsubscribed recipient" in str(caught.value)


def test_rate_limit_is_transient_with_retry_after_then_succeeds(twilio):
    twilio.reject(TO, 20429, http_status=429, message="Too Many Requests", retry_after="3", times=1)
    with pytest.raises(DeliveryError) as caught:
        send(twilio.config(), {"to": TO, "text": "x"})
    assert (caught.value.permanent, caught.value.retry_after, caught.value.code) == (
        False,
        3.0,
        "20429",
    )
    assert send(twilio.config(), {"to": TO, "text": "x"}).provider_message_id


def test_server_error_is_transient(twilio):
    twilio.reject(TO, 20500, http_status=500)
    with pytest.raises(DeliveryError) as caught:
        send(twilio.config(), {"to": TO, "text": "x"})
    assert not caught.value.permanent


def test_check_connection_ok(twilio):
    assert interpret_check_response(*perform(build_check_request(twilio.config()))) == (
        True,
        None,
        200,
    )


def test_check_connection_with_wrong_token_reports_401(twilio):
    answer = perform(build_check_request(twilio.config(auth_token="nope")))
    ok, error, status = interpret_check_response(*answer)
    assert (ok, status) == (False, 401)
    assert "Authenticate" in error
    assert answer[1]["WWW-Authenticate"].startswith("Basic")


def test_check_connection_for_another_account_reports_401(twilio):
    other = twilio.config(account_sid="AC" + "f" * 32)
    ok, _, status = interpret_check_response(*perform(build_check_request(other)))
    assert (ok, status) == (False, 401)


def test_status_callbacks_are_sent_then_delivered_and_signed(twilio, sink):
    url = sink.url("/v2/webhooks/g/token")
    sid = send(twilio.config(), {"to": TO, "text": "x"}, url).provider_message_id
    received = sink.wait(2)
    assert [parse_webhook(r.form)[0]["status"] for r in received] == ["sent", "delivered"]
    assert {parse_webhook(r.form)[0]["id"] for r in received} == {sid}
    for request in received:
        header = request.headers["X-Twilio-Signature"]
        assert validate_signature(url, request.form, header, twilio.auth_token)


def test_callback_signature_fails_with_another_token(twilio, sink):
    url = sink.url("/hook")
    send(twilio.config(), {"to": TO, "text": "x"}, url)
    request = sink.wait(1)[0]
    assert not validate_signature(url, request.form, request.headers["X-Twilio-Signature"], "x")


def test_undeliverable_number_calls_back_failed_with_error_code(twilio, sink):
    twilio.undeliver(TO, error_code="30005")
    send(twilio.config(), {"to": TO, "text": "x"}, sink.url("/hook"))
    events = [parse_webhook(r.form)[0] for r in sink.wait(2)]
    assert [e["status"] for e in events] == ["sent", "failed"]
    assert (events[1]["error_code"], events[1]["error"]) == (
        "30005",
        "Unknown destination handset",
    )


def test_fake_records_the_receiver_answer(twilio, sink):
    send(twilio.config(), {"to": TO, "text": "x"}, sink.url("/hook"))
    assert [c.status for c in twilio.wait_for_callbacks(2)] == [200, 200]


def test_no_callbacks_without_status_callback(twilio):
    send(twilio.config(), {"to": TO, "text": "x"}, None)
    assert twilio.wait_for_callbacks(1, timeout=0.3) == []


def test_inbound_message_is_signed_and_parsed(twilio, sink):
    url = sink.url("/v2/webhooks/g/token?x=1")
    status, _ = twilio.send_inbound(
        url, from_=TO, to="+15005550006", body="STOP", media_urls=("https://m.test/p.png",)
    )
    [request] = sink.wait(1)
    assert status == 200
    assert validate_signature(
        url, request.form, request.headers["X-Twilio-Signature"], twilio.auth_token
    )
    [event] = parse_webhook(request.form)
    assert (event["type"], event["from"], event["text"], event["media_url"]) == (
        "message",
        TO,
        "STOP",
        "https://m.test/p.png",
    )


def test_fake_runs_standalone_as_a_module():
    command = [sys.executable, "-m", "gateways.twilio.fake", "--port", "0", "--auth-token", "tok"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or lines[-1].strip() != "}":
            lines.append(process.stdout.readline())
        config = json.loads("".join(lines))
        assert config["auth_token"] == "tok"
        assert interpret_check_response(*perform(build_check_request(config)))[0] is True
    finally:
        process.terminate()
        process.wait(timeout=5)
