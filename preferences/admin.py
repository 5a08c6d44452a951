"""Staff views of suppressions and subscriptions: browse, and lift a suppression."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from preferences.models import Subscription, Suppression


class BrowseAdmin(admin.ModelAdmin):
    """No add or edit forms: the API validates addresses, template ids and channels."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(BrowseAdmin):
    list_display = ("created_at", "account", "channel", "address", "reason")
    list_filter = ("channel", "reason")
    search_fields = ("address", "account__name", "id")
    date_hierarchy = "created_at"
    list_select_related = ("account",)
    fields = ("id", "account", "channel", "address", "reason", "created_at")
    readonly_fields = fields


@admin.register(Subscription)
class SubscriptionAdmin(BrowseAdmin):
    list_display = ("user", "template_id", "channel", "subscribed")
    list_filter = ("subscribed", "channel")
    search_fields = ("user__username", "user__email", "template_id")
    list_select_related = ("user",)
    fields = ("id", "user", "template_id", "channel", "subscribed")
    readonly_fields = fields
