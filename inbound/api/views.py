"""``/v2/accounts/{A}/inbound_messages``: what customers sent to A's gateways, read-only.

Messages of system gateways (no owner) appear in the master account's list, so only
superduper sees them.
"""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.permissions import AccountScopedView
from accounts.tenancy import subtree
from config.errors import bad_identifier
from config.ids import is_hex_id
from config.listing import bool_param, newest_first, text_param
from config.openapi import HEX_ID, PAGINATION_PARAMETERS, array_of, kazoo_operation, query
from inbound.api.serializers import MESSAGE_RESPONSE, message_document
from inbound.models import InboundMessage

TAGS = ["inbound_messages"]
MESSAGE_ID = OpenApiParameter(
    "message_id", HEX_ID, OpenApiParameter.PATH, description="32-hex inbound message id"
)


def visible_messages(account: Account, *, include_descendants: bool = False) -> QuerySet:
    """A's messages (and its descendants'); the master's include the system gateways'."""
    scope = Q(account__in=subtree(account)) if include_descendants else Q(account=account)
    if account.is_master:
        scope |= Q(account__isnull=True)
    return InboundMessage.objects.filter(scope)


def _filtered(request: Request, rows: QuerySet) -> QuerySet:
    for param, column, limit in (
        ("channel", "channel", 32),
        ("from", "sender", 254),
        ("gateway_id", "gateway_id", 32),
    ):
        value = text_param(request, param, limit)
        if value is not None:
            rows = rows.filter(**{column: value})
    return rows


class InboundMessagesView(AccountScopedView):
    @kazoo_operation(
        "List inbound messages",
        description="Messages received on A's gateways, newest first. Filters `channel`, "
        "`from`, `gateway_id`; `include_descendants=true` adds the descendants' messages.",
        response=array_of(MESSAGE_RESPONSE),
        parameters=[
            query("channel", str, "only this channel"),
            query("from", str, "only from this sender address"),
            query("gateway_id", str, "only received on this gateway"),
            query("include_descendants", bool, "also the descendants' messages"),
            *PAGINATION_PARAMETERS,
        ],
        tags=TAGS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        include = bool_param(request, "include_descendants")
        rows = _filtered(request, visible_messages(self.account, include_descendants=include))
        page, envelope = newest_first(request, rows, "received_at")
        response = Response([message_document(row) for row in page])
        response.envelope = envelope
        return response


class InboundMessageView(AccountScopedView):
    @kazoo_operation(
        "Read an inbound message",
        response=MESSAGE_RESPONSE,
        parameters=[MESSAGE_ID],
        tags=TAGS,
    )
    def get(self, request: Request, account_id: str, message_id: str) -> Response:
        row = None
        if is_hex_id(message_id):
            row = visible_messages(self.account).filter(pk=message_id).first()
        if row is None:
            raise bad_identifier(message_id)
        return Response(message_document(row))
