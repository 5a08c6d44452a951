"""What a gateway's state change does to its queued rows (SPEC-channels §2).

* pausing holds its queued rows (``held: true``) except ``force`` ones;
* unpausing releases them all and enqueues them as one batch, in claim order (priority
  highest first, then oldest), so the worker claims them in priority order;
* disabling or deleting fails its queued rows at once (``permanent-failure``).

Rows in ``sending`` are left alone: their worker owns them and records the outcome.
Every account's rows through the gateway count, descendants using an inherited one too.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.timezone import now

from deliveries.log import event
from deliveries.queue import enqueue_on_commit
from smtplog.models import Failure, SmtpLog, Status

CLAIM_ORDER = ("-priority", "created", "id")


def _queued(gateway_id: str) -> QuerySet[SmtpLog]:
    return SmtpLog.objects.filter(gateway_id=gateway_id, status=Status.QUEUED)


def hold(gateway_id: str) -> int:
    """Hold the gateway's queued rows (not ``force`` ones); how many were held."""
    return _queued(gateway_id).filter(held=False, force=False).update(held=True)


def release(gateway_id: str) -> list[str]:
    """Release the gateway's held rows and dispatch them on commit as one ordered batch."""
    with transaction.atomic():
        rows = _queued(gateway_id).filter(held=True).select_for_update()
        ordered = list(rows.order_by(*CLAIM_ORDER).values_list("pk", "priority"))
        ids = [pk for pk, _ in ordered]
        SmtpLog.objects.filter(pk__in=ids).update(held=False, next_attempt=None)
        if ids:
            enqueue_on_commit(ids, priority=ordered[0][1])
    return ids


def fail_queued(gateway_id: str, reason: str) -> int:
    """Fail every queued row of the gateway with ``reason`` (``gateway disabled``/``deleted``).

    One conditional update per row, because each row's ``events`` grows by one entry; a row
    claimed meanwhile (no longer ``queued``) is skipped.
    """
    failed = 0
    with transaction.atomic():
        for row in _queued(gateway_id).select_for_update().only("pk", "events"):
            failed += (
                _queued(gateway_id)
                .filter(pk=row.pk)
                .update(
                    status=Status.FAILED,
                    failure=Failure.PERMANENT,
                    error=reason,
                    held=False,
                    finished_at=now(),
                    events=[*(row.events or []), event("api", Status.FAILED, reason)],
                )
            )
    return failed
