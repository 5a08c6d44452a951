"""Celery tasks of the notifications app."""

from celery import shared_task
from celery.signals import worker_ready

from notifications import broadcasts


@shared_task(name="notifications.tasks.fan_out_broadcast", acks_late=True, ignore_result=True)
def fan_out_broadcast(broadcast_id: str) -> int:
    return broadcasts.fan_out(broadcast_id)


@shared_task(name="notifications.tasks.resume_broadcasts", ignore_result=True)
def resume_broadcasts() -> int:
    return broadcasts.resume_unfinished()


@worker_ready.connect
def _resume_when_a_worker_starts(sender=None, **kwargs) -> None:
    resume_broadcasts.delay()
