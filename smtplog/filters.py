"""Query-string filters of the SMTP log list (SPEC §6, extension to Kazoo).

``template_id``, ``status``, ``to`` (any To/Cc/Bcc recipient) and ``include_descendants``.
The filter set also scopes the rows to the account (or its subtree), so a view cannot
forget to. Invalid values are reported in Kazoo's ``{field: {rule: {...}}}`` shape.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Account
from accounts.tenancy import subtree
from smtplog.models import EMAIL_STATUSES, SmtpLog


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` only: a typo must be a 400, never silently ignored."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise forms.ValidationError("Value did not match type(s): boolean", code="type")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class EmailFilter(django_filters.CharFilter):
    field_class = forms.EmailField


def recipient_q(address: str) -> Q:
    """Rows whose space-separated ``recipients`` contain ``address`` as a whole word.

    Plain (i)exact/startswith/endswith/contains lookups rather than a regex: portable,
    and Django escapes ``%`` and ``_`` in them.
    """
    return (
        Q(recipients__iexact=address)
        | Q(recipients__istartswith=f"{address} ")
        | Q(recipients__iendswith=f" {address}")
        | Q(recipients__icontains=f" {address} ")
    )


class SmtpLogFilter(django_filters.FilterSet):
    template_id = django_filters.CharFilter(max_length=128)
    status = django_filters.ChoiceFilter(choices=EMAIL_STATUSES)
    to = EmailFilter(method="filter_to", max_length=254)
    include_descendants = StrictBooleanFilter(method="keep")  # scoping: filter_queryset

    class Meta:
        model = SmtpLog
        fields = []

    def __init__(self, data: Any, *, account: Account, **kwargs: Any):
        super().__init__(data, queryset=SmtpLog.email_rows(), **kwargs)
        self.account = account

    @property
    def includes_descendants(self) -> bool:
        return bool(self.form.cleaned_data.get("include_descendants"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.includes_descendants:
            queryset = queryset.filter(account__in=subtree(self.account))
        else:
            queryset = queryset.filter(account=self.account)
        return super().filter_queryset(queryset)

    def filter_to(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(recipient_q(value))

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def kazoo_errors(self) -> dict:
        """The form's errors as Kazoo validation errors keyed by field and rule."""
        errors: dict[str, dict] = {}
        for name, problems in self.form.errors.as_data().items():
            value = self.form.data.get(name)
            for problem in problems:
                rule, detail = _rule(self.form.fields[name], problem, value)
                errors.setdefault(name, {})[rule] = detail
        return errors


def _rule(field: forms.Field, problem: forms.ValidationError, value: Any) -> tuple[str, dict]:
    message = " ".join(problem.messages)
    if problem.code == "invalid_choice":
        allowed = [choice for choice, _ in field.choices if choice]
        return "enum", {
            "message": "Value not found in enumerated list of values",
            "target": allowed,
            "value": value,
        }
    if problem.code == "type":
        return "type", {"message": message, "target": "boolean", "value": value}
    if problem.code == "invalid" and isinstance(field, forms.EmailField):
        return "wrong_format", {
            "message": "Field is not in the correct format",
            "value": value,
            "format": "email",
        }
    if problem.code == "max_length":
        limit = field.max_length
        return "maxLength", {
            "message": f"String must not be more than {limit} characters",
            "target": limit,
            "value": value,
        }
    return problem.code or "invalid", {"message": message, "value": value}
