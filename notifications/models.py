"""Notification templates: system defaults (no account) and account overrides of the same id.

A template's public metadata is kept as the JSON document Kazoo clients send and receive
(``from``, ``subject``, ``to``, ``cc``, ``bcc``, ``reply_to``, ``enabled``, ...). Bodies are
separate rows, one per content type, so each type can be inherited on its own.
"""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from accounts.models import Account
from config.ids import new_id

HTML = "text/html"
PLAIN = "text/plain"
SMS = "text/x-sms"  # the body sent on every channel but email and internal (SPEC-channels §1)
EMAIL_BODY_TYPES = (HTML, PLAIN)
BODY_TYPES = (HTML, PLAIN, SMS)


class NotificationTemplate(models.Model):
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    template_id = models.CharField(max_length=128)
    document = models.JSONField(default=dict)
    # System rows only: the macro catalogue, and whether an API write customised the row
    # (then ``migrate`` no longer refreshes it from the shipped catalogue).
    macros = models.JSONField(default=dict, blank=True)
    customized = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "template_id"], name="one_override_per_account"
            ),
            models.UniqueConstraint(
                fields=["template_id"],
                condition=Q(account__isnull=True),
                name="one_system_template_per_id",
            ),
        ]
        indexes = [models.Index(fields=["template_id", "account"])]

    def __str__(self) -> str:
        owner = self.account_id or "system"
        return f"{self.template_id} ({owner})"

    @property
    def is_system(self) -> bool:
        return self.account_id is None

    @property
    def category(self) -> str | None:
        return self.document.get("category")


class TemplateBody(models.Model):
    template = models.ForeignKey(
        NotificationTemplate, on_delete=models.CASCADE, related_name="bodies"
    )
    content_type = models.CharField(max_length=32, choices=[(t, t) for t in BODY_TYPES])
    source = models.TextField()
    length = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "content_type"], name="one_body_per_type")
        ]

    def __str__(self) -> str:
        return f"{self.template} {self.content_type}"

    def save(self, *args, **kwargs):
        self.length = len(self.source.encode("utf-8"))
        super().save(*args, **kwargs)


class RemovedSystemTemplate(models.Model):
    """A shipped system template a superduper deleted: ``migrate`` must not bring it back."""

    template_id = models.CharField(max_length=128, unique=True)
    removed = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.template_id


class Broadcast(models.Model):
    """One customer_update or mass-mailing request: who sent it and what it reached."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="broadcasts")
    created = models.DateTimeField(default=now)
    accounts = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # customer_update, or any template mass-mailed through ``…/{id}/broadcast`` (§13.4).
    template_id = models.CharField(max_length=128, default="customer_update")
    # The answer's per-channel counts: {channel: {recipients, skipped, suppressed, reasons}}.
    by_channel = models.JSONField(default=dict, blank=True)
    request = models.JSONField(default=dict)
    # Fan-out progress: users are processed in id order; ``cursor`` is the last one done.
    # A worker holds the fan-out through ``owner`` and refreshes ``heartbeat`` per batch,
    # so a crashed fan-out is resumed exactly where it stopped, by exactly one worker.
    cursor = models.CharField(max_length=32, blank=True, default="")
    owner = models.CharField(max_length=32, blank=True, default="")
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "smtplog_broadcast"  # moved from smtplog; the table kept its name

    def __str__(self) -> str:
        return f"broadcast {self.id}"
