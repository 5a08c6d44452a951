"""Delivery receipts: the state machine of SPEC-channels §8.

A receipt is a native status event ``{"type": "status", "id", "status", "error_code",
"error"}`` (``failure`` may qualify a ``failed``) posted by a gateway's provider. It is
matched to the row that recorded that provider id **on that gateway** — whichever account
the row belongs to (descendants using an inherited gateway included), never a row of
another gateway, so a receipt at one tenant's webhook URL cannot touch another tree's rows
even with the same provider id.

Every receipt is appended to the row's ``events``; then:

* ``delivered`` → ``delivered`` from any status but ``delivered`` (so a later delivered
  beats an earlier receipt failure, politics-rewired #336);
* ``failed`` / ``temporary-failure`` → ``failed`` only from ``sending``/``sent``;
* ``sent`` → only from ``queued``/``sending``;
* anything else is recorded ``applied: false``: ``duplicate`` when it repeats the row's
  status, ``ignored`` when it would move the row backwards or off a final state.

Concurrency: the row is locked (``select_for_update``) while the receipt is decided and
written, and the worker records its own outcome with ``WHERE status = 'sending'``, so a
receipt racing the worker never moves a row backwards and is never lost.

Orphans: a receipt whose id no row has recorded yet may simply have overtaken our record
of the send answer. It is kept as a :class:`~deliveries.models.PendingReceipt` for
``CHANNELS_ORPHAN_RECEIPT_TTL`` seconds and applied, in arrival order, as soon as a row
on the gateway records the id (:func:`recorded`, the outbox's hook). Both sides write
first and look second, so whichever comes last sees the other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils.timezone import now

from deliveries.models import PendingReceipt
from deliveries.transports import SendResult
from smtplog.models import Failure, SmtpLog, Status

logger = logging.getLogger(__name__)

APPLIED, DUPLICATE, IGNORED, PENDING = "applied", "duplicate", "ignored", "pending"
TEMPORARY_FAILURE = "temporary-failure"
RECEIPT_STATUSES = {Status.SENT, Status.DELIVERED, Status.FAILED, TEMPORARY_FAILURE}
# The statuses each receipt may move a row from (§8); everything else is not applied.
MOVES_FROM = {
    Status.DELIVERED: {s for s in Status.values if s != Status.DELIVERED},
    Status.FAILED: {Status.SENDING, Status.SENT},
    Status.SENT: {Status.QUEUED, Status.SENDING},
}

# Sent after the outbox recorded a provider id for a gateway row (``row``,
# ``provider_message_id``): the ``fake`` vendor's follow-up receipts and replies hang here.
provider_id_recorded = Signal()


@dataclass(frozen=True)
class Outcome:
    result: str  # applied | duplicate | ignored | pending
    delivery_id: str | None = None


def is_receipt(event: object) -> bool:
    """Whether ``event`` is a status event this machine understands."""
    return (
        isinstance(event, dict)
        and event.get("type") == "status"
        and isinstance(event.get("id"), (str, int))
        and str(event.get("id")) != ""
        and event.get("status") in RECEIPT_STATUSES
    )


def target_status(receipt_status: str) -> str:
    return Status.FAILED if receipt_status == TEMPORARY_FAILURE else receipt_status


def decide(current: str, target: str) -> str:
    """``applied``, ``duplicate`` or ``ignored`` for a receipt moving ``current`` → ``target``."""
    if current in MOVES_FROM[target]:
        return APPLIED
    return DUPLICATE if current == target else IGNORED


# --------------------------------------------------------------------------- applying


def apply(gateway_id: str, event: dict) -> Outcome:
    """Apply one receipt received on ``gateway_id``; keep it pending if no row has its id."""
    provider_id = str(event["id"])
    outcome = _apply_to_row(gateway_id, provider_id, event)
    if outcome is not None:
        return outcome
    held = PendingReceipt.objects.create(
        gateway_id=gateway_id, provider_message_id=provider_id, payload=event
    )
    # The row may have recorded the id since we looked: settle it now, not at the next send.
    for pending_id, drained in drain(gateway_id, provider_id):
        if pending_id == held.pk:
            return drained
    return Outcome(PENDING)


def _apply_to_row(
    gateway_id: str, provider_id: str, event: dict, held_since: datetime | None = None
) -> Outcome | None:
    """Decide and write one receipt under the row's lock; None if no row has the id."""
    target = target_status(event["status"])
    with transaction.atomic():
        row = (
            SmtpLog.objects.select_for_update()
            .filter(gateway_id=gateway_id, provider_message_id=provider_id)
            .only("id", "status", "events", "sent_at", "finished_at")
            .order_by("created", "id")
            .first()
        )
        if row is None:
            return None
        result = decide(row.status, target)
        fields = _transition(row, target, event) if result == APPLIED else {}
        entry = _history_entry(row.status, event, result, held_since)
        SmtpLog.objects.filter(pk=row.pk).update(events=[*(row.events or []), entry], **fields)
    return Outcome(result, row.pk)


def _transition(row: SmtpLog, target: str, event: dict) -> dict:
    """The columns an applied receipt sets."""
    moment = now()
    if target == Status.DELIVERED:
        return {
            "status": Status.DELIVERED,
            "delivered_at": moment,
            "finished_at": row.finished_at or moment,
            "failure": "",
            "error_code": "",
            "error": "",
        }
    if target == Status.FAILED:
        # ``temporary-failure`` as the status, or as ``failure`` beside ``failed`` (Ringotel)
        temporary = TEMPORARY_FAILURE in (event["status"], event.get("failure"))
        return {
            "status": Status.FAILED,
            "failure": Failure.TEMPORARY if temporary else Failure.PERMANENT,
            "error_code": _text(event.get("error_code"), 64),
            "error": _text(event.get("error"), 2000) or f"receipt: {event['status']}",
            "finished_at": moment,
        }
    return {"status": Status.SENT, "sent_at": row.sent_at or moment}


def _history_entry(current: str, event: dict, result: str, held_since: datetime | None) -> dict:
    """The row's ``events`` entry for one receipt, applied or not."""
    if result == APPLIED:
        error = " ".join(
            _text(event.get(key), 2000) for key in ("error_code", "error") if event.get(key)
        )
        detail = error or "receipt applied"
    else:
        detail = f"{result}: row is {current}"
    if held_since is not None:
        detail += f" (held pending since {held_since.isoformat()})"
    return {
        "at": now().isoformat(),
        "source": "webhook",
        "status": event["status"],
        "applied": result == APPLIED,
        "detail": detail,
    }


def _text(value: object, limit: int) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)[:limit]


# ----------------------------------------------------------------------------- orphans


def _cutoff() -> datetime:
    return now() - timedelta(seconds=settings.CHANNELS_ORPHAN_RECEIPT_TTL)


def drain(gateway_id: str, provider_id: str) -> list[tuple[str, Outcome]]:
    """Apply the unexpired receipts held for this id, oldest first, once a row has it.

    The held receipts are locked and deleted in the transaction that applies them, so two
    callers (the worker's hook and a receipt's re-check) never apply one twice.
    """
    held = PendingReceipt.objects.filter(gateway_id=gateway_id, provider_message_id=provider_id)
    if not held.exists():  # the common case: one indexed look-up, no transaction
        return []
    with transaction.atomic():
        unexpired = held.filter(received_at__gte=_cutoff()).order_by("received_at", "id")
        waiting = list(unexpired.select_for_update())
        if not waiting:
            return []
        row = SmtpLog.objects.filter(gateway_id=gateway_id, provider_message_id=provider_id)
        if not row.exists():
            return []
        PendingReceipt.objects.filter(pk__in=[receipt.pk for receipt in waiting]).delete()
        outcomes = []
        for receipt in waiting:
            outcome = _apply_to_row(gateway_id, provider_id, receipt.payload, receipt.received_at)
            outcomes.append((receipt.pk, outcome or Outcome(PENDING)))
        return outcomes


def recorded(row: SmtpLog, result: SendResult) -> None:
    """Outbox hook, right after a successful send was recorded for ``row``.

    Applies receipts that overtook the send's answer, then announces the provider id
    (:data:`provider_id_recorded`). Never raises: the send itself is already recorded, and
    a receipt left pending is retried by :func:`purge_expired`.
    """
    provider_id = result.provider_message_id
    if not getattr(row, "gateway_id", None) or not provider_id:
        return
    try:
        drain(row.gateway_id, provider_id)
        provider_id_recorded.send(SmtpLog, row=row, provider_message_id=provider_id)
    except Exception:
        logger.exception("applying receipts after a send failed", extra={"log_id": row.pk})


def purge_expired() -> int:
    """Periodic: settle held receipts whose row has appeared, drop the expired ones."""
    for gateway_id, provider_id in _settleable():
        drain(gateway_id, provider_id)
    deleted, _ = PendingReceipt.objects.filter(received_at__lt=_cutoff()).delete()
    return deleted


def _settleable(limit: int = 1000) -> list[tuple[str, str]]:
    """(gateway, provider id) pairs held here that a row has recorded meanwhile."""
    pairs = (
        PendingReceipt.objects.filter(received_at__gte=_cutoff())
        .values_list("gateway_id", "provider_message_id")
        .distinct()[:limit]
    )
    return [
        (gateway_id, provider_id)
        for gateway_id, provider_id in pairs
        if SmtpLog.objects.filter(gateway_id=gateway_id, provider_message_id=provider_id).exists()
    ]
