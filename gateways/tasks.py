"""Celery tasks of the gateways app (beat entry ``poll-module-gateways``)."""

from celery import shared_task

from gateways.polling import poll_module_gateways


@shared_task(name="gateways.tasks.poll_modules", ignore_result=True)
def poll_modules() -> int:
    return poll_module_gateways().messages
