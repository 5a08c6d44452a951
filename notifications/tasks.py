"""Celery tasks of the notifications app."""

from celery import shared_task

from notifications import broadcasts


@shared_task(name="notifications.tasks.fan_out_broadcast", acks_late=True, ignore_result=True)
def fan_out_broadcast(broadcast_id: str) -> int:
    return broadcasts.fan_out(broadcast_id)


@shared_task(name="notifications.tasks.resume_broadcasts", ignore_result=True)
def resume_broadcasts() -> int:
    return broadcasts.resume_unfinished()
