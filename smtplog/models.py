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
    PREPARED = "prepared"  # Freeside prepare/send: built, not yet released to the queue
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"  # a channel's receipt confirmed it (email ends at ``sent``)
    FAILED = "failed"


# The statuses an email row can have: the SMTP log's filters and schema list only these.
EMAIL_STATUSES = [(v, label) for v, label in Status.choices if v not in ("prepared", "delivered")]
EMAIL = "email"
# Columns the other channels use; the SMTP log's views (API, admin) leave them out.
CHANNEL_FIELDS = (
    "channel", "gateway_id", "gateway_account_id", "to", "body", "provider_message_id",
    "priority", "held", "force", "msgtype", "segments", "prepared_document", "error_code",
    "failure", "events", "sent_at", "delivered_at",
)  # fmt: skip


class Failure(models.TextChoices):
    PERMANENT = "permanent-failure"
    TEMPORARY = "temporary-failure"
    TECHNICAL = "technical-failure"


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

    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
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
        "notifications.Broadcast",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )

    # Channels (SPEC-channels §8). Email rows keep using the fields above; the others
    # carry one address in ``to`` and what their transport posts in ``body``.
    channel = models.CharField(max_length=32, default="email")
    gateway_id = models.CharField(max_length=32, null=True, blank=True, db_index=True)  # noqa: DJ001
    gateway_account_id = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    to = models.CharField(max_length=254, blank=True, default="")
    body = models.JSONField(default=dict, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    priority = models.PositiveSmallIntegerField(default=5)  # 0..9, higher first
    held = models.BooleanField(default=False)
    force = models.BooleanField(default=False)
    msgtype = models.CharField(max_length=32, blank=True, default="")
    segments = models.PositiveIntegerField(null=True, blank=True)
    prepared_document = models.BinaryField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    failure = models.CharField(max_length=32, blank=True, default="", choices=Failure.choices)
    events = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SMTP log entry"
        verbose_name_plural = "SMTP log"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["account", "-created", "-id"], name="smtplog_account_created"),
            models.Index(fields=["status", "next_attempt"], name="smtplog_pending"),
            models.Index(fields=["broadcast", "status"], name="smtplog_broadcast_status"),
            # Receipts find their row by (gateway, provider id).
            models.Index(
                fields=["gateway_id", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="smtplog_provider_message",
            ),
            models.Index(
                fields=["status", "-priority", "created"],
                condition=Q(status="queued"),
                name="smtplog_claim_order",
            ),
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

    @classmethod
    def email_rows(cls) -> models.QuerySet:
        """The SMTP log proper: email rows only (other channels share the table)."""
        return cls.objects.filter(channel=EMAIL)
