"""Twilio vendor configuration: schema, readiness and metadata (SPEC-channels §6, §13.2)."""

from __future__ import annotations

from typing import Any

NAME = "twilio"
CHANNELS = ["sms"]
DEFAULT_BASE_URL = "https://api.twilio.com"

# Draft-04 schema for the gateway's ``settings.config``. ``x-secret`` marks the fields the
# gateways app encrypts at rest and shows as "<Encrypted>".
config_schema: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "properties": {
        "account_sid": {
            "type": "string",
            "pattern": "^AC[0-9a-fA-F]{32}$",
            "description": "Twilio Account SID (AC…)",
        },
        "auth_token": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "x-secret": True,
            "description": "Twilio Auth Token; also keys the X-Twilio-Signature of webhooks",
        },
        "messaging_service_sid": {
            "type": "string",
            "pattern": "^MG[0-9a-fA-F]{32}$",
            "description": "Messaging Service SID (MG…); used instead of From when set",
        },
        "from": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "Sender: an E.164 number, short code or alphanumeric sender id",
        },
        "base_url": {
            "type": "string",
            "pattern": "^https?://[^\\s/]+(/[^\\s]*)?$",
            "default": DEFAULT_BASE_URL,
            "description": "API root; a local fake Twilio in tests",
        },
    },
    "additionalProperties": False,
}


def fully_configured(config: dict[str, Any] | None) -> bool:
    """Ready to send: credentials plus a sender (a messaging service or a From number)."""
    config = config or {}
    has_sender = bool(config.get("messaging_service_sid") or config.get("from"))
    return bool(config.get("account_sid") and config.get("auth_token") and has_sender)


def metadata() -> dict[str, Any]:
    """What ``GET /v2/gateway_kinds`` shows for the vendor (Spoke's ``getMetadata``)."""
    return {
        "name": NAME,
        "channels": list(CHANNELS),
        "features": [
            "outgoing",
            "ingoing",
            "delivery_reports",
            "check_connection",
            "send_file",
        ],
        "supports_account_config": True,
    }


def base_url(config: dict[str, Any]) -> str:
    """The API root without a trailing slash."""
    return (config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
