"""Twilio REST calls as plain data: build the request, interpret the answer.

No HTTP happens here. The vendor wrapper sends the ``(method, url, headers, body)`` tuple
through ``gateways/http.py`` and hands status, headers and body bytes back to the
``interpret_*`` functions, so every outcome rule is testable without a network.
"""

from __future__ import annotations

import base64
import email.utils
import json
import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from deliveries.transports import DeliveryError, SendResult

from .config import base_url

API_VERSION = "2010-04-01"
ERROR_TEXT_LIMIT = 2000

Request = tuple[str, str, dict[str, str], bytes]


def _auth_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Basic auth with the Account SID as user and the Auth Token as password."""
    pair = f"{config.get('account_sid', '')}:{config.get('auth_token', '')}"
    token = base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return {"Authorization": f"Basic {token}", "Accept": "application/json"}


def _account_url(config: Mapping[str, Any]) -> str:
    sid = quote(str(config.get("account_sid", "")), safe="")
    return f"{base_url(dict(config))}/{API_VERSION}/Accounts/{sid}"


def _media_urls(media_url: str | Iterable[str] | None) -> list[str]:
    if not media_url:
        return []
    if isinstance(media_url, str):
        return [media_url]
    return [url for url in media_url if url]


def build_send_request(
    config: Mapping[str, Any], message: Mapping[str, Any], status_callback_url: str | None
) -> Request:
    """POST …/Accounts/{sid}/Messages.json for one message (§6 message dict).

    The sender is the configured Messaging Service when there is one (Twilio then picks
    the number), else ``config["from"]``, else the message's ``from`` (the gateway's).
    ``status_callback_url`` is the gateway's absolute webhook URL; None sends no callback.
    """
    form: list[tuple[str, str]] = [("To", str(message.get("to") or ""))]
    if config.get("messaging_service_sid"):
        form.append(("MessagingServiceSid", str(config["messaging_service_sid"])))
    else:
        form.append(("From", str(config.get("from") or message.get("from") or "")))
    form.append(("Body", str(message.get("text") or "")))
    form.extend(("MediaUrl", url) for url in _media_urls(message.get("media_url")))
    if status_callback_url:
        form.append(("StatusCallback", status_callback_url))
    headers = _auth_headers(config)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = urlencode(form).encode("ascii")
    return "POST", f"{_account_url(config)}/Messages.json", headers, body


def build_check_request(config: Mapping[str, Any]) -> Request:
    """GET …/Accounts/{sid}.json: proves the SID and token without sending anything."""
    return "GET", f"{_account_url(config)}.json", _auth_headers(config), b""


def error_text(status_code: int, body: bytes | str | None) -> str:
    """``HTTP <code>: <body, whitespace collapsed, ≤2000 chars>`` (§8), or ``HTTP <code>``."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    collapsed = " ".join((body or "").split())[:ERROR_TEXT_LIMIT]
    return f"HTTP {status_code}: {collapsed}" if collapsed else f"HTTP {status_code}"


def _json(body: bytes | None) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        parsed = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None, name: str) -> str:
    items = headers.items() if isinstance(headers, Mapping) else (headers or [])
    for key, value in items:
        if key.lower() == name.lower():
            return value
    return ""


def retry_after_seconds(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> float | None:
    """``Retry-After`` as seconds (delta or HTTP date); None when absent or unreadable."""
    value = _header(headers, "Retry-After").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_transient(status_code: int, retry_on: Collection[int] | None) -> bool:
    """Twilio's rule: 429 and 5xx retry; a gateway's ``retry_on`` replaces it when given."""
    if retry_on is not None:
        return status_code in retry_on
    return status_code == 429 or 500 <= status_code <= 599


def _error_code(payload: dict[str, Any] | None) -> str | None:
    code = (payload or {}).get("code") or (payload or {}).get("error_code")
    return str(code) if code not in (None, "") else None


def interpret_send_response(
    status_code: int,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    body: bytes | None,
    *,
    retry_on: Collection[int] | None = None,
) -> SendResult:
    """The outcome of a Messages.json POST (§8 outcome table, §13.2).

    2xx → ``SendResult`` with Twilio's ``sid`` (a 2xx whose JSON says ``failed`` raises a
    permanent error with its ``error_code``). Otherwise raises ``DeliveryError`` with the
    Twilio ``code`` and the §8 error text; 429/5xx are transient (``retry_after`` from the
    header), anything else permanent.
    """
    payload = _json(body)
    if 200 <= status_code <= 299:
        return _accepted(status_code, payload, body)
    raise DeliveryError(
        error_text(status_code, body),
        permanent=not _is_transient(status_code, retry_on),
        code=_error_code(payload),
        retry_after=retry_after_seconds(headers),
        http_status=status_code,
    )


def _accepted(status_code: int, payload: dict[str, Any] | None, body: bytes | None) -> SendResult:
    receipt = f"HTTP {status_code}"
    if payload is None:
        return SendResult(None, "sent", receipt, "no provider message id (response not JSON)")
    if payload.get("status") in ("failed", "undelivered"):
        raise DeliveryError(
            error_text(status_code, body),
            permanent=True,
            code=_error_code(payload),
            http_status=status_code,
        )
    sid = payload.get("sid")
    if not isinstance(sid, str) or not sid:
        return SendResult(None, "sent", receipt, "no provider message id")
    return SendResult(sid, "sent", receipt, f"twilio status {payload.get('status') or 'unknown'}")


def interpret_check_response(
    status_code: int,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    body: bytes | None,
) -> tuple[bool, str | None, int]:
    """``(ok, error, http_status)`` for the Accounts/{sid}.json check.

    A 2xx for a suspended or closed account is not ok: it could not send.
    """
    if not 200 <= status_code <= 299:
        return False, error_text(status_code, body), status_code
    payload = _json(body)
    if payload is None:
        return False, "account answer not understood", status_code
    account_status = payload.get("status", "active")
    if account_status != "active":
        return False, f"account {account_status}", status_code
    return True, None, status_code
