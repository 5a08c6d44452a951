"""Read-only staff views of the SMTP log and of customer_update broadcasts.

The log is an audit trail: nobody adds, edits or deletes rows here. The only write is
"retry", which puts failed rows back in the queue exactly as the delivery code would.
Rendered mail html is untrusted (customer templates, macro values): it is shown only inside
a sandboxed ``srcdoc`` iframe, attribute-escaped, never marked safe.
"""

import json
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from deliveries import queue
from smtplog.models import CHANNEL_FIELDS, SmtpLog, Status


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with the view permission; never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pretty_json(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


# Shown in the "Message" section; JSON columns through the pretty/safe renderers below.
MESSAGE_FIELDS = (
    "message_id",
    "subject",
    "emails_json",
    "recipients",
    "invalid_addresses_json",
    "headers_json",
    "rendered_html",
    "rendered_html_source",
    "rendered_text",
    "macros_json",
)
_RENDERED_ELSEWHERE = {"emails", "invalid_addresses", "headers", "macros", "rendered_templates"}


def _delivery_fields() -> tuple[str, ...]:
    """Every other stored field, in model order, so a new column is never hidden."""
    skip = _RENDERED_ELSEWHERE | set(MESSAGE_FIELDS) | set(CHANNEL_FIELDS)
    return tuple(f.name for f in SmtpLog._meta.concrete_fields if f.name not in skip)


@admin.register(SmtpLog)
class SmtpLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created",
        "status",
        "template_id",
        "account",
        "first_recipient",
        "subject",
        "attempts",
    )
    list_filter = (
        "status",
        "template_id",
        ("account", admin.RelatedOnlyFieldListFilter),
        "created",
    )
    search_fields = ("subject", "recipients", "receipt")
    date_hierarchy = "created"
    list_select_related = ("account",)
    ordering = ("-created", "-id")
    show_full_result_count = False  # no COUNT(*) over the whole log on every page
    actions = ("retry_failed",)
    fieldsets = (
        (None, {"fields": _delivery_fields()}),
        ("Message", {"fields": MESSAGE_FIELDS}),
    )
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])

    def get_queryset(self, request: HttpRequest) -> QuerySet[SmtpLog]:
        return super().get_queryset(request).filter(channel="email")

    @admin.display(description="To")
    def first_recipient(self, obj: SmtpLog) -> str:
        to = (obj.emails or {}).get("to") or []
        return to[0] if isinstance(to, list) and to else "-"

    @admin.display(description="Emails")
    def emails_json(self, obj: SmtpLog) -> str:
        return pretty_json(obj.emails)

    @admin.display(description="Invalid addresses")
    def invalid_addresses_json(self, obj: SmtpLog) -> str:
        return pretty_json(obj.invalid_addresses)

    @admin.display(description="Headers")
    def headers_json(self, obj: SmtpLog) -> str:
        return pretty_json(obj.headers)

    @admin.display(description="Macros")
    def macros_json(self, obj: SmtpLog) -> str:
        return pretty_json(obj.macros)

    @admin.display(description="Rendered HTML")
    def rendered_html(self, obj: SmtpLog) -> str:
        html = (obj.rendered_templates or {}).get("text/html")
        if not html:
            return "-"
        # sandbox="" : no scripts, no forms, no same-origin access, no top navigation.
        return format_html(
            '<iframe sandbox="" referrerpolicy="no-referrer" srcdoc="{}" title="Rendered HTML"'
            ' style="width:100%;min-width:40em;height:32em;border:1px solid #ccc;'
            'background:#fff"></iframe>',
            html,
        )

    @admin.display(description="HTML source")
    def rendered_html_source(self, obj: SmtpLog) -> str:
        html = (obj.rendered_templates or {}).get("text/html")
        if not html:
            return "-"
        return format_html("<details><summary>Show source</summary><pre>{}</pre></details>", html)

    @admin.display(description="Rendered text")
    def rendered_text(self, obj: SmtpLog) -> str:
        text = (obj.rendered_templates or {}).get("text/plain")
        return format_html("<pre>{}</pre>", text) if text else "-"

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Retrying sends mail: it needs the real change permission, not just view."""
        return request.user.has_perm("smtplog.change_smtplog")

    @admin.action(description="Retry selected failed deliveries", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[SmtpLog]) -> None:
        with transaction.atomic():
            ids = list(
                queryset.filter(status=Status.FAILED)
                .select_for_update()
                .values_list("pk", flat=True)
            )
            # Attempts and the last error stay: they are the row's history.
            SmtpLog.objects.filter(pk__in=ids, status=Status.FAILED).update(
                status=Status.QUEUED, next_attempt=None, finished_at=None
            )
            if ids:
                transaction.on_commit(lambda: queue.dispatch(ids))
        skipped = queryset.count() - len(ids)
        message = f"{len(ids)} failed deliveries queued again."
        if skipped:
            message += f" {skipped} selected rows were not failed and were left alone."
        self.message_user(request, message, messages.SUCCESS if ids else messages.WARNING)
