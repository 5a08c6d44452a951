"""Operations on delivery log rows that the API (and the shell) call: retry, and events.

A row's ``events`` is its own history (SPEC-channels §8): ``{at, source, status, applied,
detail}`` entries appended by the worker, webhooks and the API.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.timezone import now

from deliveries.queue import enqueue_on_commit
from smtplog.models import SmtpLog, Status


def event(source: str, status: str, detail: str = "", *, applied: bool = True) -> dict:
    """One entry of a row's ``events``; ``source`` is ``worker``, ``webhook`` or ``api``."""
    entry = {"at": now().isoformat(), "source": source, "status": status, "applied": applied}
    if detail:
        entry["detail"] = detail
    return entry


def retry(row_id: str, *, held: bool = False) -> bool:
    """Put a ``failed`` row back in the queue as if new; False if it is not failed (any more).

    Attempts restart at zero and the failure is cleared: a retry is a fresh delivery, its
    earlier outcome stays readable in ``events``. ``held``: the row's gateway is paused now,
    so the row waits for it like any other. Dispatched once the caller commits.
    """
    with transaction.atomic():
        row = SmtpLog.objects.select_for_update().filter(pk=row_id).first()
        if row is None or row.status != Status.FAILED:
            return False
        row.status, row.attempts, row.held = Status.QUEUED, 0, held
        row.error = row.error_code = row.failure = row.claim_token = ""
        row.next_attempt = row.finished_at = None
        row.events = [*(row.events or []), event("api", Status.QUEUED, "retry")]
        row.save(
            update_fields=[
                "status", "attempts", "held", "error", "error_code", "failure",
                "claim_token", "next_attempt", "finished_at", "events",
            ]
        )  # fmt: skip
        if not held:
            enqueue_on_commit([row.pk], row.priority)
    return True
