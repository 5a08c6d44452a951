"""What the ``fake`` vendor's provider "posts" after a send: receipts and replies (§6).

The fake has no network, so its follow-ups (:func:`gateways.vendors.fake.followups`: a
``delivered`` receipt, a ``failed`` one for ``undelivered``, an ``autorespond`` reply) go
straight into :func:`gateways.inbound.apply_events` — the path a real provider's webhook
takes — once the outbox has recorded the provider id (the
:data:`deliveries.receipts.provider_id_recorded` hook). With
``FAKE_VENDOR_DELIVERY_DELAY`` > 0 they are scheduled on the background runner; inline
mode (tests, one-off commands) has no timers, so they are applied at once there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config import background
from gateways import inbound
from gateways.models import Gateway
from gateways.transport import message_from
from gateways.vendors import fake


def on_provider_id_recorded(sender: Any, row: Any, provider_message_id: str, **kwargs) -> None:
    """Signal receiver: follow a ``fake`` gateway's send with what its provider would post."""
    gateway = Gateway.objects.filter(pk=row.gateway_id, kind="vendor").first()
    if gateway is None or gateway.settings.get("vendor") != fake.FakeVendor.name:
        return
    events = [
        {key: value for key, value in event.items() if key != "delay"}
        for event in fake.followups(message_from(row, gateway.sender), provider_message_id)
    ]
    delay = settings.FAKE_VENDOR_DELIVERY_DELAY
    if delay and background.mode() != "inline":
        from gateways.tasks import apply_followups

        background.run(apply_followups, gateway.pk, events, countdown=delay)
    else:
        inbound.apply_events(gateway, events)


def apply_later(gateway_id: str, events: list[dict]) -> None:
    """The delayed half: apply ``events`` unless the gateway is gone meanwhile."""
    gateway = Gateway.objects.alive().filter(pk=gateway_id).first()
    if gateway is not None:
        inbound.apply_events(gateway, events)
