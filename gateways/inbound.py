"""Inbound webhooks: ``/v2/webhooks/{G}/{hook_token}`` (SPEC-channels §9, first part).

Authenticates the request (unknown, deleted gateway or wrong token → 404; a missing or
wrong Bearer when ``webhook_auth`` is set → 401), parses the body (JSON or form; GET takes
the query string), lets the kind verify it (``verify_webhook``: a vendor's signature such
as Twilio's; failing → 403, nothing recorded), lets the gateway's kind turn it into
native events and applies them (:func:`apply_events`): receipts through
:mod:`deliveries.receipts`, inbound messages through :func:`inbound.services.store_message`,
each kept in the gateway's ``events`` with its result.
"""

from __future__ import annotations

import hmac
import json
import random
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from django.conf import settings as django_settings

from config.ids import is_hex_id
from deliveries import receipts
from gateways import documents, services
from gateways.kinds import get_kind
from gateways.kinds.base import GatewayConfig
from gateways.models import Gateway, GatewayEvent
from inbound.services import store_message


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
    if not gateway.webhook_auth:  # nothing to check: spare the decryption
        return gateway
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


def verify(
    gateway: Gateway,
    request_url: str,
    params: dict,
    headers: dict,
    config: GatewayConfig | None = None,
) -> None:
    """The kind's (vendor's) own check, e.g. ``X-Twilio-Signature``; failing → 403."""
    config = config or documents.config_of(gateway)
    if not get_kind(gateway.kind).verify_webhook(request_url, params, headers, config):
        raise Rejected(403, "invalid webhook signature")


def apply_events(gateway: Gateway, events: list[dict]) -> list[dict]:
    """Apply each event of one request and keep it in the gateway's ``events``.

    Status events go to the receipt state machine (``applied``, ``duplicate``,
    ``ignored``, ``pending``), messages to :func:`receive_message`, anything else is
    ``unmatched``; a request that yields no event at all is one ``unmatched`` entry.
    """
    results = [_apply_one(gateway, event) for event in events]
    if not results:
        results.append(_unmatched(gateway, {}))
    _prune(gateway)
    return results


def _apply_one(gateway: Gateway, event: dict) -> dict:
    if isinstance(event, dict) and event.get("type") == "message":
        return receive_message(gateway, event)
    if not receipts.is_receipt(event):
        return _unmatched(gateway, event)
    outcome = receipts.apply(gateway.id, event)
    services.record_event(
        gateway, "status", outcome.result, outcome.delivery_id, detail=_kept(event)
    )
    return {"event": "status", "result": outcome.result, "delivery_id": outcome.delivery_id}


def _unmatched(gateway: Gateway, event: object) -> dict:
    kind = event.get("type") if isinstance(event, dict) else None
    name = str(kind)[:32] if isinstance(kind, (str, int)) else None
    services.record_event(gateway, name or "", "unmatched")
    return {"event": name, "result": "unmatched", "delivery_id": None}


def _kept(event: dict) -> dict:
    """What the gateway's events keep of a native event: its own fields, cut short."""
    fields = ("type", "id", "status", "failure", "error_code", "error")
    fields += ("from", "to", "text", "media_url")
    return {key: _short(event[key]) for key in fields if key in event}


def _short(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:500]


def receive_message(gateway: Gateway, event: dict) -> dict:
    """Store one inbound message ``{"type": "message", "id", "from", "to", "text",
    "media_url"}`` for ``gateway`` (webhooks, module polling and the ``fake`` vendor's
    replies alike); its webhook result is ``stored``, ``duplicate`` or ``ignored``."""
    _, result = store_message(gateway, event)
    services.record_event(gateway, "message", result, detail=_kept(event))
    return {"event": "message", "result": result, "delivery_id": None}


PRUNE_ONE_IN = 20


def _prune(gateway: Gateway) -> None:
    """Keep the table bounded: only the newest ``EVENTS_KEPT`` per gateway matter.

    Run on one request in ``PRUNE_ONE_IN`` (at random): the look-up costs as much as the
    receipt itself, and a few dozen extra rows per gateway between prunes are harmless.
    """
    if random.randrange(PRUNE_ONE_IN):
        return
    stale = GatewayEvent.objects.filter(gateway=gateway).values_list("id", flat=True)[
        services.EVENTS_KEPT : services.EVENTS_KEPT + 500
    ]
    stale_ids = list(stale)
    if stale_ids:
        GatewayEvent.objects.filter(id__in=stale_ids).delete()


def receive(
    gateway: Gateway, body: Any, headers: dict, config: GatewayConfig | None = None
) -> list[dict]:
    config = config or documents.config_of(gateway)
    events = get_kind(gateway.kind).parse_webhook(body, headers, config)
    return apply_events(gateway, events)
