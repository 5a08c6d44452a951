"""Vendor ``webhook``: a generic JSON POST, like Apprise's ``json://`` (§6).

``config = {url, token?}``. It POSTs ``{"id", "channel", "to", "from", "text", "subject",
"media_url", "template_id", "account_id"}`` with ``Authorization: Bearer <token>`` when a
token is set. A 2xx answer may carry ``{"id", "status"}``: the provider id and ``sent`` or
``delivered``. Its inbound webhook takes native events, one object or an array.
"""

from __future__ import annotations

from typing import Any

from gateways import http
from gateways.kinds.base import ALL_FEATURES, OutboundMessage
from gateways.vendors.base import Vendor

_STATUS_FIELDS = ("id", "status", "error_code", "error")
_MESSAGE_FIELDS = ("id", "from", "to", "text", "media_url")


def native_events(body: Any) -> list[dict]:
    """Native events from a webhook body; anything unrecognised is dropped."""
    items = body if isinstance(body, list) else [body]
    events = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "status" and item.get("id") and item.get("status"):
            events.append({"type": "status", **{k: item.get(k) for k in _STATUS_FIELDS}})
        elif kind == "message" and item.get("from"):
            events.append({"type": "message", **{k: item.get(k) for k in _MESSAGE_FIELDS}})
    return events


class WebhookVendor(Vendor):
    name = "webhook"
    channels = ["*"]
    features = ALL_FEATURES
    config_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "url": {"type": "string", "format": "http-url", "maxLength": 2048},
            "token": {"type": "string", "maxLength": 4096, "x-secret": True},
        },
    }

    def send(self, message: OutboundMessage, config: dict) -> tuple[str | None, str]:
        body = {
            "id": message.delivery_id,
            "channel": message.channel,
            "to": message.to,
            "from": message.sender,
            "text": message.text,
            "subject": message.subject,
            "media_url": message.media_url,
            "template_id": message.template_id,
            "account_id": message.account_id,
        }
        answer = http.request(
            "POST",
            config["url"],
            self.http_options(message.delivery_id),
            json_body=body,
            bearer=config.get("token"),
        )
        reply = answer.json()
        if not isinstance(reply, dict):
            return None, "sent"
        provider_id = reply.get("id")
        status = "delivered" if reply.get("status") == "delivered" else "sent"
        return (str(provider_id) if provider_id not in (None, "") else None), status

    def check_connection(self, config: dict) -> tuple[bool, str | None]:
        """POST ``{"check_connection": true}``: the endpoint must answer 2xx.

        A failure raises ``DeliveryError`` so its HTTP status reaches the caller.
        """
        http.request(
            "POST",
            config["url"],
            self.http_options(),
            json_body={"check_connection": True},
            bearer=config.get("token"),
        )
        return True, None

    def parse_webhook(self, body: Any, headers: dict, config: dict) -> list[dict]:
        return native_events(body)
