"""Query-string filters of the delivery log (SPEC-channels §8 "Reading the log").

``channel``, ``status``, ``gateway_id``, ``template_id``, ``to``, ``provider_message_id`` and
``include_descendants``. Like the SMTP log's filter set (whose error shapes it reuses), it
scopes the rows to the account or its subtree itself, so a view cannot forget to.
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Account
from accounts.tenancy import subtree
from notifications.addresses import CHANNEL_NAME
from smtplog.filters import StrictBooleanFilter, _rule, recipient_q
from smtplog.models import SmtpLog, Status

HEX_ID = r"^[0-9a-f]{32}$"


class RegexFilter(django_filters.CharFilter):
    """A value that must match ``regex`` (a mismatch is Kazoo's ``wrong_format``)."""

    field_class = forms.RegexField


class DeliveryFilter(django_filters.FilterSet):
    channel = RegexFilter(regex=CHANNEL_NAME.pattern)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    gateway_id = RegexFilter(regex=HEX_ID)
    template_id = django_filters.CharFilter(max_length=128)
    to = django_filters.CharFilter(method="filter_to", max_length=254)
    provider_message_id = django_filters.CharFilter(max_length=255)
    include_descendants = StrictBooleanFilter(method="keep")  # scoping: filter_queryset

    class Meta:
        model = SmtpLog
        fields = []

    def __init__(self, data: Any, *, account: Account, **kwargs: Any):
        super().__init__(data, queryset=SmtpLog.objects.all(), **kwargs)
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
        """A non-email row's one address, or any To/Cc/Bcc address of an email row."""
        return queryset.filter(Q(to=value) | recipient_q(value))

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def kazoo_errors(self) -> dict:
        """The form's errors as Kazoo validation errors keyed by field and rule."""
        errors: dict[str, dict] = {}
        for name, problems in self.form.errors.as_data().items():
            value = self.form.data.get(name)
            field = self.form.fields[name]
            for problem in problems:
                if problem.code == "invalid" and isinstance(field, forms.RegexField):
                    rule, detail = (
                        "wrong_format",
                        {
                            "message": "Field is not in the correct format",
                            "value": value,
                            "pattern": field.regex.pattern,
                        },
                    )
                else:
                    rule, detail = _rule(field, problem, value)
                errors.setdefault(name, {})[rule] = detail
        return errors
