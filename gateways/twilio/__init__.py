"""Vendor ``twilio`` as plain functions (SPEC-channels §6, §13.2): no HTTP, no Django.

Integration contract. The vendor class the integrator writes sends every request through
``gateways/http.py`` and feeds the answer back here; nothing in this package does I/O
except ``fake.py`` (a test server).

Configuration (``config.py``)
    ``config_schema``: draft-04; ``account_sid``, ``auth_token`` (``"x-secret": true``),
        ``messaging_service_sid``, ``from``, ``base_url`` (default https://api.twilio.com).
    ``fully_configured(config) -> bool``: sid, token and a messaging service or ``from``.
    ``metadata() -> {name, channels, features, supports_account_config}``.

Requests (``api.py``); ``Request = (method, url, headers, body_bytes)``:
    ``build_send_request(config, message, status_callback_url) -> Request``
        POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json, form ``To``,
        ``MessagingServiceSid`` (if configured) else ``From`` (config ``from``, else the
        message's ``from``), ``Body``, one ``MediaUrl`` per media URL, ``StatusCallback``;
        Basic auth sid:token. ``message`` is the §6 dict (``to``, ``from``, ``text``,
        ``media_url`` str or list, …).
    ``interpret_send_response(status, headers, body, *, retry_on=None) -> SendResult``
        2xx → ``SendResult(provider_message_id=sid, status="sent", receipt="HTTP 201")``
        (no sid → id None, detail "no provider message id"). Else raises ``DeliveryError``:
        message ``HTTP <code>: <body collapsed ≤2000>``, ``code`` = Twilio ``code``,
        ``http_status``, ``retry_after`` from Retry-After (seconds or date); 429/5xx
        transient, other statuses permanent. ``retry_on`` (a gateway's list) replaces
        the 429/5xx rule when given.
    ``build_check_request(config) -> Request``: GET {base_url}/2010-04-01/Accounts/{sid}.json
    ``interpret_check_response(status, headers, body) -> (ok, error, http_status)``
        2xx with account ``status`` active → ok; suspended/closed → not ok.
    ``error_text(status, body) -> str``, ``retry_after_seconds(headers) -> float | None``.

Errors (``errors.py``)
    ``error_descriptions: dict[str, str]`` (code → description),
    ``error_description(code) -> {code, description, link} | None``; link is
    https://www.twilio.com/docs/api/errors/<code> (also for codes not in the table).

Webhooks (``signature.py``, ``webhook.py``)
    ``signature(url, params, auth_token) -> str`` and
    ``validate_signature(url, params, header_value, auth_token) -> bool`` (constant time).
        ``url``: the exact public URL Twilio called (absolute ``webhook_url`` + query);
        ``params``: the form, values str or list (a QueryDict works). Header name:
        ``SIGNATURE_HEADER`` = "X-Twilio-Signature". Invalid → the view answers 403 and
        applies nothing.
    ``parse_webhook(form) -> list[event]``: ``MessageStatus`` delivered/read → status
        ``delivered``; undelivered/failed/canceled → ``failed`` with ``error_code`` =
        ``ErrorCode`` and ``error`` = its description; queued/accepted/scheduled/sending/
        sent → ``sent``. ``Body`` without ``MessageStatus`` → ``{"type":"message","id",
        "from","to","text","media_url"}`` (``MediaUrl0`` when ``NumMedia`` > 0).

What the vendor class must do
    ``send``: refuse with ``gateway not fully configured`` unless ``fully_configured``;
        ``build_send_request(config, message, absolute webhook_url)`` (no PUBLIC_BASE_URL
        → pass None: no receipts); perform it via ``gateways/http.py`` (which adds
        User-Agent / Idempotency-Key / X-Notify-Delivery-Id and turns connect errors and
        timeouts into ``DeliveryError(unreachable=True)``); return
        ``interpret_send_response(status, headers, body, retry_on=gateway.retry_on)`` —
        or omit ``retry_on`` to keep Twilio's 429/5xx rule.
    ``check_connection``: the same with ``build_check_request`` / ``interpret_check_response``.
    ``parse_webhook(body, headers, config)``: first ``validate_signature(absolute
        webhook_url incl. query, form, headers["X-Twilio-Signature"], config["auth_token"])``
        → else 403, nothing applied; then ``parse_webhook(form)``. Events carry an extra
        ``provider_status`` (Twilio's raw status) for the row's ``events`` detail.

Fake server (``fake.py``): ``FakeTwilio`` (a context manager; ``.base_url``, ``.account_sid``,
    ``.auth_token``, ``.requests``, ``.reject(to, code, …)``, ``.undeliver(to, error_code)``,
    ``.send_inbound(url, …)``, ``.wait_for_callbacks(n)``) and ``CallbackSink`` (records
    webhook POSTs). ``python -m gateways.twilio.fake --port 8499`` runs it standalone.
"""

from .api import (
    build_check_request,
    build_send_request,
    error_text,
    interpret_check_response,
    interpret_send_response,
    retry_after_seconds,
)
from .config import config_schema, fully_configured, metadata
from .errors import error_description, error_descriptions
from .signature import SIGNATURE_HEADER, signature, validate_signature
from .webhook import parse_webhook

__all__ = [
    "SIGNATURE_HEADER",
    "build_check_request",
    "build_send_request",
    "config_schema",
    "error_description",
    "error_descriptions",
    "error_text",
    "fully_configured",
    "interpret_check_response",
    "interpret_send_response",
    "metadata",
    "parse_webhook",
    "retry_after_seconds",
    "signature",
    "validate_signature",
]
