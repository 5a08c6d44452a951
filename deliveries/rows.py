"""Putting new rows in the outbox: saved together, dispatched once the caller commits."""

from __future__ import annotations

from django.db import transaction

from deliveries.queue import enqueue_on_commit
from smtplog.models import SmtpLog, Status


def queue_rows(rows: list[SmtpLog]) -> None:
    """Save new rows of any channel and hand the queued, unheld ones to the workers on commit.

    Rows are dispatched per priority, highest first, so a Celery worker sees the priority
    as the task priority too.
    """
    with transaction.atomic():
        if len(rows) == 1:
            rows[0].save(force_insert=True)
        elif rows:
            SmtpLog.objects.bulk_create(rows)
        for priority in sorted({row.priority for row in rows}, reverse=True):
            ready = [
                row.pk
                for row in rows
                if row.status == Status.QUEUED and not row.held and row.priority == priority
            ]
            enqueue_on_commit(ready, priority)
