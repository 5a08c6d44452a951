"""Celery tasks of the gateways app (beat entry ``poll-module-gateways``)."""

from celery import shared_task

from gateways.followups import apply_later
from gateways.polling import poll_module_gateways


@shared_task(name="gateways.tasks.poll_modules", ignore_result=True)
def poll_modules() -> int:
    return poll_module_gateways().messages


@shared_task(name="gateways.tasks.apply_followups", ignore_result=True)
def apply_followups(gateway_id: str, events: list[dict]) -> None:
    """The ``fake`` vendor's delayed receipts and replies (``FAKE_VENDOR_DELIVERY_DELAY``)."""
    apply_later(gateway_id, events)
