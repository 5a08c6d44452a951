"""Suppressions of an account and subscriptions of a user (SPEC-channels §10).

Suppressions follow the usual tenancy rule (reads for any token that may act on A, writes
for admins and API keys). Subscriptions belong to a user: its own token reads and writes
them even at ``priv_level: user``; admins of A or an ancestor and API keys may too.
"""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import AccountScopedView, KazooView
from accounts.tenancy import authorize, load_account
from config.errors import KazooError, bad_identifier, field_error, forbidden
from config.ids import is_hex_id
from config.listing import newest_first, text_param
from config.openapi import HEX_ID, PAGINATION_PARAMETERS, array_of, kazoo_operation, query
from config.requests import envelope, payload
from config.validation import validate
from notifications.addresses import InvalidAddress, validate_address
from preferences import services
from preferences.api.serializers import (
    SUBSCRIPTIONS_REQUEST,
    SUBSCRIPTIONS_RESPONSE,
    SUPPRESSION_REQUEST,
    SUPPRESSION_RESPONSE,
    suppression_document,
)
from preferences.models import Reason, Suppression

SUPPRESSION_TAGS = ["suppressions"]
SUBSCRIPTION_TAGS = ["subscriptions"]
SUPPRESSION_ID = OpenApiParameter(
    "suppression_id", HEX_ID, OpenApiParameter.PATH, description="32-hex suppression id"
)


def _conflict() -> KazooError:
    """As a second override of a template id (SPEC §4.3): Kazoo's datastore conflict."""
    return KazooError(409, "datastore_conflict", {"message": "conflicting documents"})


def _clean_suppression(data: dict) -> tuple[str, str]:
    validate(SUPPRESSION_REQUEST, data)
    channel = data["channel"]
    try:
        validate_address(channel, data["address"])
    except InvalidAddress as exc:
        raise field_error("address", "wrong_format", str(exc), value=data["address"]) from None
    return channel, services.normal_address(channel, data["address"])


class SuppressionsView(AccountScopedView):
    """``/v2/accounts/{A}/suppressions``."""

    @kazoo_operation(
        "List an account's suppressions",
        description="Newest first. Suppressions of A and of its ancestors apply to sends by "
        "A; this list shows A's own.",
        response=array_of(SUPPRESSION_RESPONSE),
        parameters=[query("channel", str, "only this channel"), *PAGINATION_PARAMETERS],
        tags=SUPPRESSION_TAGS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        rows = Suppression.objects.filter(account=self.account)
        channel = text_param(request, "channel", 32)
        if channel is not None:
            rows = rows.filter(channel=channel)
        page, envelope_keys = newest_first(request, rows, "created_at")
        response = Response([suppression_document(row) for row in page])
        response.envelope = envelope_keys
        return response

    @kazoo_operation(
        "Suppress an address",
        description="No send by A or its descendants reaches it on that channel; `reason` is "
        '`"manual"`. The address must be valid for the channel; one already suppressed → 409.',
        request=SUPPRESSION_REQUEST,
        response=SUPPRESSION_RESPONSE,
        status=201,
        errors=[409],
        tags=SUPPRESSION_TAGS,
    )
    def put(self, request: Request, account_id: str) -> Response:
        channel, address = _clean_suppression(payload(request))
        try:
            with transaction.atomic():
                row = Suppression.objects.create(
                    account=self.account, channel=channel, address=address, reason=Reason.MANUAL
                )
        except IntegrityError:
            raise _conflict() from None
        return Response(suppression_document(row), status=201)


class SuppressionView(AccountScopedView):
    """``/v2/accounts/{A}/suppressions/{id}``: only A's own."""

    def find(self, suppression_id: str) -> Suppression:
        row = None
        if is_hex_id(suppression_id):
            row = Suppression.objects.filter(account=self.account, pk=suppression_id).first()
        if row is None:
            raise bad_identifier(suppression_id)
        return row

    @kazoo_operation(
        "Read a suppression",
        response=SUPPRESSION_RESPONSE,
        parameters=[SUPPRESSION_ID],
        tags=SUPPRESSION_TAGS,
    )
    def get(self, request: Request, account_id: str, suppression_id: str) -> Response:
        return Response(suppression_document(self.find(suppression_id)))

    @kazoo_operation(
        "Lift a suppression",
        response=SUPPRESSION_RESPONSE,
        parameters=[SUPPRESSION_ID],
        tags=SUPPRESSION_TAGS,
    )
    def delete(self, request: Request, account_id: str, suppression_id: str) -> Response:
        row = self.find(suppression_id)
        answer = suppression_document(row)
        row.delete()
        return Response(answer)


def _rules(request: Request) -> list:
    """The request's ``data``: the whole new set of rules (an array, unlike most bodies)."""
    body = envelope(request)
    if "data" not in body:
        raise field_error("data", "required", "Field is required but missing", value="data")
    validate(SUBSCRIPTIONS_REQUEST, body["data"])
    return body["data"]


class SubscriptionsView(KazooView):
    """``/v2/accounts/{A}/users/{U}/subscriptions``."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        account = load_account(kwargs["account_id"])
        principal = self.require_principal()
        authorize(principal, account, write=False)
        user_id = kwargs["user_id"]
        self.target = None
        if is_hex_id(user_id):
            self.target = User.objects.filter(account=account, pk=user_id).first()
        if self.target is None:
            raise bad_identifier(user_id)
        is_self = principal.user is not None and principal.user.pk == self.target.pk
        if not is_self and not principal.can_write:
            raise forbidden()
        self.account = account

    @kazoo_operation(
        "List a user's subscriptions",
        description="Rules `{template_id, channel, subscribed}`; `*` matches any. Without a "
        "rule a user is subscribed. Readable by the user itself and by admins.",
        response=SUBSCRIPTIONS_RESPONSE,
        tags=SUBSCRIPTION_TAGS,
    )
    def get(self, request: Request, account_id: str, user_id: str) -> Response:
        return Response(services.subscription_rules(self.target))

    @kazoo_operation(
        "Replace a user's subscriptions",
        description="The array becomes the user's whole set. Unknown template ids or "
        "channels → `N.template_id` / `N.channel` `not_found`. The most specific rule "
        "wins: (id, channel), (id, *), (*, channel), (*, *).",
        request=SUBSCRIPTIONS_REQUEST,
        response=SUBSCRIPTIONS_RESPONSE,
        tags=SUBSCRIPTION_TAGS,
    )
    def post(self, request: Request, account_id: str, user_id: str) -> Response:
        rules = _rules(request)
        services.check_subscription_rules(self.account, rules)
        return Response(services.replace_subscriptions(self.target, rules))
