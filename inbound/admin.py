"""Read-only staff view of inbound messages (SPEC-channels §12)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from inbound.models import InboundMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only: rows come from providers and the API, never from a staff form."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "channel", "sender", "recipient", "account", "gateway", "user")
    list_filter = ("channel",)
    search_fields = ("sender", "recipient", "text", "provider_message_id", "id")
    date_hierarchy = "received_at"
    list_select_related = ("account", "gateway", "user")
    fields = (
        "id",
        "account",
        "gateway",
        "channel",
        "sender",
        "recipient",
        "text",
        "media_url",
        "provider_message_id",
        "user",
        "received_at",
    )
    readonly_fields = fields
