"""Delivery state beside the log rows.

``Delivery`` is a proxy of :class:`smtplog.models.SmtpLog` (no table of its own), so the
admin can show all channels beside the email-only SMTP log admin. ``PendingReceipt`` holds
receipts waiting for the row they belong to.
"""

from django.db import models
from django.utils import timezone

from config.ids import new_id
from smtplog.models import SmtpLog


class Delivery(SmtpLog):
    class Meta:
        proxy = True
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"
        ordering = ["-created", "-id"]


class PendingReceipt(models.Model):
    """A receipt whose provider id no row on its gateway has recorded yet (an orphan).

    Providers may post the receipt before we have stored their answer to the send (the
    answer and the callback race). The receipt waits here for
    ``CHANNELS_ORPHAN_RECEIPT_TTL`` seconds and is applied, in arrival order, as soon as
    a row on the gateway records the id; the periodic sweep purges expired ones.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    gateway_id = models.CharField(max_length=32)
    provider_message_id = models.CharField(max_length=255)
    payload = models.JSONField(default=dict)  # the native status event
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["gateway_id", "provider_message_id", "received_at"],
                name="pending_receipt_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.payload.get('status', '?')} for {self.provider_message_id}"
