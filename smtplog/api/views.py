"""The SMTP log API (kazoo-reference §3.11): an account's deliveries, newest first, and one entry.

The log is read-only through the API; every other method is a 405 from ``KazooView``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import AccountScopedView, KazooView
from config.errors import ValidationFailed, bad_identifier, field_error, not_found
from config.ids import GREGORIAN_OFFSET, is_hex_id, now_gregorian
from config.openapi import PAGINATION_PARAMETERS, array_of, kazoo_operation, query
from config.pagination import decode_key, encode_key, paginate
from config.requests import request_value
from smtplog.api.serializers import (
    LOG_DETAIL_RESPONSE,
    LOG_ENTRY_RESPONSE,
    STATUS,
    detail,
    list_entry,
)
from smtplog.filters import SmtpLogFilter
from smtplog.models import SmtpLog

MAX_RANGE = 2_682_000  # crossbar.maximum_range: 31 days + 1 hour
ORDERING = ("-created", "-id")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _positive_int(value: Any) -> int | None:
    """Kazoo's ``get_time_key``: an integer above zero, anything else means "use the default"."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def created_range(request: Request) -> tuple[int, int]:
    """``(created_from, created_to)`` in Gregorian seconds, checked like crossbar_view."""
    created_to = _positive_int(request_value(request, "created_to")) or now_gregorian()
    created_from = _positive_int(request_value(request, "created_from"))
    if created_from is None:
        created_from = created_to - MAX_RANGE
    if created_to < created_from:
        message = f"created_to {created_to} is prior to created_from {created_from}"
        raise field_error("created_from", "date_range", message, cause=created_from)
    if created_to - created_from > MAX_RANGE:
        message = (
            f"created_to {created_to} is more than {MAX_RANGE} seconds "
            f"from created_from {created_from}"
        )
        raise field_error("created_from", "date_range", message, cause=created_to)
    return created_from, created_to


def moment(gregorian: int) -> datetime:
    """Gregorian seconds as a datetime, clamped to what Python (and the database) can hold."""
    try:
        return _EPOCH + timedelta(seconds=gregorian - GREGORIAN_OFFSET)
    except OverflowError:
        return _LATEST if gregorian > GREGORIAN_OFFSET else _EARLIEST


def page_key(row: SmtpLog) -> list[str]:
    return [row.created.isoformat(), row.id]


@dataclass(frozen=True)
class _PageRequest:
    """What ``config.pagination.paginate`` reads from a request: only ``query_params``."""

    query_params: QueryDict


def _bad_start_key(raw: str) -> ValidationFailed:
    return field_error("start_key", "wrong_format", "Field is not in the correct format", value=raw)


def _is_datetime(value: Any) -> bool:
    try:
        return isinstance(value, str) and parse_datetime(value) is not None
    except ValueError:  # well-formed but impossible, e.g. month 13
        return False


def normalised_start_key(raw: str) -> str:
    """Our ``next_start_key`` token as is; a raw Gregorian-seconds key as an equivalent token.

    Anything else is a 400: handing garbage to the ORM as a datetime would be a 500.
    """
    values = decode_key(raw)
    if (
        len(values) in (1, 2)
        and all(isinstance(v, str) for v in values)
        and _is_datetime(values[0])
    ):
        return raw
    seconds = _positive_int(values[0]) if len(values) == 1 else None
    if seconds is None:
        raise _bad_start_key(raw)
    # "Newest first, starting at second S": everything created before S + 1.
    last = moment(seconds + 1)
    if last > _EARLIEST:
        last -= timedelta(microseconds=1)
    return encode_key([last.isoformat()])


def paginate_log(request: Request, queryset) -> tuple[list[SmtpLog], dict]:
    raw = request.query_params.get("start_key")
    if not raw:
        return paginate(request, queryset, ORDERING, page_key)
    params = request.query_params.copy()
    params["start_key"] = normalised_start_key(raw)
    rows, envelope = paginate(_PageRequest(params), queryset, ORDERING, page_key)
    if "start_key" in envelope:
        envelope["start_key"] = raw
    return rows, envelope


LIST_PARAMETERS = [
    query("created_from", int, "Gregorian seconds; default created_to - 2682000"),
    query("created_to", int, "Gregorian seconds; default now"),
    query("template_id", {"type": "string", "maxLength": 128}, "(extension) only this template"),
    query("status", STATUS, "(extension) only this delivery status"),
    query("to", {"type": "string", "format": "email"}, "(extension) a To, Cc or Bcc address"),
    query("include_descendants", bool, "(extension) also the descendants' entries"),
    *PAGINATION_PARAMETERS,
]


class SmtpLogListView(AccountScopedView):
    """``GET /v2/accounts/{A}/notifications/smtplog``."""

    @kazoo_operation(
        "List an account's SMTP log",
        description=(
            "Newest first, within `created_from`..`created_to` (at most 2682000 s apart). "
            "(extension) Filters: `template_id`, `status`, `to`, and `include_descendants` "
            "(entries then carry `account_id`)."
        ),
        response=array_of(LOG_ENTRY_RESPONSE),
        parameters=LIST_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        created_from, created_to = created_range(request)
        filterset = SmtpLogFilter(request.query_params, account=self.account)
        if not filterset.is_valid():
            raise ValidationFailed(filterset.kazoo_errors())
        queryset = filterset.qs.filter(
            created__gte=moment(created_from), created__lt=moment(created_to + 1)
        )
        rows, envelope = paginate_log(request, queryset)
        with_account = filterset.includes_descendants
        response = Response([list_entry(row, with_account=with_account) for row in rows])
        response.envelope = envelope
        return response


class SmtpLogDetailView(AccountScopedView):
    """``GET /v2/accounts/{A}/notifications/smtplog/{log_id}``: only A's own entries."""

    @kazoo_operation("Read an SMTP log entry", response=LOG_DETAIL_RESPONSE)
    def get(self, request: Request, account_id: str, log_id: str) -> Response:
        row = None
        if is_hex_id(log_id):
            row = SmtpLog.email_rows().filter(account=self.account, pk=log_id).first()
        if row is None:
            raise bad_identifier(log_id)
        return Response(detail(row, superduper=self.principal.is_superduper))


class NoAccountSmtpLogView(KazooView):
    """``/v2/notifications/smtplog[/…]``: logs belong to accounts; Kazoo crashes here (§6.14)."""

    schema = None  # always 404: not part of the documented API

    def missing(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise not_found()

    get = put = post = patch = delete = missing
