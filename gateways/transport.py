"""``GatewayTransport``: the outbox's transport for rows that carry a ``gateway_id``.

Registered under the name ``"gateway"`` (wired in by the outbox's registry). It reads the
row through ``getattr`` with defaults, so it works with whatever row class the outbox has:
``id, account_id, channel, to, body ({"text/x-sms", "text/plain", "text/html"}), subject,
template_id, attempts, macros, media_url``.
"""

from __future__ import annotations

from typing import Any

from deliveries.transports import DeliveryError, SendResult
from gateways import documents
from gateways.kinds import get_kind
from gateways.kinds.base import OutboundMessage
from gateways.models import Gateway


def message_from(delivery: Any, sender: str) -> OutboundMessage:
    """The vendor message for one row: ``text/x-sms`` text, or ``text/plain`` on email."""
    body = getattr(delivery, "body", None) or {}
    channel = getattr(delivery, "channel", "") or ""
    text_type = "text/plain" if channel == "email" else "text/x-sms"
    return OutboundMessage(
        delivery_id=getattr(delivery, "id", None),
        account_id=getattr(delivery, "account_id", None),
        channel=channel,
        to=getattr(delivery, "to", "") or "",
        text=body.get(text_type) or "",
        html=body.get("text/html") or "" if channel == "email" else "",
        subject=getattr(delivery, "subject", "") or "",
        sender=sender,
        media_url=getattr(delivery, "media_url", "") or "",
        template_id=getattr(delivery, "template_id", "") or "",
        attempt=max(1, int(getattr(delivery, "attempts", 1) or 1)),
        macros=getattr(delivery, "macros", None) or {},
    )


class GatewayTransport:
    name = "gateway"

    def send(self, delivery: Any) -> SendResult:
        gateway = Gateway.objects.filter(pk=getattr(delivery, "gateway_id", None)).first()
        if gateway is None or gateway.deleted_at is not None:
            raise DeliveryError("gateway deleted", permanent=True)
        if not gateway.enabled:
            raise DeliveryError("gateway disabled", permanent=True)
        kind = get_kind(gateway.kind)
        config = documents.config_of(gateway)
        if not kind.fully_configured(config.settings):
            raise DeliveryError("gateway not fully configured", permanent=True)
        return kind.send(message_from(delivery, gateway.sender), config)

    def close(self) -> None:
        """Nothing held: HTTP connections live in ``gateways.http``'s shared pool."""
