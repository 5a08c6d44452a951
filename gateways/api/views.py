"""Gateway endpoints (SPEC-channels §3), bound to the system path and to account paths.

Each endpoint is one class holding the behaviour, bound twice like the notifications
views: ``/v2/gateways…`` (scope None: system gateways, superduper writes) and
``/v2/accounts/{A}/gateways…`` (scope A: A's own gateways in full, the inherited ones in
the reduced view). The work itself lives in ``gateways.services``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from accounts.permissions import AccountScopedView, KazooView, SystemView
from config.errors import KazooError, bad_identifier, field_error, forbidden
from config.ids import is_hex_id
from config.openapi import OBJECT, array_of, kazoo_operation, query
from config.requests import payload
from config.throttling import WebhookRateThrottle
from gateways import documents, inbound, selection, services
from gateways.api.serializers import (
    CHECK_RESPONSE,
    EVENT_RESPONSE,
    GATEWAY_REQUEST,
    GATEWAY_RESPONSE,
    GATEWAY_UPDATE,
    KIND_RESPONSE,
    TEST_REQUEST,
    TEST_RESPONSE,
    WEBHOOK_RESPONSE,
)
from gateways.kinds import get_kind, kind_names
from gateways.models import Gateway

TAGS = ["gateways"]
_CHANNEL = query("channel", str, "only gateways of this channel")


def _not_supported() -> KazooError:
    return field_error("action", "not_supported", "This gateway does not support the action")


class GatewayScope:
    """Finding gateways for the scope (an account, or None for the system)."""

    principal: object
    scope: Callable[[], Account | None]  # from the base view: the account, or None

    def full_set(self) -> QuerySet[Gateway]:
        """Gateways shown in full here: the scope's own (system ones: superduper only)."""
        account = self.scope()
        if account is None:
            if not self.principal.is_superduper:
                return Gateway.objects.none()
            return Gateway.objects.alive().filter(account__isnull=True)
        return Gateway.objects.alive().filter(account=account)

    def reduced_set(self) -> QuerySet[Gateway]:
        """Gateways shown in the reduced view: inherited ones (system ones for others)."""
        account = self.scope()
        if account is None:
            if self.principal.is_superduper:
                return Gateway.objects.none()
            return Gateway.objects.alive().filter(account__isnull=True, inherit=True, enabled=True)
        return selection.inherited(account)

    def find(self, gateway_id: str) -> tuple[Gateway, bool]:
        """(gateway, shown in full); 404 unless owned here or visible from here."""
        if not is_hex_id(gateway_id):
            raise bad_identifier(gateway_id)
        gateway = self.full_set().filter(pk=gateway_id).first()
        if gateway is not None:
            return gateway, True
        gateway = self.reduced_set().filter(pk=gateway_id).first()
        if gateway is None:
            raise bad_identifier(gateway_id)
        return gateway, False

    def find_own(self, gateway_id: str) -> Gateway:
        """A gateway this scope may change: a visible inherited one → 403, else 404."""
        gateway, owned = self.find(gateway_id)
        if not owned:
            raise forbidden()
        return gateway


class SystemWrites(SystemView):
    """System paths: superduper writes, and only with an admin or API-key token."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if self.is_write(request) and not self.principal.can_write:
            raise forbidden()

    def scope(self) -> Account | None:
        return None


class AccountScope(AccountScopedView):
    def scope(self) -> Account | None:
        return self.account


# --- Endpoints ------------------------------------------------------------------------------


class GatewayKindsView(KazooView):
    @kazoo_operation(
        "List gateway kinds",
        description="Each kind with its features and settings JSON schema; vendors with "
        "their metadata (extension).",
        response=array_of(KIND_RESPONSE),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        self.require_principal()
        return Response([get_kind(name).describe() for name in kind_names()])


class GatewaysCollection(GatewayScope):
    @kazoo_operation(
        "List gateways",
        description="Own gateways in full (secrets obscured), then the inherited ones in "
        "the reduced view; each part by channel then name (extension).",
        response=array_of(GATEWAY_RESPONSE),
        parameters=[_CHANNEL],
        tags=TAGS,
    )
    def get(self, request: Request, **kwargs) -> Response:
        channel = request.query_params.get("channel")
        own, inherited = self.full_set(), self.reduced_set()
        if channel is not None:
            own, inherited = own.filter(channel=channel), inherited.filter(channel=channel)
        entries = [documents.full_view(g) for g in own.order_by("channel", "name", "created_at")]
        entries += [
            documents.reduced_view(g) for g in inherited.order_by("channel", "name", "created_at")
        ]
        response = Response(entries)
        response.envelope = {"page_size": len(entries)}
        return response

    @kazoo_operation(
        "Create a gateway",
        request=GATEWAY_REQUEST,
        response=GATEWAY_RESPONSE,
        status=201,
        tags=TAGS,
    )
    def put(self, request: Request, **kwargs) -> Response:
        gateway = services.create(self.scope(), payload(request))
        return Response(documents.full_view(gateway), status=201)


class GatewayDocument(GatewayScope):
    @kazoo_operation(
        "Get a gateway",
        description="Own: the full document. An inherited one: the reduced view.",
        response=GATEWAY_RESPONSE,
        tags=TAGS,
    )
    def get(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway, owned = self.find(gateway_id)
        view = documents.full_view if owned else documents.reduced_view
        return Response(view(gateway))

    @kazoo_operation(
        "Update a gateway",
        description="Fields given replace the stored ones; `kind` may not change.",
        request=GATEWAY_UPDATE,
        response=GATEWAY_RESPONSE,
        tags=TAGS,
    )
    def post(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway = services.update(self.find_own(gateway_id), payload(request))
        return Response(documents.full_view(gateway))

    @kazoo_operation("Delete a gateway", response=GATEWAY_RESPONSE, tags=TAGS)
    def delete(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway = self.find_own(gateway_id)
        answer = documents.full_view(gateway)
        services.delete(gateway)
        return Response(answer)


class GatewayCheck(GatewayScope):
    @kazoo_operation(
        "Check a gateway's connection",
        description='`{"ok": true}` or `{"ok": false, "error", "http_status"}`; updates '
        "`last_error`.",
        response=CHECK_RESPONSE,
        tags=TAGS,
    )
    def post(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway = self.find_own(gateway_id)
        if not services.supports_check(gateway.kind, gateway.settings):
            raise _not_supported()
        return Response(services.check_saved(gateway).as_dict())


class UnsavedCheck(GatewayScope):
    @kazoo_operation(
        "Check an unsaved gateway's connection",
        description="The same check on a gateway document that is not stored.",
        request={**GATEWAY_UPDATE, "required": ["kind"]},
        response=CHECK_RESPONSE,
        tags=TAGS,
    )
    def post(self, request: Request, **kwargs) -> Response:
        data = payload(request)
        account = self.scope()
        result = services.check_unsaved(account, data)
        return Response(result.as_dict())


class GatewayRotate(GatewayScope):
    @kazoo_operation(
        "Rotate a gateway's webhook URL",
        description="A new hook token: the old webhook URL answers 404 from now on.",
        response=GATEWAY_RESPONSE,
        tags=TAGS,
    )
    def post(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway = services.rotate_webhook(self.find_own(gateway_id))
        return Response(documents.full_view(gateway))


class GatewayTest(GatewayScope):
    @kazoo_operation(
        "Send a test message through a gateway",
        description="One delivery of `text` to `to` through this gateway (template "
        "`gateway_test`), logged like any other; follow it at `…/deliveries/{delivery_id}`. "
        "Only the gateway's owner may test it (an inherited gateway → 403).",
        request=TEST_REQUEST,
        response=TEST_RESPONSE,
        status=202,
        tags=TAGS,
    )
    def post(self, request: Request, gateway_id: str, **kwargs) -> Response:
        gateway = self.find_own(gateway_id)
        owner = self.scope() or self.principal.account
        delivery_id = services.send_test(gateway, owner, payload(request))
        return Response({"delivery_id": delivery_id}, status=202)


class GatewayEvents(GatewayScope):
    @kazoo_operation(
        "Recent inbound webhook requests",
        description="The last 100, newest first.",
        response=array_of(EVENT_RESPONSE),
        tags=TAGS,
    )
    def get(self, request: Request, gateway_id: str, **kwargs) -> Response:
        entries = services.recent_events(self.find_own(gateway_id))
        response = Response(entries)
        response.envelope = {"page_size": len(entries)}
        return response


class SystemGatewaysView(GatewaysCollection, SystemWrites):
    pass


class AccountGatewaysView(GatewaysCollection, AccountScope):
    pass


class SystemGatewayView(GatewayDocument, SystemWrites):
    pass


class AccountGatewayView(GatewayDocument, AccountScope):
    pass


class SystemGatewayCheckView(GatewayCheck, SystemWrites):
    pass


class AccountGatewayCheckView(GatewayCheck, AccountScope):
    pass


class SystemUnsavedCheckView(UnsavedCheck, SystemWrites):
    pass


class AccountUnsavedCheckView(UnsavedCheck, AccountScope):
    pass


class SystemGatewayRotateView(GatewayRotate, SystemWrites):
    pass


class AccountGatewayRotateView(GatewayRotate, AccountScope):
    pass


class SystemGatewayTestView(GatewayTest, SystemWrites):
    pass


class AccountGatewayTestView(GatewayTest, AccountScope):
    pass


class SystemGatewayEventsView(GatewayEvents, SystemWrites):
    pass


class AccountGatewayEventsView(GatewayEvents, AccountScope):
    pass


class InboundWebhookView(KazooView):
    """Provider callbacks: no Kazoo token; the URL's hook token (and ``webhook_auth``) is
    the credential. Accepted requests always get 200 so providers do not retry forever."""

    authentication_classes: list = []
    parser_classes: list = []
    throttle_classes = [WebhookRateThrottle]

    def _receive(
        self, request: Request, gateway_id: str, hook_token: str, raw: bytes, content_type: str
    ) -> Response:
        authorization = request.headers.get("Authorization", "")
        try:
            gateway = inbound.authenticate(gateway_id, hook_token, authorization)
            if len(raw) > settings.CHANNELS_WEBHOOK_MAX_BYTES:
                raise inbound.Rejected(413, "webhook body too large")
            body = inbound.parse_body(raw, content_type)
            params = inbound.form_params(raw, content_type) if request.method == "POST" else {}
            url = inbound.public_url(request.get_full_path(), request.build_absolute_uri())
            config = documents.config_of(gateway)  # decrypted once per request
            inbound.verify(gateway, url, params, dict(request.headers), config)
        except inbound.Rejected as rejected:
            raise KazooError(rejected.status, str(rejected), {"message": str(rejected)}) from None
        results = inbound.receive(gateway, body, dict(request.headers), config)
        return Response({"results": results})

    @kazoo_operation(
        "Receive a provider webhook",
        description="Delivery receipts and inbound messages from the gateway's provider "
        "(extension). JSON or form body. A vendor signature that does not verify (Twilio's "
        "X-Twilio-Signature) → 403, nothing recorded. Each event's result: applied, "
        "duplicate, ignored or pending (receipts), stored, duplicate or ignored (messages), "
        "unmatched. Over CHANNELS_WEBHOOK_MAX_BYTES → 413; over THROTTLE_WEBHOOK_RATE per "
        "client address → 429 with Retry-After.",
        request=OBJECT,
        response=WEBHOOK_RESPONSE,
        tags=TAGS,
    )
    def post(self, request: Request, gateway_id: str, hook_token: str) -> Response:
        return self._receive(
            request,
            gateway_id,
            hook_token,
            request.body,
            request.content_type or "application/json",
        )

    @kazoo_operation(
        "Receive a provider webhook (query string)",
        description="The query string is the body.",
        response=WEBHOOK_RESPONSE,
        tags=TAGS,
    )
    def get(self, request: Request, gateway_id: str, hook_token: str) -> Response:
        raw = request.META.get("QUERY_STRING", "").encode()
        return self._receive(
            request, gateway_id, hook_token, raw, "application/x-www-form-urlencoded"
        )
