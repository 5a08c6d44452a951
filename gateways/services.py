"""Gateway operations as plain functions: create, update, delete, check, rotate.

Views call these; so can the shell, tasks and tests. Each runs in a transaction.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from config.errors import ValidationFailed
from deliveries import gateway_rows
from deliveries.rows import queue_rows
from gateways import documents, secrets
from gateways.documents import Prepared
from gateways.kinds import get_kind
from gateways.kinds.base import CheckResult, GatewayConfig
from gateways.models import Gateway, GatewayEvent, new_hook_token
from gateways.ringotel.oauth import TOKENS
from gateways.vendors import get_vendor
from notifications.addresses import InvalidAddress, validate_address
from notifications.channel_rows import new_channel_row

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
    was_paused, was_enabled = gateway.paused, gateway.enabled
    prepared = documents.prepare(data, gateway)
    _apply(gateway, prepared)
    gateway.save()
    _clear_other_defaults(gateway)
    _apply_state_change(gateway, was_paused=was_paused, was_enabled=was_enabled)
    TOKENS.forget_gateway(gateway.id)  # OAuth2 tokens of the old settings
    logger.info("gateway updated", extra={"gateway_id": gateway.id})
    return gateway


@transaction.atomic
def delete(gateway: Gateway) -> None:
    """Soft delete: the row stays so webhooks to it can answer 404 and logs keep its id.

    Its queued rows fail at once with ``gateway deleted`` (SPEC-channels §2).
    """
    gateway.deleted_at = timezone.now()
    gateway.is_default = False
    gateway.save(update_fields=["deleted_at", "is_default"])
    gateway_rows.fail_queued(gateway.id, "gateway deleted")
    TOKENS.forget_gateway(gateway.id)
    logger.info("gateway deleted", extra={"gateway_id": gateway.id})


def _apply_state_change(gateway: Gateway, *, was_paused: bool, was_enabled: bool) -> None:
    """What ``enabled``/``paused`` changes do to the gateway's queued rows (§2).

    Disabling wins over unpausing: a gateway switched off fails its rows, held or not.
    """
    if was_enabled and not gateway.enabled:
        failed = gateway_rows.fail_queued(gateway.id, "gateway disabled")
        logger.info("gateway disabled", extra={"gateway_id": gateway.id, "failed": failed})
    elif gateway.paused and not was_paused:
        gateway_rows.hold(gateway.id)
    elif was_paused and not gateway.paused:
        released = gateway_rows.release(gateway.id)
        logger.info("gateway unpaused", extra={"gateway_id": gateway.id, "rows": len(released)})


def holds(gateway_id: str | None, force: bool = False) -> bool:
    """Whether a row through ``gateway_id`` waits now: the gateway is paused, no ``force``."""
    if not gateway_id or force:
        return False
    return Gateway.objects.filter(pk=gateway_id, paused=True).exists()


TEST_TEMPLATE_ID = "gateway_test"


def _to_problem(channel: str, to: object) -> dict | None:
    """Kazoo's ``{rule: detail}`` for a bad ``to`` on ``channel``, or None."""
    if to is None:
        return {"required": {"message": "Field is required but missing", "value": "to"}}
    try:
        validate_address(channel, to)
    except InvalidAddress as problem:
        return {"wrong_format": {"message": str(problem), "value": to, "channel": channel}}
    return None


def _text_problem(text: object) -> dict | None:
    """Kazoo's ``{rule: detail}`` for a bad ``text`` (1..``SMS_MAX_LENGTH`` characters)."""
    limit = settings.SMS_MAX_LENGTH
    if text is None:
        return {"required": {"message": "Field is required but missing", "value": "text"}}
    if not isinstance(text, str):
        message = "Value did not match type(s): string"
        return {"type": {"message": message, "target": "string", "value": text}}
    if not text:
        return {"minLength": {"message": "String must be at least 1 characters", "target": 1}}
    if len(text) > limit:
        message = f"String must not be more than {limit} characters"
        return {"maxLength": {"message": message, "target": limit}}
    return None


def _test_input(gateway: Gateway, data: dict) -> tuple[str, str]:
    """``(to, text)`` of a test request, checked like a send to the gateway's channel."""
    to, text = data.get("to"), data.get("text")
    problems = {"to": _to_problem(gateway.channel, to), "text": _text_problem(text)}
    errors = {path: problem for path, problem in problems.items() if problem}
    if errors:
        raise ValidationFailed(errors)
    return validate_address(gateway.channel, to), text


def send_test(gateway: Gateway, account: Account, data: dict) -> str:
    """One delivery of ``data.text`` to ``data.to`` through ``gateway``; the row's id.

    ``account`` owns the row (the gateway's owner, or the superduper's account for a system
    gateway). It is an ordinary row (template ``gateway_test``): held while the gateway is
    paused, retried and logged like any other.
    """
    to, text = _test_input(gateway, data)
    text_type = "text/plain" if gateway.channel == "email" else "text/x-sms"
    extra = {}
    if gateway.channel == "email":
        extra = {"emails": {"to": [to]}, "rendered_templates": {"text/plain": text}}
    row = new_channel_row(
        account,
        TEST_TEMPLATE_ID,
        channel=gateway.channel,
        to=to,
        subject="Gateway test",
        body={text_type: text},
        macros={},
        gateway=gateway,
        **extra,
    )
    queue_rows([row])
    logger.info("gateway test queued", extra={"gateway_id": gateway.id, "log_id": row.pk})
    return row.pk


def error_description(gateway_id: str | None, code: str) -> dict | None:
    """``{code, description, link}`` for a provider error code, from the gateway's vendor.

    Only vendor plug-ins describe their codes (§6); other kinds, unknown codes, or a
    gateway that no longer exists give None.
    """
    if not gateway_id or not code:
        return None
    gateway = Gateway.objects.filter(pk=gateway_id).only("kind", "settings").first()
    if gateway is None or gateway.kind != "vendor":
        return None
    vendor = get_vendor(str((gateway.settings or {}).get("vendor", "")))
    return vendor.error_description(code) if vendor else None


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
