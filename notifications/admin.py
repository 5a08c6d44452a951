"""Read-only staff view of customer_update broadcasts (the rows live in the delivery log)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from notifications.models import Broadcast
from smtplog.admin import ReadOnlyAdmin, pretty_json


def _broadcast_fields() -> tuple[str, ...]:
    """Every stored field, whatever fan-out bookkeeping the model grows; JSON shown pretty."""
    names = [f.name for f in Broadcast._meta.concrete_fields if f.name != "request"]
    return (*names, "request_json", "deliveries")


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    list_display = ("created", "account", "accounts", "recipients", "skipped")
    list_filter = ("created",)
    search_fields = ("id", "account__name")
    date_hierarchy = "created"
    list_select_related = ("account",)
    ordering = ("-created", "-id")
    readonly_fields = _broadcast_fields()
    fields = readonly_fields

    @admin.display(description="Request")
    def request_json(self, obj: Broadcast) -> str:
        return pretty_json(obj.request)

    @admin.display(description="Deliveries")
    def deliveries(self, obj: Broadcast) -> str:
        url = reverse("admin:smtplog_smtplog_changelist")
        return format_html('<a href="{}?broadcast__exact={}">SMTP log entries</a>', url, obj.pk)
