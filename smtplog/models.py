"""The SMTP log is the outbox: one row per email from the moment it is queued.

A row is created ``queued`` with everything needed to send it (rendered bodies, resolved
addresses), so delivery renders nothing and a crash loses nothing. Workers claim a row
with a conditional update (``queued`` → ``sending``), record ``sent`` with the server's
receipt or ``failed`` with the error; transient failures go back to ``queued`` with a
later ``next_attempt``.
"""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from accounts.models import Account
from config.ids import new_id


class RowsJSONField(models.JSONField):
    """A JSONField that makes PostgreSQL bulk inserts use plain multi-row VALUES.

    Django 5.2 bulk-inserts through ``UNNEST`` arrays unless a field defines
    ``get_placeholder``; psycopg then escapes every large rendered body element by element in
    Python, which made a 10,000-recipient broadcast's fan-out three times slower.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"


class Status(models.TextChoices):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Broadcast(models.Model):
    """One customer_update request: who sent it and what it reached."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="broadcasts")
    created = models.DateTimeField(default=now)
    accounts = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    request = models.JSONField(default=dict)
    # Fan-out progress: users are processed in id order; ``cursor`` is the last one done.
    # A worker holds the fan-out through ``owner`` and refreshes ``heartbeat`` per batch,
    # so a crashed fan-out is resumed exactly where it stopped, by exactly one worker.
    cursor = models.CharField(max_length=32, blank=True, default="")
    owner = models.CharField(max_length=32, blank=True, default="")
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"broadcast {self.id}"


class SmtpLog(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="smtp_logs")
    template_id = models.CharField(max_length=128, db_index=True)
    # NULL, not "": absent for system templates, as in Kazoo.
    template_account_id = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    subject = models.TextField()
    rendered_templates = RowsJSONField(default=dict)
    emails = models.JSONField(default=dict)
    recipients = models.TextField(blank=True, default="", help_text="to/cc/bcc, for search")
    macros = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, blank=True, default="")
    invalid_addresses = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    receipt = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    created = models.DateTimeField(default=now)
    next_attempt = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="", db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # NULL when unused, so the per-account unique constraint ignores it.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.SET_NULL, related_name="logs"
    )

    class Meta:
        verbose_name = "SMTP log entry"
        verbose_name_plural = "SMTP log"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["account", "-created", "-id"], name="smtplog_account_created"),
            models.Index(fields=["status", "next_attempt"], name="smtplog_pending"),
            models.Index(fields=["broadcast", "status"], name="smtplog_broadcast_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="smtplog_unique_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_id} → {self.recipients or '-'} ({self.status})"
