"""Response shapes of the delivery log (SPEC-channels §8): list entries and the detail.

``to`` is the row's one address; email rows built before channels (one row per mail, no
``to``) show their first To address instead, as ``/smtplog`` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drf_spectacular.utils import OpenApiParameter

from config.ids import to_gregorian
from config.openapi import (
    BOOLEAN,
    GREGORIAN,
    HEX_ID,
    INTEGER,
    OBJECT,
    PATH_PARAMETERS,
    STRING,
    TIMESTAMP,
    array_of,
    nullable,
    obj,
)
from gateways import services as gateway_services
from smtplog.api.serializers import first_to, sender
from smtplog.models import EMAIL, SmtpLog, Status


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def recipient(row: SmtpLog) -> str | None:
    return row.to or first_to(row.emails or {})


def prepared_text(value: Any) -> str | None:
    """The stored prepared document as text (undecodable bytes shown as U+FFFD)."""
    if value is None:
        return None
    return bytes(value).decode("utf-8", errors="replace")


def entry(row: SmtpLog, *, with_account: bool = False) -> dict[str, Any]:
    """One list entry; ``account_id`` too when the list spans descendants."""
    data: dict[str, Any] = {
        "id": row.id,
        "channel": row.channel,
        "gateway_id": row.gateway_id,
        "template_id": row.template_id,
        "to": recipient(row),
        "status": row.status,
        "held": row.held,
        "priority": row.priority,
        "attempts": row.attempts,
        "provider_message_id": row.provider_message_id or None,
        "error": row.error or None,
        "failure": row.failure or None,
        "created": to_gregorian(row.created),
        "created_at": row.created.isoformat(),
        "sent_at": _iso(row.sent_at),
        "delivered_at": _iso(row.delivered_at),
    }
    if with_account:
        data["account_id"] = row.account_id
    return data


def detail(row: SmtpLog) -> dict[str, Any]:
    """The entry plus what was sent and what happened to it."""
    data = entry(row)
    data.update(
        {
            "account_id": row.account_id,
            "body": row.body or {},
            "subject": row.subject,
            "segments": row.segments,
            "error_code": row.error_code or None,
            "error_description": gateway_services.error_description(row.gateway_id, row.error_code),
            "events": row.events or [],
            "prepared_document": prepared_text(row.prepared_document),
            "template_account_id": row.template_account_id,
        }
    )
    if row.channel == EMAIL:
        emails = dict(row.emails or {})
        if "from" in emails:
            emails["from"] = sender(emails)
        data["rendered_templates"] = row.rendered_templates or {}
        data["emails"] = emails
    return data


# --- Response ``data`` schemas (OpenAPI) ---------------------------------------------------

STATUS = {"type": "string", "enum": [value for value, _ in Status.choices]}
_NULLABLE_STRING = nullable(STRING)
_NULLABLE_TIME = nullable(TIMESTAMP)

ENTRY_RESPONSE = obj(
    {
        "id": HEX_ID,
        "channel": STRING,
        "gateway_id": nullable(HEX_ID),
        "template_id": STRING,
        "to": {**_NULLABLE_STRING, "description": "the address (email: the first To)"},
        "status": STATUS,
        "held": BOOLEAN,
        "priority": INTEGER,
        "attempts": INTEGER,
        "provider_message_id": _NULLABLE_STRING,
        "error": _NULLABLE_STRING,
        "failure": _NULLABLE_STRING,
        "created": GREGORIAN,
        "created_at": TIMESTAMP,
        "sent_at": _NULLABLE_TIME,
        "delivered_at": _NULLABLE_TIME,
        "account_id": {**HEX_ID, "description": "with include_descendants=true"},
    },
    required=["id", "channel", "template_id", "status", "held", "priority", "created"],
)

DETAIL_RESPONSE = obj(
    {
        **ENTRY_RESPONSE["properties"],
        "account_id": HEX_ID,
        "body": {**OBJECT, "description": "what the transport sends, by content type"},
        "subject": STRING,
        "segments": nullable(INTEGER),
        "error_code": _NULLABLE_STRING,
        "error_description": nullable(
            obj({"code": STRING, "description": _NULLABLE_STRING, "link": _NULLABLE_STRING})
        ),
        "events": array_of(OBJECT),
        "prepared_document": {**_NULLABLE_STRING, "description": "Freeside: what send POSTs"},
        "template_account_id": nullable(HEX_ID),
        "rendered_templates": {**OBJECT, "description": "email rows only"},
        "emails": {**OBJECT, "description": "email rows only"},
    },
    required=["id", "channel", "status", "body", "subject", "events"],
)

RETRY_RESPONSE = ENTRY_RESPONSE

PATH_PARAMETERS.setdefault(
    "delivery_id",
    OpenApiParameter(
        "delivery_id", HEX_ID, OpenApiParameter.PATH, description="32-hex delivery id"
    ),
)
