"""Polling ``module`` gateways for inbound messages (SPEC-channels §13.1, ``ingoing``).

BILLmanager modules cannot receive webhooks: the service runs ``--command ingoing`` every
``CHANNELS_MODULE_POLL_INTERVAL`` seconds for each enabled module gateway with that
feature and hands each message to :func:`gateways.inbound.receive_message`.

Scheduling: the embedded sweeper runs :func:`poll_module_gateways` (registered in
``GatewaysConfig.ready``); with Celery, beat runs ``gateways.tasks.poll_modules`` (entry
``poll-module-gateways`` in ``CELERY_BEAT_SCHEDULE`` when ``CHANNELS_MODULE_DIR`` is set);
``manage.py poll_modules`` runs one round by hand or from cron.

Several processes may poll (every embedded web process has a sweeper): a gateway is
claimed by recording a ``poll`` event under a row lock, and skipped while its last poll
is younger than half the interval, so one round per interval polls it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gateways import documents, inbound, modules, services
from gateways.kinds import get_kind
from gateways.kinds.module import ModuleKind, module_dir
from gateways.models import Gateway, GatewayEvent

logger = logging.getLogger(__name__)
POLL_EVENT = "poll"


@dataclass
class PollReport:
    gateways: int = 0
    messages: int = 0
    failures: int = 0


def poll_module_gateways() -> PollReport:
    """One polling round over every enabled module gateway with ``ingoing``."""
    report = PollReport()
    if module_dir() is None:
        return report
    candidates = Gateway.objects.alive().filter(kind="module", enabled=True).order_by("pk")
    for gateway_id in candidates.values_list("pk", flat=True):
        gateway = _claim(gateway_id)
        if gateway is None:
            continue
        report.gateways += 1
        try:
            report.messages += poll_gateway(gateway)
        except modules.ModuleError as exc:
            report.failures += 1
            services.record_event(gateway, POLL_EVENT, "failed", detail={"error": str(exc)})
            logger.warning("module poll failed", extra={"gateway_id": gateway.id})
    return report


def poll_gateway(gateway: Gateway) -> int:
    """Run ``ingoing`` once for ``gateway``; the number of messages handed on."""
    kind = get_kind(gateway.kind)
    assert isinstance(kind, ModuleKind)
    received = kind.ingoing(documents.config_of(gateway))
    events = [_event(message) for message in received]
    if events:
        inbound.apply_events(gateway, events)
    return len(events)


def _event(message: modules.InboundMessage) -> dict:
    """An inbound message in the native event shape (§6); unknown sender stays None."""
    return {
        "type": "message",
        "id": message.provider_message_id,
        "from": message.from_,
        "to": message.to,
        "text": message.text,
        "media_url": None,
    }


def _claim(gateway_id: int | str) -> Gateway | None:
    """Lock the gateway, skip it when polled recently or without ``ingoing``, mark it."""
    recent = timezone.now() - timedelta(seconds=settings.CHANNELS_MODULE_POLL_INTERVAL / 2)
    with transaction.atomic():
        gateway = (
            Gateway.objects.select_for_update(skip_locked=True)
            .filter(pk=gateway_id, deleted_at__isnull=True, enabled=True)
            .first()
        )
        if gateway is None or "ingoing" not in documents.features(gateway):
            return None
        polled = GatewayEvent.objects.filter(gateway=gateway, model=POLL_EVENT, at__gte=recent)
        if polled.exists():
            return None
        services.record_event(gateway, POLL_EVENT, "started")
    return gateway
