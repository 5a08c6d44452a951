"""Inbound webhooks: ``/v2/webhooks/{G}/{hook_token}`` (SPEC-channels §9, first part).

Authenticates the request (unknown, deleted gateway or wrong token → 404; a missing or
wrong Bearer when ``webhook_auth`` is set → 401), parses the body (JSON or form; GET takes
the query string), lets the kind verify it (``verify_webhook``: a vendor's signature such
as Twilio's; failing → 403, nothing recorded), lets the gateway's kind turn it into
native events and records each in the gateway's ``events``. Applying them (receipts to
delivery rows, inbound messages) is the receipt machinery's job: until it exists every
event is recorded as ``pending`` and :func:`apply_events` is the hook it replaces
(:func:`receive_message` for inbound messages, from webhooks and module polling alike).
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from django.conf import settings as django_settings

from config.ids import is_hex_id
from gateways import documents, services
from gateways.kinds import get_kind
from gateways.models import Gateway, GatewayEvent


class Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def authenticate(gateway_id: str, hook_token: str, authorization: str) -> Gateway:
    gateway = (
        Gateway.objects.alive().filter(pk=gateway_id).first() if is_hex_id(gateway_id) else None
    )
    if gateway is None or not hmac.compare_digest(gateway.hook_token, hook_token):
        raise Rejected(404, "not found")
    expected = (gateway.resolved()["webhook_auth"] or {}).get("token")
    if expected:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() != "bearer" or not _same(given.strip(), expected):
            raise Rejected(401, "invalid credentials")
    return gateway


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def parse_body(raw: bytes, content_type: str) -> Any:
    """JSON, or form fields as a flat object; anything else → 400."""
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = raw.decode("utf-8")
        if media == "application/x-www-form-urlencoded":
            return dict(parse_qsl(text, keep_blank_values=True))
        return json.loads(text) if text.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise Rejected(400, "body is neither JSON nor a form") from None


def form_params(raw: bytes, content_type: str) -> dict[str, list[str]]:
    """A form body's fields with every value (signatures cover repeated fields too)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return {}
    return parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)


def public_url(full_path: str, absolute: str) -> str:
    """The URL the provider called: ``PUBLIC_BASE_URL`` + path + query (behind proxies
    the host we see is not the one signed), else the request's own absolute URL."""
    base = django_settings.PUBLIC_BASE_URL
    return f"{base}{full_path}" if base else absolute


def verify(gateway: Gateway, request_url: str, params: dict, headers: dict) -> None:
    """The kind's (vendor's) own check, e.g. ``X-Twilio-Signature``; failing → 403."""
    config = documents.config_of(gateway)
    if not get_kind(gateway.kind).verify_webhook(request_url, params, headers, config):
        raise Rejected(403, "invalid webhook signature")


def apply_events(gateway: Gateway, events: list[dict]) -> list[dict]:
    """Record each event; the receipt machinery will apply them here (integration hook).

    Inbound messages go through :func:`receive_message`, the one entry point for them
    (webhooks and module polling alike).
    """
    results = []
    for event in events:
        if event.get("type") == "message":
            results.append(receive_message(gateway, event))
            continue
        services.record_event(gateway, str(event.get("type", "")), "pending", detail=event)
        results.append({"event": event.get("type"), "result": "pending", "delivery_id": None})
    if not events:
        services.record_event(gateway, "", "unmatched")
        results.append({"event": None, "result": "unmatched", "delivery_id": None})
    _prune(gateway)
    return results


def receive_message(gateway: Gateway, event: dict) -> dict:
    """Take one inbound message ``{"type": "message", "id", "from", "to", "text",
    "media_url"}`` for ``gateway``; answer its webhook result.

    Integration hook: today the message is kept in the gateway's events as ``pending``;
    the inbound-message store (§9) replaces this body to persist it (``stored`` /
    ``duplicate``), apply stop/start keywords and match the sender to a user.
    """
    message = {"type": "message", **{k: v for k, v in event.items() if k != "type"}}
    services.record_event(gateway, "message", "pending", detail=message)
    return {"event": "message", "result": "pending", "delivery_id": None}


def _prune(gateway: Gateway) -> None:
    """Keep the table bounded: only the newest ``EVENTS_KEPT`` per gateway matter."""
    stale = GatewayEvent.objects.filter(gateway=gateway).values_list("id", flat=True)[
        services.EVENTS_KEPT : services.EVENTS_KEPT + 500
    ]
    stale_ids = list(stale)
    if stale_ids:
        GatewayEvent.objects.filter(id__in=stale_ids).delete()


def receive(gateway: Gateway, body: Any, headers: dict) -> list[dict]:
    events = get_kind(gateway.kind).parse_webhook(body, headers, documents.config_of(gateway))
    return apply_events(gateway, events)
