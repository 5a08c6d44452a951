"""Twilio vendor configuration: schema, readiness, metadata."""

import jsonschema
import pytest

from gateways.twilio import config_schema, fully_configured, metadata

SID = "AC" + "0" * 32
SERVICE = "MG" + "1" * 32


def test_config_schema_is_a_valid_draft_04_schema():
    jsonschema.Draft4Validator.check_schema(config_schema)
    assert config_schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def test_auth_token_is_the_only_secret_field():
    secret = [name for name, prop in config_schema["properties"].items() if prop.get("x-secret")]
    assert secret == ["auth_token"]


def test_base_url_defaults_to_twilio_api():
    assert config_schema["properties"]["base_url"]["default"] == "https://api.twilio.com"


def test_schema_accepts_a_complete_config():
    config = {
        "account_sid": SID,
        "auth_token": "t",
        "messaging_service_sid": SERVICE,
        "from": "+15005550006",
        "base_url": "http://127.0.0.1:8499",
    }
    jsonschema.Draft4Validator(config_schema).validate(config)


@pytest.mark.parametrize(
    "config",
    [
        {"account_sid": "not-a-sid"},
        {"messaging_service_sid": "AB123"},
        {"base_url": "ftp://example.com"},
        {"unknown": 1},
    ],
)
def test_schema_rejects_malformed_fields(config):
    assert not jsonschema.Draft4Validator(config_schema).is_valid(config)


@pytest.mark.parametrize(
    ("config", "ready"),
    [
        ({"account_sid": SID, "auth_token": "t", "from": "+15005550006"}, True),
        ({"account_sid": SID, "auth_token": "t", "messaging_service_sid": SERVICE}, True),
        ({"account_sid": SID, "auth_token": "t"}, False),
        ({"account_sid": SID, "from": "+15005550006"}, False),
        ({"auth_token": "t", "from": "+15005550006"}, False),
        ({"account_sid": SID, "auth_token": "", "from": "+15005550006"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_fully_configured_needs_sid_token_and_a_sender(config, ready):
    assert fully_configured(config) is ready


def test_metadata_describes_an_sms_vendor_with_account_config():
    meta = metadata()
    assert meta["name"] == "twilio"
    assert meta["channels"] == ["sms"]
    assert meta["supports_account_config"] is True
    for feature in ("outgoing", "ingoing", "delivery_reports", "check_connection"):
        assert feature in meta["features"]
