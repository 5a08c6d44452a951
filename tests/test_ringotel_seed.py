"""Seed 001's own example, verbatim in tests/data/ringotel_seed.json, works end to end."""

import json
from pathlib import Path

import pytest

from gateways.ringotel import (
    build_request,
    features,
    fully_configured,
    interpret_response,
    match,
    parse_webhook,
    validate_definition,
    webhook_models,
)

SEED = json.loads((Path(__file__).parent / "data" / "ringotel_seed.json").read_text())
DEFINITION = SEED["definition"]
BODIES = SEED["webhook_bodies"]
VARIABLES = {
    "from": "+61855555555",
    "to": "+61123456789",
    "content": "Hello there!",
    "extension": "1001",
    "domain": "acme.example.com",
    "delivery_id": "0123456789abcdef0123456789abcdef",
}


def test_seed_definition_validates():
    assert validate_definition(DEFINITION, {}) == {}


def test_seed_is_fully_configured_without_properties():
    assert fully_configured(DEFINITION, {})


def test_seed_features():
    assert features(DEFINITION) == ["outgoing", "send_file", "ingoing", "delivery_reports"]


def test_seed_send_message_request():
    request = build_request(DEFINITION, "SendMessage", VARIABLES, {})
    assert (request.method, request.url) == ("POST", "https://api.example.com/webhook")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == VARIABLES["delivery_id"]
    assert request.headers["X-Notify-Delivery-Id"] == VARIABLES["delivery_id"]
    assert "Authorization" not in request.headers
    assert json.loads(request.body) == {
        "from": "+61855555555",
        "to": "+61123456789",
        "extension": "1001",
        "domain": "acme.example.com",
        "content": "Hello there!",
    }


def test_seed_send_file_request_puts_media_url_in_content():
    variables = {**VARIABLES, "media_url": "https://your.server.com/files/8a8d89798as9ud.jpeg"}
    request = build_request(DEFINITION, "SendFile", variables, {})
    assert request.url == "https://api.example.com/webhook"
    assert json.loads(request.body) == {
        "from": "+61855555555",
        "to": "+61123456789",
        "extension": "1001",
        "domain": "acme.example.com",
        "media_url": "https://your.server.com/files/8a8d89798as9ud.jpeg",
    }


@pytest.mark.parametrize("action", ["SendMessage", "SendFile"])
def test_seed_response_map_captures_data_id(action):
    response_map = DEFINITION["API"][action]["response_map"]
    outcome = interpret_response(response_map, 200, b'{"data":{"id":"9612c4e2"}}')
    assert (outcome.status, outcome.provider_message_id) == ("sent", "9612c4e2")


def test_seed_answer_without_data_id_is_sent_without_provider_id():
    response_map = DEFINITION["API"]["SendMessage"]["response_map"]
    outcome = interpret_response(response_map, 200, b'{"ok":true}')
    assert (outcome.status, outcome.detail) == ("sent", "no provider message id")


def test_seed_message_webhook():
    found = match(webhook_models(DEFINITION), BODIES["message"])
    assert (found.event_key, found.event_type) == ("message", "message")
    assert found.event == {
        "type": "message",
        "id": None,
        "from": "+61855555555",
        "to": "+61123456789",
        "text": "Hello there!",
        "media_url": None,
    }


def test_seed_file_webhook():
    found = match(webhook_models(DEFINITION), BODIES["file"])
    assert (found.event_key, found.event_type) == ("file", "mms")
    assert found.event == {
        "type": "message",
        "id": None,
        "from": "+61855555555",
        "to": "+61123456789",
        "text": "Sending a file",
        "media_url": "https://your.server.com/files/8a8d89798as9ud.jpeg",
    }


def test_seed_delivered_webhook():
    found = match(webhook_models(DEFINITION), BODIES["delivered"])
    assert (found.event_key, found.event_type) == ("delivered", "messageDelivered")
    assert found.event == {
        "type": "status",
        "id": "9612c4e2-27f8-4463-a517-c6306ffdabff",
        "status": "delivered",
        "error_code": None,
        "error": None,
    }


def test_seed_webhook_models_do_not_cross_match():
    model_list = webhook_models(DEFINITION)
    for key, body in BODIES.items():
        assert match(model_list, body).event_key == key


def test_seed_unknown_method_is_unmatched():
    body = {"method": "typing", "params": {"from": "+1"}}
    assert match(webhook_models(DEFINITION), body) is None
    assert parse_webhook(DEFINITION, body) == []


def test_seed_webhook_as_object_keyed_by_event_key_behaves_the_same():
    keyed = {
        m["event_key"]: {k: v for k, v in m.items() if k != "event_key"}
        for m in DEFINITION["Webhook"]
    }
    definition = {**DEFINITION, "Webhook": keyed}
    assert validate_definition(definition) == {}
    for key, body in BODIES.items():
        assert match(webhook_models(definition), body).event_key == key
