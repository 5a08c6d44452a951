"""The client side of Freeside's external messaging (SPEC-channels §5): prepare, then send.

Freeside's ``FS::msg_template::http`` builds the prepare document by assigning keys in a
fixed order, a later key overwriting an earlier one, and encodes it with
``JSON->new->canonical(1)``: sorted keys, no whitespace. We keep both: the precedence
decides the values, the canonical encoding makes the bytes reproducible (and what a
Freeside-facing server already sees from Freeside itself).

No HTTP happens here: the kind wrapper sends the bytes through ``gateways/http.py`` and
hands status and body back to ``interpret_prepare`` / ``interpret_send``.
"""

from __future__ import annotations

import base64
import email.utils
import json
import time
from collections.abc import Collection, Mapping
from typing import Any, Literal

from deliveries.transports import DeliveryError, SendResult

DEFAULT_RETRY_ON: tuple[int, ...] = (502, 503, 504)  # Freeside servers answer 500 for bad input
MAX_PREPARED_BYTES = 1024 * 1024
ERROR_TEXT_LIMIT = 2000
RecipientKey = Literal["invoicing_email", "mobile"]

CHECK_MACROS: dict[str, Any] = {
    "user": {
        "first_name": "Connection",
        "last_name": "Check",
        "email": "check@example.com",
        "username": "check_connection",
    },
    "account": {"name": "Connection check", "realm": "check.example.com"},
    "first": "Connection",
    "last": "Check",
    "company_name": "Connection check",
    "username": "check_connection",
}
CHECK_RECIPIENT = "check@example.com"
CHECK_BODY = "Connection check: please do not deliver."


def flatten_macros(macros: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"user": {"first_name": "A"}}`` → ``{"user.first_name": "A"}`` (Kazoo's dotted keys).

    Objects are walked; any other value (lists included) is a leaf. An empty object is kept
    as ``{}`` so a macro never silently disappears.
    """
    flat: dict[str, Any] = {}
    for key, value in macros.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_macros(value, dotted + "."))
        else:
            flat[dotted] = dict(value) if isinstance(value, Mapping) else value
    return flat


def _recipient_value(recipient: str | Collection[str]) -> str:
    """Freeside's ``invoicing_email`` is comma-joined; a single string passes through."""
    if isinstance(recipient, str):
        return recipient
    return ",".join(recipient)


def prepare_fields(
    msgname: str,
    msgtype: str | None,
    content: Mapping[str, Any] | None,
    macros: Mapping[str, Any] | None,
    recipient_key: RecipientKey,
    recipient: str | Collection[str],
    rendered_body: str,
) -> dict[str, Any]:
    """The prepare document as a dict, assigned in Freeside's order (later keys win)."""
    if recipient_key not in ("invoicing_email", "mobile"):
        raise ValueError(f"recipient_key must be invoicing_email or mobile, not {recipient_key!r}")
    document: dict[str, Any] = {"msgname": msgname, "msgtype": msgtype or ""}
    document.update(content or {})
    document.update(flatten_macros(macros or {}))
    document[recipient_key] = _recipient_value(recipient)
    document["content"] = rendered_body
    return document


def encode_document(document: Mapping[str, Any]) -> bytes:
    """Freeside's canonical JSON: sorted keys, compact, UTF-8."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def build_prepare_document(
    msgname: str,
    msgtype: str | None,
    content: Mapping[str, Any] | None,
    macros: Mapping[str, Any] | None,
    recipient_key: RecipientKey,
    recipient: str | Collection[str],
    rendered_body: str,
) -> bytes:
    """The bytes POSTed to ``prepare_url`` (§5 step 1).

    Precedence, later winning: ``msgname`` and ``msgtype``, the gateway's ``content``
    keys, each macro under its dotted key, the recipient under ``recipient_key``
    (``invoicing_email`` for email, ``mobile`` otherwise), then ``content`` = the
    rendered channel body.
    """
    fields = prepare_fields(
        msgname, msgtype, content, macros, recipient_key, recipient, rendered_body
    )
    return encode_document(fields)


def check_connection_document(
    content: Mapping[str, Any] | None = None, recipient_key: RecipientKey = "invoicing_email"
) -> bytes:
    """A side-effect-free prepare with ``msgname: "check_connection"`` and sample macros.

    The samples carry both Kazoo's dotted keys and Freeside's flat names (``first``,
    ``company_name``, ``username``), so servers written for either accept it.
    """
    recipient = CHECK_RECIPIENT if recipient_key == "invoicing_email" else "+15005550006"
    return build_prepare_document(
        "check_connection", "", content, CHECK_MACROS, recipient_key, recipient, CHECK_BODY
    )


def basic_auth_header(username: str | None, password: str | None) -> dict[str, str]:
    """``{"Authorization": "Basic …"}`` when a username is set, else ``{}`` (as Freeside)."""
    if not username:
        return {}
    pair = f"{username}:{password or ''}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def build_prepare_request(
    settings: Mapping[str, Any], document: bytes
) -> tuple[str, str, dict[str, str], bytes]:
    """``(method, url, headers, body)`` for the prepare POST."""
    headers = {"Content-Type": "application/json"}
    headers.update(basic_auth_header(settings.get("username"), settings.get("password")))
    return "POST", str(settings["prepare_url"]), headers, document


def build_send_request(
    settings: Mapping[str, Any], prepared_document: bytes
) -> tuple[str, str, dict[str, str], bytes]:
    """``(method, url, headers, body)`` for the send POST: the prepared bytes, verbatim."""
    headers = {"Content-Type": "application/json"}
    headers.update(basic_auth_header(settings.get("username"), settings.get("password")))
    return "POST", str(settings["send_url"]), headers, bytes(prepared_document)


def error_text(stage: str, status_code: int, body: bytes | str | None) -> str:
    """``<stage>: HTTP <code>: <body, whitespace collapsed, ≤2000 chars>`` (§8).

    An empty body leaves ``<stage>: HTTP <code>``.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    collapsed = " ".join((body or "").split())[:ERROR_TEXT_LIMIT]
    head = f"{stage}: HTTP {status_code}"
    return f"{head}: {collapsed}" if collapsed else head


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` (seconds or an HTTP date) as seconds; None when absent or unreadable."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), "")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _failure(
    stage: str,
    status_code: int,
    body: bytes | None,
    retry_on: Collection[int] | None,
    headers: Mapping[str, str] | None,
) -> DeliveryError:
    retry_on = DEFAULT_RETRY_ON if retry_on is None else retry_on
    return DeliveryError(
        error_text(stage, status_code, body),
        permanent=status_code not in retry_on,
        retry_after=retry_after_seconds(headers),
        http_status=status_code,
    )


def interpret_prepare(
    status_code: int,
    body: bytes | None,
    retry_on: Collection[int] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The prepared document to store (any 2xx body, ≤1 MiB), else raises ``DeliveryError``.

    Non-2xx: ``prepare: HTTP <code>: <body>``; transient when the status is in
    ``retry_on`` (default 502/503/504), permanent otherwise. A 2xx body over
    ``MAX_PREPARED_BYTES`` is a permanent failure.
    """
    if not 200 <= status_code <= 299:
        raise _failure("prepare", status_code, body, retry_on, headers)
    body = body or b""
    if len(body) > MAX_PREPARED_BYTES:
        raise DeliveryError(
            f"prepare: prepared document too large ({len(body)} bytes > {MAX_PREPARED_BYTES})",
            permanent=True,
            http_status=status_code,
        )
    return bytes(body)


def interpret_send(
    status_code: int,
    body: bytes | None,
    retry_on: Collection[int] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> SendResult:
    """``SendResult(status="sent", receipt="HTTP <code>")`` for a 2xx, else raises.

    Freeside ignores the body of a successful send, and so do we. Failures read
    ``send: HTTP <code>: <body>`` with the same permanence rule as prepare.
    """
    if not 200 <= status_code <= 299:
        raise _failure("send", status_code, body, retry_on, headers)
    return SendResult(provider_message_id=None, status="sent", receipt=f"HTTP {status_code}")
