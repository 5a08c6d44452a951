"""Vendor ``fake``: no network, any channel, scripted by keywords in the text (§6).

* ``error<N>`` → a permanent failure with ``error_code`` N (unlike Spoke's fakeservice,
  which stays sent: we want the failure path exercised);
* ``tempfail`` → a transient failure on attempt 1 only;
* ``undelivered`` → sent, then a ``failed`` receipt;
* ``autorespond`` / ``autorespondPicture`` → sent, then an inbound reply
  ``responding to <text>`` (with ``media_url: "fake://picture.png"`` for the picture);
* anything else → sent, then a ``delivered`` receipt.

The receipts and replies that "follow" are described by :func:`followups`: the receipt
machinery applies them after ``FAKE_VENDOR_DELIVERY_DELAY`` seconds once it exists.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from deliveries.transports import DeliveryError
from gateways.kinds.base import ALL_FEATURES, OutboundMessage
from gateways.vendors.base import Vendor

_ERROR = re.compile(r"error(\d+)")
UNDELIVERED_CODE = "30003"


class FakeVendor(Vendor):
    name = "fake"
    channels = ["*"]
    features = ALL_FEATURES
    config_schema = {"type": "object", "properties": {}}
    error_descriptions = {
        "30003": "Unreachable destination handset",
        "30005": "Unknown destination handset",
        "21610": "Recipient unsubscribed",
        "21614": "Not a mobile number",
    }

    def check_connection(self, config: dict) -> tuple[bool, str | None]:
        return True, None

    def send(self, message: OutboundMessage, config: dict) -> tuple[str | None, str]:
        match = _ERROR.search(message.text)
        if match:
            code = match.group(1)
            description = self.error_descriptions.get(code, "fake error")
            raise DeliveryError(f"fake error {code}: {description}", permanent=True, code=code)
        if "tempfail" in message.text and message.attempt <= 1:
            raise DeliveryError("fake temporary failure")
        return f"fake-{secrets.token_hex(16)}", "sent"

    def parse_webhook(self, body: Any, headers: dict, config: dict) -> list[dict]:
        """The fake takes native events (what :func:`followups` produces)."""
        from gateways.vendors.webhook import native_events

        return native_events(body)


def followups(message: OutboundMessage, provider_message_id: str) -> list[dict]:
    """The events the fake provider would post after a successful send, in order.

    Each is a native webhook event (see ``Vendor.parse_webhook``) plus ``delay`` (seconds,
    ``FAKE_VENDOR_DELIVERY_DELAY``). The receipt machinery applies them through the normal
    receipt path; until then this is the hook to call.
    """
    from django.conf import settings

    delay = settings.FAKE_VENDOR_DELIVERY_DELAY
    text = message.text
    if "undelivered" in text:
        status = {
            "type": "status",
            "id": provider_message_id,
            "status": "failed",
            "error_code": UNDELIVERED_CODE,
            "error": FakeVendor.error_descriptions[UNDELIVERED_CODE],
        }
    else:
        status = {"type": "status", "id": provider_message_id, "status": "delivered"}
    events = [{**status, "delay": delay}]
    if "autorespond" in text:
        reply = {
            "type": "message",
            "id": f"fake-{secrets.token_hex(16)}",
            "from": message.to,
            "to": message.sender,
            "text": f"responding to {text}",
            "media_url": "fake://picture.png" if "autorespondPicture" in text else "",
            "delay": delay,
        }
        events.append(reply)
    return events
