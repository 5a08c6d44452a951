"""Read-only staff view of every channel's deliveries (SPEC-channels §12).

Filters by channel, status, gateway, priority and date; search on the address, the
provider's id and the subject. Rows hold no secrets (a gateway's credentials live sealed on
the gateway); bodies, events and the prepared document are shown escaped, never as html.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.html import format_html

from deliveries.api.serializers import prepared_text, recipient
from deliveries.models import Delivery
from gateways.models import Gateway
from smtplog.admin import ReadOnlyAdmin, pretty_json


class GatewayFilter(admin.SimpleListFilter):
    """``gateway_id`` is a plain column (rows outlive gateways): offer the gateways by name."""

    title = "gateway"
    parameter_name = "gateway_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        used = Delivery.objects.exclude(gateway_id=None).values("gateway_id").distinct()
        gateways = Gateway.objects.filter(pk__in=used).order_by("name")
        return [("none", "(no gateway)"), *((g.pk, str(g)) for g in gateways)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "none":
            return queryset.filter(gateway_id=None)
        return queryset.filter(gateway_id=value) if value else queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created",
        "channel",
        "status",
        "held",
        "priority",
        "template_id",
        "account",
        "address",
        "subject",
        "gateway_name",
        "attempts",
        "provider_message_id",
    )
    list_filter = ("channel", "status", GatewayFilter, "priority", "held", "created")
    search_fields = ("to", "recipients", "provider_message_id", "subject")
    date_hierarchy = "created"
    list_select_related = ("account",)
    ordering = ("-created", "-id")
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id", "account", "channel", "template_id", "template_account_id",
                    "address", "gateway_name", "gateway_account_id", "status", "held",
                    "force", "priority", "attempts", "created", "next_attempt", "sent_at",
                    "delivered_at", "finished_at",
                )
            },
        ),
        (
            "Outcome",
            {
                "fields": (
                    "provider_message_id", "receipt", "error", "error_code", "failure",
                    "events_json",
                )
            },
        ),
        (
            "Message",
            {
                "fields": (
                    "subject", "body_json", "segments", "msgtype", "prepared_document_text",
                    "emails_json", "macros_json",
                )
            },
        ),
    )  # fmt: skip
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        """Without the big columns, with each row's gateway name in the same query."""
        name = Gateway.objects.filter(pk=OuterRef("gateway_id")).values("name")[:1]
        queryset = super().get_queryset(request).defer("rendered_templates", "prepared_document")
        return queryset.annotate(gateway_label=Subquery(name))

    @admin.display(description="To")
    def address(self, obj: Delivery) -> str:
        return recipient(obj) or "-"

    @admin.display(description="Gateway")
    def gateway_name(self, obj: Delivery) -> str:
        if not obj.gateway_id:
            return "-"
        label = getattr(obj, "gateway_label", None)
        return f"{label} [{obj.gateway_id}]" if label else obj.gateway_id

    @admin.display(description="Events")
    def events_json(self, obj: Delivery) -> str:
        return pretty_json(obj.events or [])

    @admin.display(description="Body")
    def body_json(self, obj: Delivery) -> str:
        return pretty_json(obj.body or {})

    @admin.display(description="Prepared document")
    def prepared_document_text(self, obj: Delivery) -> str:
        text = prepared_text(obj.prepared_document)
        return format_html("<pre>{}</pre>", text) if text is not None else "-"

    @admin.display(description="Emails")
    def emails_json(self, obj: Delivery) -> str:
        return pretty_json(obj.emails or {})

    @admin.display(description="Macros")
    def macros_json(self, obj: Delivery) -> str:
        return pretty_json(obj.macros or {})
