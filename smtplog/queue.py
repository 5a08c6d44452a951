"""Getting queued rows to a worker: on commit, in batches, and again after a crash."""

from django.conf import settings
from django.db import transaction

from config import background
from smtplog import delivery


def chunks(ids: list[str], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def dispatch(log_ids: list[str]) -> None:
    from smtplog.tasks import deliver_batch

    for batch in chunks(list(log_ids), settings.DELIVERY_BATCH_SIZE):
        background.run(deliver_batch, batch)


def enqueue_on_commit(log_ids: list[str]) -> None:
    """Hand rows to the workers once the transaction that created them has committed."""
    ids = list(log_ids)
    if ids:
        transaction.on_commit(lambda: dispatch(ids))


def schedule_retries(retries: list[delivery.Retry]) -> None:
    from smtplog.tasks import deliver_batch

    for retry in retries:
        background.run(deliver_batch, [retry.log_id], countdown=retry.delay)


def sweep() -> int:
    """Re-dispatch every row that should be moving but is not (lost task, dead worker).

    Rows queued in the last few seconds are left alone: their task is most likely still
    on its way, and claiming is atomic anyway.
    """
    delivery.reclaim_stale()
    ids = delivery.due_ids(older_than=5)
    dispatch(ids)
    return len(ids)
