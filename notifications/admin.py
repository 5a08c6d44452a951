"""Templates in the Django admin: system defaults and per-account overrides.

Staff browse every level, see where each body of the effective template comes from, and
edit subject, sender and bodies. Saving goes through the same functions as the API
(``notifications.editing``: schema validation, Mustache check, html sanitizing), so the
admin cannot store what the API would refuse. The preview renders the effective template
with the catalogue's sample data inside a sandboxed iframe (no scripts, no same-origin).
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.models import Account
from config.errors import KazooError
from config.validation import validate
from notifications import editing, services
from notifications.api.serializers import NOTIFICATION_SCHEMA, storable
from notifications.models import BODY_TYPES, HTML, PLAIN, Broadcast, NotificationTemplate
from notifications.resolution import Resolved, resolve
from smtplog.admin import ReadOnlyAdmin, pretty_json

BODY_FIELDS = {HTML: "html", PLAIN: "plain"}
# A 600 px mail plus the frame's own margins and a scroll bar.
PREVIEW_STYLE = "width: 660px; height: 720px; border: 1px solid #ccc; background: #fff;"


def error_messages(error: KazooError) -> list[str]:
    """Kazoo's field errors (``{path: {rule: {"message": …}}}``) as plain sentences."""
    if not isinstance(error.data, dict):
        return [error.message]
    messages = []
    for path, rules in error.data.items():
        for rule, detail in rules.items() if isinstance(rules, dict) else [(None, rules)]:
            text = detail.get("message", rule) if isinstance(detail, dict) else str(detail)
            messages.append(f"{path}: {text}")
    return messages or [error.message]


def own_bodies(row: NotificationTemplate) -> dict[str, str]:
    return {body.content_type: body.source for body in row.bodies.all()}


class TemplateForm(forms.ModelForm):
    subject = forms.CharField(max_length=200)
    sender = forms.CharField(label="From", max_length=254)
    enabled = forms.BooleanField(required=False)
    html = forms.CharField(
        label="HTML body",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "cols": 100}),
        help_text="Empty: inherit it. Sanitized on save, like an API upload.",
    )
    plain = forms.CharField(
        label="Text body",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="Empty: inherit it.",
    )

    class Meta:
        model = NotificationTemplate
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        document = self.instance.document or {}
        self.initial.update(
            subject=document.get("subject", ""),
            sender=document.get("from", ""),
            enabled=document.get("enabled", True),
        )
        for content_type, source in own_bodies(self.instance).items():
            self.initial[BODY_FIELDS[content_type]] = source

    def document(self) -> dict:
        data = self.cleaned_data
        edited = {"subject": data.get("subject"), "from": data.get("sender")}
        return {**self.instance.document, **edited, "enabled": bool(data.get("enabled"))}

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            validate(NOTIFICATION_SCHEMA, {**self.document(), "id": self.instance.template_id})
        except KazooError as error:
            raise forms.ValidationError(error_messages(error)) from None
        for content_type, name in BODY_FIELDS.items():
            if cleaned.get(name):
                try:
                    editing.clean_body(content_type, cleaned[name], name)
                except KazooError as error:
                    self.add_error(name, error_messages(error))
        return cleaned


class LevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("system", "System defaults"), ("override", "Account overrides")]

    def queryset(self, request, queryset):
        if self.value() == "system":
            return queryset.filter(account__isnull=True)
        if self.value() == "override":
            return queryset.filter(account__isnull=False)
        return queryset


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ("template_id", "owner", "category", "bodies_held", "modified")
    list_filter = (LevelFilter,)
    list_select_related = ("account",)
    search_fields = ("template_id", "account__name", "account__id")
    ordering = ("template_id", "account__name")
    readonly_fields = ("owner", "template_id", "inheritance", "preview")
    fieldsets = [
        (None, {"fields": ("owner", "template_id", "subject", "sender", "enabled")}),
        ("Bodies", {"fields": ("inheritance", "html", "plain")}),
        ("Preview (sample data)", {"fields": ("preview",)}),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # overrides are created by editing a template for an account (API)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the API's DELETE has Kazoo's semantics; keep one way to do it

    @admin.display(description="owner")
    def owner(self, obj: NotificationTemplate) -> str:
        return obj.account.name if obj.account_id else "System default"

    @admin.display(description="category")
    def category(self, obj: NotificationTemplate) -> str:
        return obj.document.get("category", "")

    @admin.display(description="bodies held")
    def bodies_held(self, obj: NotificationTemplate) -> str:
        return ", ".join(sorted(obj.bodies.values_list("content_type", flat=True))) or "—"

    @admin.display(description="Where each body comes from")
    def inheritance(self, obj: NotificationTemplate) -> str:
        resolved = resolve(obj.account, obj.template_id)
        rows = [(ct, body_origin(obj, resolved, ct)) for ct in BODY_TYPES]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    @admin.display(description="Rendered html")
    def preview(self, obj: NotificationTemplate) -> str:
        account = obj.account or Account.objects.filter(is_master=True).first()
        if account is None:
            return "No master account yet: nothing to render for."
        try:
            rendered = services.preview(account, obj.template_id, {}, deliver=False)
        except KazooError as error:
            return "; ".join(error_messages(error))
        html = rendered.bodies.get(HTML)
        if html is None:
            return "No html body at any level."
        return format_html(
            '<iframe sandbox="" title="preview" style="{}" srcdoc="{}"></iframe>',
            PREVIEW_STYLE,
            html,
        )

    def save_model(self, request, obj: NotificationTemplate, form: TemplateForm, change: bool):
        """Store through ``notifications.editing``, exactly as the API's POSTs do."""
        account = obj.account
        editing.replace(account, obj.template_id, storable(form.document()))
        owned = own_bodies(obj)
        for content_type, name in BODY_FIELDS.items():
            source = form.cleaned_data.get(name) or ""
            if source and source != owned.get(content_type):
                editing.upload_body(account, obj.template_id, content_type, source)
            elif not source and content_type in owned:
                editing.delete_body(account, obj.template_id, content_type)


def body_origin(obj: NotificationTemplate, resolved: Resolved | None, content_type: str) -> str:
    body = resolved.bodies.get(content_type) if resolved else None
    if body is None:
        return "none at any level"
    if body.account_id is None:
        return "the system default" if obj.account_id else "this template"
    if body.account_id == obj.account_id:
        return "this account's own"
    owner = Account.objects.filter(pk=body.account_id).values_list("name", flat=True).first()
    return f"inherited from {owner}"


# --- customer_update broadcasts: read-only (the rows live in the delivery log) ---------------


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
