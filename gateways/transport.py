"""``GatewayTransport``: the outbox's transport for rows that carry a ``gateway_id``.

Registered under the name ``"gateway"`` (wired in by the outbox's registry). It reads the
row through ``getattr`` with defaults, so it works with whatever row class the outbox has:
``id, account_id, channel, to, body ({"text/x-sms", "text/plain", "text/html"}), subject,
template_id, attempts, macros, media_url, msgtype, prepared_document``.

Freeside's two stages: when a kind's result or error carries ``prepared_document``
(bytes), the transport sets it on the row object (``delivery.prepared_document``) before
returning or re-raising, so the outbox can persist it even when the send stage failed; a
row that already has one skips the prepare stage on its retry.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from django.utils import timezone

from deliveries.transports import DeliveryError, SendResult
from gateways import documents
from gateways.kinds import get_kind
from gateways.kinds.base import GatewayConfig, OutboundMessage
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
        media_url=getattr(delivery, "media_url", "") or body.get("media_url") or "",
        template_id=getattr(delivery, "template_id", "") or "",
        attempt=max(1, int(getattr(delivery, "attempts", 1) or 1)),
        macros=getattr(delivery, "macros", None) or {},
        msgtype=getattr(delivery, "msgtype", "") or "",
        prepared_document=_as_bytes(getattr(delivery, "prepared_document", None)),
    )


def _as_bytes(value: Any) -> bytes | None:
    """The stored prepared document as bytes (the outbox may keep it as text)."""
    if value in (None, b"", ""):
        return None
    if isinstance(value, memoryview):
        return value.tobytes()
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _keep_prepared(delivery: Any, outcome: object) -> None:
    """Hand a freshly prepared document to the outbox through the row object."""
    document = getattr(outcome, "prepared_document", None)
    if document is not None:
        with contextlib.suppress(AttributeError):  # a row type refusing new attributes
            delivery.prepared_document = document


def _flag_refused_credentials(gateway: Gateway, error: DeliveryError) -> None:
    """A 401/403 at send time means the gateway's credentials are wrong: say so on the
    gateway (``last_error``, SPEC-channels §8) so its owner sees it without reading rows."""
    if error.http_status in (401, 403):
        last_error = {"at": timezone.now().isoformat(), "error": str(error)}
        Gateway.objects.filter(pk=gateway.pk).update(last_error=last_error)


class GatewayTransport:
    """Sends rows through their gateway's kind.

    A transport instance lives as long as its worker and keeps each gateway it loaded for
    ``CACHE_SECONDS`` (decrypting secrets once, not per row): a gateway disabled, deleted or
    edited is honoured by the rows sent after that, at most that much later.
    """

    name = "gateway"
    CACHE_SECONDS = 1.0

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Gateway | None, GatewayConfig | None]] = {}

    def send(self, delivery: Any) -> SendResult:
        gateway, config = self._load(str(getattr(delivery, "gateway_id", None) or ""))
        if gateway is None or config is None or gateway.deleted_at is not None:
            raise DeliveryError("gateway deleted", permanent=True)
        if not gateway.enabled:
            raise DeliveryError("gateway disabled", permanent=True)
        kind = get_kind(gateway.kind)
        if not kind.fully_configured(config.settings):
            raise DeliveryError("gateway not fully configured", permanent=True)
        try:
            if getattr(delivery, "emails", None) and hasattr(kind, "send_email_row"):
                result = kind.send_email_row(delivery, config)  # a whole mail (smtp kind)
            else:
                result = kind.send(message_from(delivery, gateway.sender), config)
        except DeliveryError as error:
            _keep_prepared(delivery, error)
            _flag_refused_credentials(gateway, error)
            raise
        _keep_prepared(delivery, result)
        return result

    def _load(self, gateway_id: str) -> tuple[Gateway | None, GatewayConfig | None]:
        now = time.monotonic()
        cached = self._cache.get(gateway_id)
        if cached is not None and now - cached[0] < self.CACHE_SECONDS:
            return cached[1], cached[2]
        gateway = next(iter(Gateway.objects.filter(pk=gateway_id).order_by()[:1]), None)
        config = documents.config_of(gateway) if gateway is not None else None
        self._cache[gateway_id] = (now, gateway, config)
        return gateway, config

    def close(self) -> None:
        """Forget cached gateways; HTTP connections live in ``gateways.http``'s pool."""
        self._cache.clear()
