"""The in-app inbox (SPEC-channels §13.3): what the ``internal`` channel delivers to a user.

One row per delivered outbox row: ``delivery_id`` is unique, so storing the same delivery
twice (a worker retrying after a crash) finds the first message instead of adding another.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account, User
from config.ids import new_id


class InboxMessage(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    # The recipient's account (not the sender's): the inbox is scoped by whose it is.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="inbox_messages")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="inbox_messages")
    delivery_id = models.CharField(max_length=64, unique=True)  # the outbox row's id
    template_id = models.CharField(max_length=128, blank=True, default="")
    subject = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")  # sanitized before it is stored
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="inbox_user_newest"),
            models.Index(fields=["user", "read_at"], name="inbox_user_read"),
        ]

    def __str__(self) -> str:
        return self.subject or self.id

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
