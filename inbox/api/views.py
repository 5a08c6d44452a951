"""The inbox API (SPEC-channels §13.3) under ``/v2/accounts/{A}/users/{U}/inbox``.

Checks in Kazoo's order: the account (404, then the tenancy rule's 403), the user (404),
then the inbox rule of ``inbox.access`` (403), then the message (404).
"""

from datetime import UTC
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import AccountScopedView
from config.errors import bad_identifier, field_error, forbidden
from config.ids import is_hex_id
from config.openapi import PAGINATION_PARAMETERS, array_of, kazoo_operation, query
from config.pagination import decode_key, paginate
from config.requests import payload
from config.validation import validate
from inbox import access, services
from inbox.api.serializers import (
    MARK_SCHEMA,
    MESSAGE_RESPONSE,
    READ_ALL_RESPONSE,
    message_data,
)
from inbox.models import InboxMessage

ORDERING = ("-created_at", "-id")


def page_key(message: InboxMessage) -> list[str]:
    return [message.created_at.isoformat(), message.id]


def _is_page_key(raw: str) -> bool:
    """Only our own tokens: anything else handed to the ORM as a datetime would be a 500."""
    values = decode_key(raw)
    if len(values) != 2 or not all(isinstance(value, str) for value in values):
        return False
    try:
        moment = parse_datetime(values[0])
        if moment is None or moment.tzinfo is None:
            return False
        moment.astimezone(UTC)  # OverflowError beyond what the database can hold
    except (ValueError, OverflowError):
        return False
    return True


def check_start_key(request: Request) -> None:
    raw = request.query_params.get("start_key")
    if raw and not _is_page_key(raw):
        message = "Field is not in the correct format"
        raise field_error("start_key", "wrong_format", message, value=raw)


def unread_only(request: Request) -> bool:
    raw = request.query_params.get("unread")
    if raw is None or raw.lower() == "false":
        return False
    if raw.lower() == "true":
        return True
    message = "Value did not match type(s): boolean"
    raise field_error("unread", "type", message, target="boolean", value=raw)


class InboxView(AccountScopedView):
    """Base: sets ``self.owner`` (the inbox's user) once the caller may look at it."""

    owner: User

    def is_write(self, request: Request) -> bool:
        # The tenancy rule would refuse POSTs from priv_level users; the inbox rule decides.
        return False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        user_id = kwargs["user_id"]
        owner = None
        if is_hex_id(user_id):
            owner = User.objects.filter(account=self.account, pk=user_id).first()
        if owner is None:
            raise bad_identifier(user_id)
        if not access.may_read(self.principal, owner):
            raise forbidden()
        if request.method not in SAFE_METHODS and not access.may_mark(self.principal, owner):
            raise forbidden()
        self.owner = owner


class InboxListView(InboxView):
    @kazoo_operation(
        "List a user's inbox",
        description=(
            "Newest first. `unread=true`: only unread messages. The envelope carries "
            "`unread_count` (all the user's unread messages) beside `page_size`. "
            "The user's own token, admins of the account and its ancestors, and API-key "
            "tokens may read."
        ),
        response=array_of(MESSAGE_RESPONSE),
        parameters=[query("unread", bool, "true: only unread messages"), *PAGINATION_PARAMETERS],
    )
    def get(self, request: Request, account_id: str, user_id: str) -> Response:
        only_unread = unread_only(request)
        check_start_key(request)
        queryset = services.messages_of(self.owner, unread_only=only_unread)
        rows, envelope = paginate(request, queryset, ORDERING, page_key)
        response = Response([message_data(row) for row in rows])
        response.envelope = {**envelope, "unread_count": services.unread_count(self.owner)}
        return response


class InboxMessageView(InboxView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        message_id = kwargs["message_id"]
        message = None
        if is_hex_id(message_id):
            message = services.messages_of(self.owner).filter(pk=message_id).first()
        if message is None:
            raise bad_identifier(message_id)
        self.message = message

    @kazoo_operation("Read an inbox message", response=MESSAGE_RESPONSE)
    def get(self, request: Request, account_id: str, user_id: str, message_id: str) -> Response:
        return Response(message_data(self.message))

    @kazoo_operation(
        "Mark an inbox message read or unread",
        description="Only the user's own token may mark (admins read only).",
        request=MARK_SCHEMA,
        response=MESSAGE_RESPONSE,
    )
    def post(self, request: Request, account_id: str, user_id: str, message_id: str) -> Response:
        data = payload(request)
        validate(MARK_SCHEMA, data)
        return Response(message_data(services.mark(self.message, data["read"])))


class InboxReadAllView(InboxView):
    @kazoo_operation(
        "Mark every message of a user's inbox read",
        description="Only the user's own token may mark (admins read only).",
        response=READ_ALL_RESPONSE,
    )
    def post(self, request: Request, account_id: str, user_id: str) -> Response:
        marked = services.mark_all_read(self.owner)
        return Response({"marked_read": marked, "unread_count": services.unread_count(self.owner)})
