"""Getting queued rows to a worker: on commit, in batches, and again after a crash.

Dispatch never fails a request: if the broker cannot take a task, the row is committed
anyway and the periodic sweep dispatches it later.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from config import background
from deliveries import outbox, receipts
from freeside.expiry import expire_prepared

logger = logging.getLogger(__name__)


def chunks(ids: list[str], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def dispatch(log_ids: Iterable[str], priority: int = 5) -> None:
    """Hand rows to the workers as tasks of ``DELIVERY_BATCH_SIZE`` rows at most."""
    for batch in chunks(list(log_ids), settings.DELIVERY_BATCH_SIZE):
        _run([batch], priority=priority)


def enqueue_on_commit(log_ids: Iterable[str], priority: int = 5) -> None:
    """Hand rows to the workers once the transaction that created them has committed."""
    ids = list(log_ids)
    if ids:
        transaction.on_commit(lambda: dispatch(ids, priority))


def schedule_retries(retries: list[outbox.Retry]) -> None:
    for retry in retries:
        _run([[retry.log_id]], priority=retry.priority, countdown=retry.delay)


def sweep() -> int:
    """Re-dispatch every row that should be moving but is not (lost task, dead worker).

    Rows queued in the last few seconds are left alone: their task is most likely still
    on its way, and claiming is atomic anyway. Held receipts are settled or expired here too.
    """
    outbox.reclaim_stale()
    expire_prepared()  # Freeside prepared messages past FREESIDE_PREPARED_TTL fail
    receipts.purge_expired()
    by_priority: dict[int, list[str]] = defaultdict(list)
    rows = outbox.due_rows(older_than=5)
    for pk, priority in rows:
        by_priority[priority].append(pk)
    for priority in sorted(by_priority, reverse=True):
        dispatch(by_priority[priority], priority)
    return len(rows)


def _run(args: list, *, priority: int, countdown: float = 0) -> None:
    from deliveries.tasks import deliver_batch

    try:
        background.run(deliver_batch, *args, countdown=countdown, priority=priority)
    except Exception:  # broker down: the sweep will find the rows
        logger.warning("dispatch failed; the sweep will retry", exc_info=True)
