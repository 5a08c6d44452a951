"""Read-only staff views of gateways and their webhook events; secrets shown obscured.

The sealed ``secrets`` column and the hook token are never displayed: settings and
``webhook_auth`` appear as the API shows them, with ``"<Encrypted>"`` where one is set.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gateways.models import Gateway, GatewayEvent
from smtplog.admin import ReadOnlyAdmin, pretty_json


@admin.register(Gateway)
class GatewayAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "channel", "account", "enabled", "paused", "is_default")
    list_filter = ("kind", "channel", "enabled", "paused", "inherit")
    search_fields = ("name", "id", "account__name")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "account",
        "name",
        "kind",
        "channel",
        "enabled",
        "paused",
        "is_default",
        "inherit",
        "sender",
        "timeout",
        "retry_on",
        "stop_keywords",
        "start_keywords",
        "settings_obscured",
        "webhook_auth_obscured",
        "last_error",
        "created_at",
        "modified_at",
        "deleted_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account")

    @admin.display(description="settings")
    def settings_obscured(self, obj: Gateway) -> Any:
        return pretty_json(obj.obscured()["settings"])

    @admin.display(description="webhook auth")
    def webhook_auth_obscured(self, obj: Gateway) -> Any:
        return pretty_json(obj.obscured()["webhook_auth"])


@admin.register(GatewayEvent)
class GatewayEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "gateway", "model", "result", "delivery_id")
    list_filter = ("result", "model")
    fields = ("gateway", "at", "model", "result", "delivery_id")
    readonly_fields = fields
