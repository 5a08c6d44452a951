"""Twilio webhooks parsed into §6 vendor events: every status, inbound messages."""

import pytest

from gateways.twilio import parse_webhook

SID = "SM" + "d" * 32


def callback(status: str, **extra) -> dict:
    return {"MessageSid": SID, "MessageStatus": status, "SmsStatus": status, **extra}


@pytest.mark.parametrize("status", ["queued", "accepted", "scheduled", "sending", "sent"])
def test_progress_statuses_become_sent(status):
    assert parse_webhook(callback(status)) == [
        {
            "type": "status",
            "id": SID,
            "status": "sent",
            "provider_status": status,
            "error_code": None,
            "error": None,
        }
    ]


@pytest.mark.parametrize("status", ["delivered", "read"])
def test_delivered_statuses_become_delivered(status):
    [event] = parse_webhook(callback(status))
    assert (event["status"], event["error_code"]) == ("delivered", None)


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_failure_statuses_become_failed_with_error_code(status):
    [event] = parse_webhook(callback(status, ErrorCode="30003"))
    assert event == {
        "type": "status",
        "id": SID,
        "status": "failed",
        "provider_status": status,
        "error_code": "30003",
        "error": "Unreachable destination handset",
    }


def test_failure_with_unknown_code_falls_back_to_the_twilio_status():
    [event] = parse_webhook(callback("undelivered", ErrorCode="12345"))
    assert (event["error_code"], event["error"]) == ("12345", "undelivered")


def test_failure_without_error_code_has_none():
    [event] = parse_webhook(callback("failed"))
    assert (event["error_code"], event["error"]) == (None, "failed")


def test_canceled_becomes_failed():
    assert parse_webhook(callback("canceled"))[0]["status"] == "failed"


def test_unknown_status_gives_no_event():
    assert parse_webhook(callback("teleported")) == []


def test_status_is_case_insensitive():
    assert parse_webhook(callback("Delivered"))[0]["status"] == "delivered"


def test_sms_sid_stands_in_for_message_sid():
    form = {"SmsSid": SID, "MessageStatus": "delivered"}
    assert parse_webhook(form)[0]["id"] == SID


def test_list_values_are_read_like_strings():
    form = {name: [value] for name, value in callback("delivered").items()}
    assert parse_webhook(form)[0]["status"] == "delivered"


def inbound(**extra) -> dict:
    return {
        "MessageSid": SID,
        "SmsStatus": "received",
        "From": "+15551234567",
        "To": "+15005550006",
        "Body": "STOP",
        "NumMedia": "0",
        **extra,
    }


def test_body_without_message_status_is_an_inbound_message():
    assert parse_webhook(inbound()) == [
        {
            "type": "message",
            "id": SID,
            "from": "+15551234567",
            "to": "+15005550006",
            "text": "STOP",
            "media_url": None,
        }
    ]


def test_inbound_media_url_comes_from_media_url_0():
    form = inbound(NumMedia="2", MediaUrl0="https://m.test/0.png", MediaUrl1="https://m.test/1")
    assert parse_webhook(form)[0]["media_url"] == "https://m.test/0.png"


def test_media_url_ignored_when_num_media_is_zero():
    assert parse_webhook(inbound(MediaUrl0="https://m.test/0.png"))[0]["media_url"] is None


def test_unreadable_num_media_counts_as_zero():
    form = inbound(NumMedia="many", MediaUrl0="https://m.test/0.png")
    assert parse_webhook(form)[0]["media_url"] is None


def test_empty_body_is_still_an_inbound_message():
    [event] = parse_webhook(inbound(Body="", NumMedia="1", MediaUrl0="https://m.test/0.png"))
    assert (event["type"], event["text"], event["media_url"]) == (
        "message",
        "",
        "https://m.test/0.png",
    )


def test_request_with_neither_status_nor_body_gives_no_event():
    assert parse_webhook({"MessageSid": SID}) == []
