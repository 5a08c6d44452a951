"""Gateways: how one account (or the system) reaches a channel's provider.

A gateway is tenant data inherited down the account tree like templates (see
``gateways.selection``). Its secrets never sit in ``settings`` or ``webhook_auth``: they are
sealed together in ``secrets`` by ``gateways.secrets``.
"""

from __future__ import annotations

import secrets as _random

from django.db import models
from django.utils import timezone

from accounts.models import Account
from config.ids import new_id
from gateways import secrets


def new_hook_token() -> str:
    return _random.token_hex(16)


class GatewayQuerySet(models.QuerySet):
    def alive(self) -> GatewayQuerySet:
        return self.filter(deleted_at__isnull=True)


class Gateway(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="gateways"
    )  # NULL: a system gateway
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=32, db_index=True)
    enabled = models.BooleanField(default=True)
    paused = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    inherit = models.BooleanField(default=True)
    sender = models.CharField(max_length=254, blank=True, default="")  # the document's "from"
    timeout = models.PositiveSmallIntegerField(default=10)
    retry_on = models.JSONField(default=list)
    stop_keywords = models.JSONField(default=list)
    start_keywords = models.JSONField(default=list)
    webhook_auth = models.JSONField(null=True, blank=True)  # without its token
    settings = models.JSONField(default=dict)  # without secret leaves
    secrets = models.TextField(blank=True, default="", editable=False)  # sealed, see secrets.py
    hook_token = models.CharField(max_length=64, default=new_hook_token, editable=False)
    last_error = models.JSONField(null=True, blank=True)  # {"at", "error"}
    created_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        ordering = ["channel", "name", "created_at"]
        indexes = [models.Index(fields=["account", "channel"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}/{self.channel})"

    # --- secrets ----------------------------------------------------------------------------

    def secret_values(self) -> dict[secrets.Path, str]:
        """Every secret by path from the document root (decrypts: keep it off hot loops)."""
        return secrets.unseal(self.secrets)

    def secret_paths(self) -> set[secrets.Path]:
        return set(self.secret_values())

    def plain_document(self) -> dict:
        """The stored parts that may hold secrets, without them."""
        return {"settings": self.settings, "webhook_auth": self.webhook_auth}

    def resolved(self) -> dict:
        """``settings`` and ``webhook_auth`` with the real secrets: only for kinds to use."""
        return secrets.merged(self.plain_document(), self.secret_values())

    def obscured(self) -> dict:
        """``settings`` and ``webhook_auth`` with ``"<Encrypted>"`` for each set secret."""
        return secrets.obscured(self.plain_document(), self.secret_values())


class GatewayEvent(models.Model):
    """One inbound webhook request to a gateway, kept for its ``events`` list (never secrets)."""

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    model = models.CharField(max_length=32, blank=True, default="")  # status, message, ...
    result = models.CharField(max_length=16)  # applied|duplicate|ignored|pending|stored|...
    delivery_id = models.CharField(max_length=32, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.model or 'request'} → {self.result}"
