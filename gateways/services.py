"""Gateway operations as plain functions: create, update, delete, check, rotate.

Views call these; so can the shell, tasks and tests. Each runs in a transaction.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from gateways import documents, secrets
from gateways.documents import Prepared
from gateways.kinds import get_kind
from gateways.kinds.base import CheckResult, GatewayConfig
from gateways.models import Gateway, GatewayEvent, new_hook_token
from gateways.ringotel.oauth import TOKENS

logger = logging.getLogger(__name__)
EVENTS_KEPT = 100


def _apply(gateway: Gateway, prepared: Prepared) -> None:
    for column, value in prepared.fields.items():
        setattr(gateway, column, value)
    gateway.settings = prepared.plain["settings"]
    gateway.webhook_auth = prepared.plain["webhook_auth"]
    gateway.secrets = secrets.seal(prepared.secret_values)
    gateway.modified_at = timezone.now()


def _clear_other_defaults(gateway: Gateway) -> None:
    """``default: true`` clears the flag on the owner's other gateways for the channel."""
    if not gateway.is_default:
        return
    others = Gateway.objects.alive().filter(channel=gateway.channel, is_default=True)
    if gateway.account_id is None:
        others = others.filter(account__isnull=True)
    else:
        others = others.filter(account_id=gateway.account_id)
    others.exclude(pk=gateway.pk).update(is_default=False)


@transaction.atomic
def create(account: Account | None, data: dict) -> Gateway:
    prepared = documents.prepare(data)
    gateway = Gateway(account=account)
    _apply(gateway, prepared)
    gateway.save()
    _clear_other_defaults(gateway)
    logger.info("gateway created", extra={"gateway_id": gateway.id, "kind": gateway.kind})
    return gateway


@transaction.atomic
def update(gateway: Gateway, data: dict) -> Gateway:
    prepared = documents.prepare(data, gateway)
    _apply(gateway, prepared)
    gateway.save()
    _clear_other_defaults(gateway)
    TOKENS.forget_gateway(gateway.id)  # OAuth2 tokens of the old settings
    logger.info("gateway updated", extra={"gateway_id": gateway.id})
    return gateway


@transaction.atomic
def delete(gateway: Gateway) -> None:
    """Soft delete: the row stays so webhooks to it can answer 404 and logs keep its id.

    Failing its queued rows with ``gateway deleted`` belongs to the outbox (integration).
    """
    gateway.deleted_at = timezone.now()
    gateway.is_default = False
    gateway.save(update_fields=["deleted_at", "is_default"])
    TOKENS.forget_gateway(gateway.id)
    logger.info("gateway deleted", extra={"gateway_id": gateway.id})


def rotate_webhook(gateway: Gateway) -> Gateway:
    gateway.hook_token = new_hook_token()
    gateway.modified_at = timezone.now()
    gateway.save(update_fields=["hook_token", "modified_at"])
    return gateway


def check(config: GatewayConfig) -> CheckResult:
    return get_kind(config.kind).check_connection(config)


def check_saved(gateway: Gateway) -> CheckResult:
    """Check a stored gateway and record the outcome in ``last_error``."""
    result = check(documents.config_of(gateway))
    gateway.last_error = (
        None if result.ok else {"at": timezone.now().isoformat(), "error": result.error}
    )
    gateway.save(update_fields=["last_error"])
    return result


def check_unsaved(account: Account | None, data: dict) -> CheckResult:
    """Check a body without storing anything."""
    body = {"name": "check_connection", **data}
    return check(documents.unsaved_config(documents.prepare(body), account.id if account else None))


def supports_check(kind: str, settings: dict) -> bool:
    return "check_connection" in get_kind(kind).features(settings)


def record_event(
    gateway: Gateway,
    model: str,
    result: str,
    delivery_id: str | None = None,
    detail: dict | None = None,
) -> GatewayEvent:
    """Keep one inbound webhook request (the receipt machinery calls this)."""
    return GatewayEvent.objects.create(
        gateway=gateway,
        model=model,
        result=result,
        delivery_id=delivery_id or "",
        detail=detail or {},
    )


def recent_events(gateway: Gateway) -> list[dict]:
    rows = GatewayEvent.objects.filter(gateway=gateway)[:EVENTS_KEPT]
    return [
        {
            "at": row.at,
            "model": row.model,
            "result": row.result,
            "delivery_id": row.delivery_id or None,
        }
        for row in rows
    ]


def rotate_all_secrets() -> int:
    """Re-encrypt every gateway's secrets under the first key; the number of rows changed."""
    changed = 0
    for gateway in Gateway.objects.exclude(secrets="").iterator():
        rotated = secrets.rotate(gateway.secrets)
        if rotated != gateway.secrets:
            Gateway.objects.filter(pk=gateway.pk).update(secrets=rotated)
            changed += 1
    return changed
