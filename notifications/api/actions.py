"""Notification actions: preview, send (extension) and the customer_update broadcast."""

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.permissions import AccountScopedView, SystemView
from config.errors import bad_identifier
from config.ids import to_gregorian
from config.openapi import any_of, kazoo_operation, query
from config.requests import payload
from config.validation import validate
from notifications import broadcasts, services
from notifications.api.serializers import (
    BROADCAST_PROGRESS_RESPONSE,
    BROADCAST_RESPONSE,
    CUSTOMER_UPDATE_SCHEMA,
    PREVIEW_SCHEMA,
    RENDERED_RESPONSE,
    SEND_RESPONSE,
    SEND_SCHEMA,
    broadcast_data,
)
from notifications.models import Broadcast
from notifications.send_options import send_options

_SEND = query("send", bool, "(extension) false: render only, send nothing, answer the result")


def _preview_wants_delivery(request: Request, data: dict) -> bool:
    flag = request.query_params.get("send", data.get("send", True))
    return str(flag).lower() not in ("false", "0", "no")


class NotificationPreview:
    """``POST /notifications/{id}/preview``: render with sample data; mail it unless send=false."""

    def scope_for_preview(self) -> Account:
        raise NotImplementedError

    @kazoo_operation(
        "Preview a notification",
        description=(
            "Renders the supplied `subject`, base64 `html` and `plain` (each falling back to "
            "the stored one) with sample macros, mails it to the given addresses and answers "
            '`"Notification processing"`. (extension) With `?send=false` or `"send": false` '
            "nothing is sent and nothing is required: the answer is the rendered result, "
            "with `text/x-sms` too when the template has one or `sms` (raw text) is given."
        ),
        request=PREVIEW_SCHEMA,
        response=any_of({"type": "string", "enum": ["Notification processing"]}, RENDERED_RESPONSE),
        parameters=[_SEND],
    )
    def post(self, request: Request, notification_id: str, **kwargs) -> Response:
        data = payload(request)
        deliver = _preview_wants_delivery(request, data)
        if deliver:
            validate(PREVIEW_SCHEMA, data)
        else:
            validate({**PREVIEW_SCHEMA, "required": []}, data)
        rendered = services.preview(
            self.scope_for_preview(),
            notification_id,
            data,
            deliver=deliver,
            superduper=self.principal.is_superduper,
        )
        if deliver:
            return Response("Notification processing")
        return Response({"subject": rendered.subject, **rendered.bodies})


class SystemPreviewView(NotificationPreview, SystemView):
    def scope_for_preview(self) -> Account:
        return self.principal.account


class AccountPreviewView(NotificationPreview, AccountScopedView):
    def scope_for_preview(self) -> Account:
        return self.account


class SendView(AccountScopedView):
    """``POST /v2/accounts/{A}/notifications/{id}/send`` (extension): queue one delivery."""

    @kazoo_operation(
        "(extension) Send a notification",
        description=(
            "Renders the account's effective template with `macros` and queues its deliveries "
            "on every channel (`channels`, default the template's): 202 with every row id "
            "(email first), `deliveries`, `suppressed`, `skipped` and `invalid_addresses`. "
            "A disabled template answers 200 "
            '`{"status": "disabled"}`. A repeated `idempotency_key` returns the first result.'
        ),
        request=SEND_SCHEMA,
        response=SEND_RESPONSE,
        status=[202, 200],
    )
    def post(self, request: Request, account_id: str, notification_id: str) -> Response:
        data = payload(request)
        validate(SEND_SCHEMA, data)
        outcome = services.send(
            self.account,
            notification_id,
            macros=data.get("macros"),
            addresses={name: data[name] for name in ("to", "cc", "bcc") if name in data},
            reply_to=data.get("reply_to"),
            idempotency_key=data.get("idempotency_key"),
            options=send_options(self.account, data),
        )
        status = 200 if outcome.status == "disabled" else 202
        return Response(outcome.as_data(), status=status)


class CustomerUpdateMessage:
    """``POST .../notifications/customer_update/message``: broadcast to customer accounts."""

    def sender(self) -> Account:
        raise NotImplementedError

    @kazoo_operation(
        "Send a message to customer accounts' users",
        description=(
            "Mails the `customer_update` template (or the supplied parts) to the users of "
            "every direct child account, of `recipient_id`, or (extension, "
            "`include_descendants`) of all descendants. (extension) `channels` adds sms, "
            "internal or custom channels; `by_channel` counts each. Delivery runs in the "
            "background; follow it with the returned `broadcast_id`."
        ),
        request=CUSTOMER_UPDATE_SCHEMA,
        response=BROADCAST_RESPONSE,
    )
    def post(self, request: Request, **kwargs) -> Response:
        data = payload(request)
        validate(CUSTOMER_UPDATE_SCHEMA, data)
        return Response(broadcast_data(broadcasts.start(self.sender(), data)))


class AccountCustomerUpdateView(CustomerUpdateMessage, AccountScopedView):
    def sender(self) -> Account:
        return self.account


class SystemCustomerUpdateView(CustomerUpdateMessage, SystemView):
    """The system path: superduper only, the sender is the caller's (master) account."""

    def sender(self) -> Account:
        return self.principal.account


def progress_data(broadcast: Broadcast) -> dict:
    """A broadcast, its counts per channel and its rows by status, overall and per channel."""
    per_channel = broadcasts.channel_status_counts(broadcast)
    data = broadcast_data(broadcast)
    data["by_channel"] = {
        channel: {**counts, "status": per_channel.get(channel, {})}
        for channel, counts in (broadcast.by_channel or {}).items()
    }
    return {
        **data,
        "created": to_gregorian(broadcast.created),
        "fanout_complete": broadcast.finished is not None,
        "status": broadcasts.status_counts(broadcast),
    }


class BroadcastView(AccountScopedView):
    """``GET .../customer_update/message/{id}`` (extension): a broadcast and its progress."""

    @kazoo_operation(
        "(extension) Look up a customer_update broadcast",
        description=(
            "Counts of the broadcast's deliveries by status (overall and per channel), "
            "and whether fan-out ended."
        ),
        response=BROADCAST_PROGRESS_RESPONSE,
    )
    def get(self, request: Request, account_id: str, broadcast_id: str) -> Response:
        return Response(progress_data(self.find(broadcasts.TEMPLATE_ID, broadcast_id)))

    def find(self, template_id: str, broadcast_id: str) -> Broadcast:
        broadcast = Broadcast.objects.filter(
            account=self.account, template_id=template_id, pk=broadcast_id
        ).first()
        if broadcast is None:
            raise bad_identifier(broadcast_id)
        return broadcast


class TemplateBroadcastView(AccountScopedView):
    """``POST .../notifications/{id}/broadcast`` (extension): mass mailing of one template."""

    @kazoo_operation(
        "(extension) Broadcast a notification to customer accounts' users",
        description=(
            "Sends the account's effective template `{id}` (or the supplied parts) to the "
            "users of the same targets as customer_update, on `channels` (default "
            '`["email"]`). 202 with the counts per channel; follow it with '
            "`GET …/broadcast/{broadcast_id}`."
        ),
        request=CUSTOMER_UPDATE_SCHEMA,
        response=BROADCAST_RESPONSE,
        status=[202],
    )
    def post(self, request: Request, account_id: str, notification_id: str) -> Response:
        data = payload(request)
        validate(CUSTOMER_UPDATE_SCHEMA, data)
        broadcast = broadcasts.start(self.account, data, notification_id)
        return Response(broadcast_data(broadcast), status=202)


class TemplateBroadcastProgressView(BroadcastView):
    """``GET .../notifications/{id}/broadcast/{broadcast_id}`` (extension): its progress."""

    @kazoo_operation(
        "(extension) Look up a notification broadcast",
        description=(
            "Counts of the broadcast's deliveries by status (overall and per channel), "
            "and whether fan-out ended."
        ),
        response=BROADCAST_PROGRESS_RESPONSE,
    )
    def get(
        self, request: Request, account_id: str, notification_id: str, broadcast_id: str
    ) -> Response:
        return Response(progress_data(self.find(notification_id, broadcast_id)))
