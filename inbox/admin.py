"""Read-only staff view of inbox messages.

Messages are what users were told: nobody adds, edits or deletes them here. The stored html
is sanitized, but still shown only inside a sandboxed ``srcdoc`` iframe, never marked safe.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from inbox.models import InboxMessage


@admin.register(InboxMessage)
class InboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subject", "user", "account", "template_id", "read_at")
    list_filter = (("read_at", admin.EmptyFieldListFilter), "template_id")
    search_fields = ("id", "delivery_id", "subject", "user__username", "account__name")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "account",
        "user",
        "delivery_id",
        "template_id",
        "subject",
        "text",
        "html_preview",
        "read_at",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="HTML")
    def html_preview(self, obj: InboxMessage) -> str:
        if not obj.html:
            return "-"
        # sandbox="" : no scripts, no forms, no same-origin access, no top navigation.
        return format_html(
            '<iframe sandbox="" referrerpolicy="no-referrer" srcdoc="{}" title="HTML"'
            ' style="width:100%;min-width:40em;height:24em;border:1px solid #ccc;'
            'background:#fff"></iframe>',
            obj.html,
        )
