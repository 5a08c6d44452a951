"""Keeping the log bounded: rows older than ``DELIVERY_LOG_RETENTION_DAYS`` are deleted.

Only finished rows (sent, delivered, failed) are purged, in batches of ``BATCH`` ids so
that no statement locks or rewrites a large part of the table at once.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.timezone import now

from smtplog.models import SmtpLog, Status

BATCH = 1000
FINISHED = (Status.SENT, Status.DELIVERED, Status.FAILED)


def purge(days: int | None = None, max_batches: int = 1000) -> int:
    """Delete finished rows created more than ``days`` ago; returns how many went."""
    days = settings.DELIVERY_LOG_RETENTION_DAYS if days is None else days
    if not days:
        return 0  # keep everything
    cutoff = now() - timedelta(days=days)
    old = SmtpLog.objects.filter(created__lt=cutoff, status__in=FINISHED)
    deleted = 0
    for _ in range(max_batches):
        ids = list(old.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        deleted += SmtpLog.objects.filter(pk__in=ids).delete()[0]
    return deleted
