"""Who does not want what: per-account suppressions and per-user subscriptions (SPEC-channels §10).

A **suppression** blocks one address on one channel for every send by its account and the
account's descendants, whoever the recipient is. A **subscription** is a user's choice for a
template (or ``*``) on a channel (or ``*``); users are subscribed unless a rule says otherwise.
"""

from django.db import models
from django.utils import timezone

from accounts.models import Account, User
from config.ids import new_id

ANY = "*"  # a subscription rule's wildcard for template_id or channel


class Reason(models.TextChoices):
    MANUAL = "manual"
    INBOUND_STOP = "inbound_stop"


class Suppression(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="suppressions")
    channel = models.CharField(max_length=32)
    address = models.CharField(max_length=254)  # normalized, see preferences.services
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "channel", "address"], name="one_suppression_per_address"
            )
        ]
        indexes = [models.Index(fields=["channel", "address"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.reason})"


class Subscription(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscriptions")
    template_id = models.CharField(max_length=128)  # a template id or "*"
    channel = models.CharField(max_length=32)  # a channel name or "*"
    subscribed = models.BooleanField()

    class Meta:
        ordering = ["template_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "template_id", "channel"], name="one_subscription_rule"
            )
        ]

    def __str__(self) -> str:
        state = "subscribed" if self.subscribed else "unsubscribed"
        return f"{self.user_id} {self.template_id}/{self.channel}: {state}"
