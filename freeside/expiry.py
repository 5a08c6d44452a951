"""The sweeper's part for Freeside: prepared messages nobody sent in time fail.

Called from ``deliveries.queue.sweep`` (every ``DELIVERY_SWEEP_INTERVAL``, in every
delivery mode). Each message is claimed with a conditional update, so a send racing the
sweep either wins (rows queued) or finds the message expired (410), never both.
"""

from django.db import transaction
from django.utils.timezone import now

from freeside.models import PreparedMessage
from smtplog.models import Failure, SmtpLog, Status

EXPIRED = "prepared message expired"


def expire_prepared(limit: int = 500) -> int:
    """Fail the rows of unsent prepared messages past ``expires_at``; how many messages."""
    moment = now()
    due = PreparedMessage.objects.filter(
        sent_at__isnull=True, expired_at__isnull=True, expires_at__lte=moment
    ).values_list("pk", "row_ids")[:limit]
    expired = 0
    for pk, row_ids in list(due):
        with transaction.atomic():
            claimed = PreparedMessage.objects.filter(
                pk=pk, sent_at__isnull=True, expired_at__isnull=True
            ).update(expired_at=moment)
            if claimed:
                SmtpLog.objects.filter(pk__in=row_ids, status=Status.PREPARED).update(
                    status=Status.FAILED,
                    error=EXPIRED,
                    failure=Failure.PERMANENT,
                    finished_at=moment,
                )
                expired += claimed
    return expired
