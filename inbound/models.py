"""Messages customers send to a gateway (SPEC-channels §9), kept per gateway owner.

A message received on a system gateway (no owner) is stored with ``account`` NULL and shown
only to superduper, in the master account's list.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, User
from config.ids import new_id
from gateways.models import Gateway


class InboundMessage(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="inbound_messages"
    )  # the gateway's owner; NULL for a system gateway
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="inbound_messages")
    channel = models.CharField(max_length=32)
    sender = models.CharField(max_length=254, blank=True, default="")  # the API's "from"
    recipient = models.CharField(max_length=254, blank=True, default="")  # the API's "to"
    text = models.TextField(blank=True, default="")
    media_url = models.TextField(blank=True, default="")
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="one_inbound_message_per_provider_id",
            )
        ]
        indexes = [models.Index(fields=["account", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel} from {self.sender or '?'}"
