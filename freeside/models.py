"""A message prepared for Freeside (SPEC-channels §11): its rows wait ``prepared`` for the send.

The rows themselves live in the delivery log; this record ties them to the ``prepared_id``
Freeside holds, and says whether the send already happened (``sent_at``) or the sweeper
gave up on it (``expired_at``), so a repeated or late send answers without touching rows.
"""

from django.db import models
from django.utils.timezone import now

from accounts.models import Account
from config.ids import new_id


class PreparedMessage(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="freeside_prepared")
    template_id = models.CharField(max_length=128)
    row_ids = models.JSONField(default=list)  # the delivery log rows, in answer order
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=models.Q(sent_at__isnull=True, expired_at__isnull=True),
                name="freeside_prepared_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id} prepared for {self.account_id}"
