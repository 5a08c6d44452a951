"""The Ringotel (``http_json``) engine: pure functions the ``http_json`` kind wraps.

No I/O here: no httpx, no sockets, no DNS, no Django models. The kind wrapper owns
secrets, HTTP (``gateways/http.py``), outcome classification of non-2xx answers and
the delivery log. The integration contract:

Settings (``settings = {"definition", "properties", "secret_properties"}``)
    ``validate_settings(settings) -> errors`` — Kazoo field errors keyed by dotted path
    (``settings.definition.API.SendMessage`` → ``{"required": {"message": ...}}``).
    ``validate_definition(definition, properties=None) -> errors`` — the definition alone.
    ``secret_property_names(settings) -> list[str]`` — properties to encrypt at rest.
    ``property_names(definition) -> list[str]`` — form fields, in order.
    ``features(definition) -> list[str]`` — SPEC §3, e.g. ``["outgoing", "send_file"]``.
    ``fully_configured(definition, properties) -> bool`` — valid and every property set.
    ``default_channel(definition) -> str | None`` — ``class``, the channel's default.

Sending
    ``build_request(definition, action, variables, properties, auth_header=None,
    macros=None) -> OutboundRequest(method, url, headers, body, content_type)``;
    ``action`` is ``"SendMessage"``, ``"SendFile"`` (when the send has ``media_url``) or
    ``"CheckConnection"``. ``variables`` holds the built-ins (``from``, ``to``,
    ``content``, ``text``, ``extension``, ``domain``, ``account_id``, ``template_id``,
    ``delivery_id``, ``subject``, ``media_url``, ``html``). The request already carries
    ``User-Agent``, ``Idempotency-Key`` / ``X-Notify-Delivery-Id`` (= ``delivery_id``),
    ``Content-Type`` and ``Authorization`` (Bearer/Basic from ``auth``, or
    ``auth_header`` for OAuth2).

Answers
    ``interpret_response(response_map, status_code, body_bytes) -> Outcome`` — or the two
    steps ``capture(response_map, json)`` then ``interpret(status, json, captures)``.
    ``Outcome.to_result()`` gives the transport's ``SendResult`` for a 2xx, or raises
    ``DeliveryError(permanent=True, code=error_code)`` for an error reported in a 2xx body.
    For non-2xx, classify by ``retry_on`` as usual and use ``Outcome.error`` /
    ``Outcome.error_code`` to enrich the message.

OAuth2
    ``OAuthClient(gateway_id, definition, properties, post)`` with
    ``post(url, headers, body) -> (status, headers, body_bytes)``; ``header()`` is the
    ``auth_header`` for ``build_request``; on an API 401 call ``invalidate()``, then
    ``header()`` again and repeat once (not counted as an attempt). ``OAuthError``
    (``.permanent`` for 400/401/403) when the token endpoint refuses. The process-wide
    cache is ``gateways.ringotel.oauth.TOKENS``; call ``TOKENS.forget_gateway(id)`` when a
    gateway's settings change or it is deleted. ``check_connection`` for an OAuth2
    definition without ``API.CheckConnection`` = fetching a token succeeds.

Webhooks
    ``match(webhook_models(definition), body, method=None) -> Match | None`` (first match wins;
    ``Match.event`` is the SPEC §6 event or None, with ``Match.detail`` saying why);
    ``parse_webhook(definition, body) -> list[event]`` for a whole request. Failure events
    carry ``failure``: ``permanent-failure`` (``failed`` models, ``status_map`` → failed)
    or ``temporary-failure`` (``status_map`` → temporary-failure), always with
    ``status: "failed"``, so the receipt machine only sees sent / delivered / failed.
"""

from .definition import (
    default_channel,
    features,
    fully_configured,
    missing_properties,
    property_names,
    secret_property_names,
    validate_definition,
    validate_settings,
    webhook_models,
)
from .oauth import OAuthClient, OAuthError, TokenCache, token_request
from .requests import DefinitionError, OutboundRequest, build_request
from .responses import Outcome, capture, interpret, interpret_response
from .webhooks import Match, match, parse_webhook

__all__ = [
    "DefinitionError",
    "Match",
    "OAuthClient",
    "OAuthError",
    "OutboundRequest",
    "Outcome",
    "TokenCache",
    "build_request",
    "capture",
    "default_channel",
    "features",
    "fully_configured",
    "interpret",
    "interpret_response",
    "match",
    "missing_properties",
    "parse_webhook",
    "property_names",
    "secret_property_names",
    "token_request",
    "validate_definition",
    "validate_settings",
    "webhook_models",
]
