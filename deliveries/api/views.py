"""The delivery log API (SPEC-channels §8): every channel's rows of an account.

List and detail read; ``retry`` puts a failed row back in the queue. The list reuses the
SMTP log's ``created_from``/``created_to`` rules and keyset pagination; ``/smtplog`` itself
keeps showing email rows only.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import AccountScopedView
from config.errors import KazooError, ValidationFailed, bad_identifier
from config.ids import is_hex_id
from config.openapi import PAGINATION_PARAMETERS, array_of, kazoo_operation, query
from deliveries import log
from deliveries.api.serializers import (
    DETAIL_RESPONSE,
    ENTRY_RESPONSE,
    RETRY_RESPONSE,
    STATUS,
    detail,
    entry,
)
from deliveries.filters import DeliveryFilter
from gateways import services as gateway_services
from smtplog.api.views import created_range, moment, paginate_log
from smtplog.models import SmtpLog

TAGS = ["deliveries"]
_HEX = {"type": "string", "pattern": "^[0-9a-f]{32}$"}

LIST_PARAMETERS = [
    query("created_from", int, "Gregorian seconds; default created_to - 2682000"),
    query("created_to", int, "Gregorian seconds; default now"),
    query("channel", {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}, "only this channel"),
    query("status", STATUS, "only this status"),
    query("gateway_id", _HEX, "only rows sent through this gateway"),
    query("template_id", {"type": "string", "maxLength": 128}, "only this template"),
    query("to", {"type": "string", "maxLength": 254}, "the address (email: To, Cc or Bcc)"),
    query("provider_message_id", {"type": "string", "maxLength": 255}, "the provider's id"),
    query("include_descendants", bool, "also the descendants' rows (entries carry account_id)"),
    *PAGINATION_PARAMETERS,
]


def not_failed(row: SmtpLog) -> KazooError:
    message = f"only a failed delivery can be retried; this one is {row.status}"
    return KazooError(409, "conflict", {"status": {"not_failed": {"message": message}}})


class DeliveryListView(AccountScopedView):
    """``GET /v2/accounts/{A}/deliveries``."""

    @kazoo_operation(
        "List an account's deliveries on every channel",
        description="Newest first, within `created_from`..`created_to` (at most 2682000 s "
        "apart), with start_key pagination (extension).",
        response=array_of(ENTRY_RESPONSE),
        parameters=LIST_PARAMETERS,
        tags=TAGS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        created_from, created_to = created_range(request)
        filterset = DeliveryFilter(request.query_params, account=self.account)
        if not filterset.is_valid():
            raise ValidationFailed(filterset.kazoo_errors())
        queryset = filterset.qs.filter(
            created__gte=moment(created_from), created__lt=moment(created_to + 1)
        )
        rows, envelope = paginate_log(request, queryset)
        with_account = filterset.includes_descendants
        response = Response([entry(row, with_account=with_account) for row in rows])
        response.envelope = envelope
        return response


class DeliveryLookup(AccountScopedView):
    def find(self, delivery_id: str) -> SmtpLog:
        """One of A's own rows (a descendant's row is read under its own account)."""
        row = None
        if is_hex_id(delivery_id):
            row = SmtpLog.objects.filter(account=self.account, pk=delivery_id).first()
        if row is None:
            raise bad_identifier(delivery_id)
        return row


class DeliveryDetailView(DeliveryLookup):
    """``GET /v2/accounts/{A}/deliveries/{delivery_id}``."""

    @kazoo_operation("Read a delivery", response=DETAIL_RESPONSE, tags=TAGS)
    def get(self, request: Request, account_id: str, delivery_id: str) -> Response:
        return Response(detail(self.find(delivery_id)))


class DeliveryRetryView(DeliveryLookup):
    """``POST /v2/accounts/{A}/deliveries/{delivery_id}/retry``."""

    @kazoo_operation(
        "Retry a failed delivery",
        description="A `failed` row goes back to `queued` with attempts reset → 202. Any "
        'other status → 409 `{"status":{"not_failed":…}}`.',
        response=RETRY_RESPONSE,
        status=202,
        errors=[409],
        tags=TAGS,
    )
    def post(self, request: Request, account_id: str, delivery_id: str) -> Response:
        row = self.find(delivery_id)
        held = gateway_services.holds(row.gateway_id, row.force)
        if not log.retry(row.pk, held=held):
            row.refresh_from_db(fields=["status"])
            raise not_failed(row)
        row.refresh_from_db()
        return Response(entry(row), status=202)
