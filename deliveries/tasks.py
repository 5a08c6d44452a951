"""Celery tasks. Each takes row ids, never content: the row is the unit of work."""

from celery import shared_task
from celery.signals import worker_ready

from deliveries import outbox, queue, retention


@shared_task(name="deliveries.tasks.deliver_batch", acks_late=True, ignore_result=True)
def deliver_batch(log_ids: list[str]) -> None:
    queue.schedule_retries(outbox.deliver_many(log_ids))


@shared_task(name="deliveries.tasks.sweep", ignore_result=True)
def sweep() -> int:
    return queue.sweep()


@shared_task(name="deliveries.tasks.purge_log", ignore_result=True)
def purge_log() -> int:
    return retention.purge()


@worker_ready.connect
def _sweep_when_a_worker_starts(sender=None, **kwargs) -> None:
    # A restarted worker picks up what its predecessor left behind.
    sweep.delay()
