"""Twilio webhooks (status callbacks and inbound messages) as §6 vendor events.

Twilio posts form-encoded bodies. A status callback carries ``MessageStatus``; an inbound
message carries ``Body`` (and ``SmsStatus=received``) but no ``MessageStatus``. The
signature check is separate (``validate_signature``) because it needs the public URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import error_description

# Twilio's message statuses → the receipt statuses of §8. The initial status gets no
# callback, and ``sent`` only moves a row that is still queued/sending.
STATUS_MAP: dict[str, str] = {
    "queued": "sent",
    "accepted": "sent",
    "scheduled": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
INBOUND_STATUSES = {"received", "receiving"}


def _first(form: Mapping[str, Any], name: str) -> str | None:
    """One form value: the first when the parser gave a list."""
    value = form.getlist(name) if hasattr(form, "getlist") else form.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value if value is None else str(value)


def _message_sid(form: Mapping[str, Any]) -> str | None:
    return _first(form, "MessageSid") or _first(form, "SmsSid")


def _num_media(form: Mapping[str, Any]) -> int:
    try:
        return int(_first(form, "NumMedia") or 0)
    except ValueError:
        return 0


def _status_event(form: Mapping[str, Any], twilio_status: str) -> list[dict[str, Any]]:
    status = STATUS_MAP.get(twilio_status)
    if status is None:
        return []
    event: dict[str, Any] = {
        "type": "status",
        "id": _message_sid(form),
        "status": status,
        "provider_status": twilio_status,
        "error_code": None,
        "error": None,
    }
    if status == "failed":
        code = _first(form, "ErrorCode") or None
        described = error_description(code)
        event["error_code"] = code
        event["error"] = (described or {}).get("description") or twilio_status
    return [event]


def _message_event(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": "message",
            "id": _message_sid(form),
            "from": _first(form, "From"),
            "to": _first(form, "To"),
            "text": _first(form, "Body") or "",
            "media_url": _first(form, "MediaUrl0") if _num_media(form) > 0 else None,
        }
    ]


def parse_webhook(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events in one Twilio webhook request (zero or one).

    ``form`` maps names to a string or a list of strings (``dict(request.POST.lists())``
    or a QueryDict both work). Status events: ``{"type":"status","id","status":
    "sent|delivered|failed","provider_status","error_code","error"}``; inbound messages:
    ``{"type":"message","id","from","to","text","media_url"}``. Statuses Twilio may add
    later, and requests that are neither, give ``[]``.
    """
    twilio_status = (_first(form, "MessageStatus") or "").strip().lower()
    has_body = _first(form, "Body") is not None
    if has_body and (not twilio_status or twilio_status in INBOUND_STATUSES):
        return _message_event(form)
    if twilio_status:
        return _status_event(form, twilio_status)
    return []
