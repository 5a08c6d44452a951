"""Celery tasks. Each takes log ids, never rendered content: the row is the unit of work."""

from celery import shared_task
from celery.signals import worker_ready

from smtplog import delivery, queue


@shared_task(name="smtplog.tasks.deliver_batch", acks_late=True, ignore_result=True)
def deliver_batch(log_ids: list[str]) -> None:
    queue.schedule_retries(delivery.deliver_many(log_ids))


@shared_task(name="smtplog.tasks.sweep", ignore_result=True)
def sweep() -> int:
    return queue.sweep()


@worker_ready.connect
def _sweep_when_a_worker_starts(sender=None, **kwargs) -> None:
    # A restarted worker picks up what its predecessor left behind.
    sweep.delay()
    sender.app.send_task("notifications.tasks.resume_broadcasts")
