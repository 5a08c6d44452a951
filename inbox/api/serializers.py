"""The inbox message document and the schemas describing requests and answers."""

from typing import Any

from config.openapi import BOOLEAN, HEX_ID, INTEGER, STRING, TIMESTAMP, nullable, obj
from inbox.models import InboxMessage

MARK_SCHEMA = obj({"read": BOOLEAN}, required=["read"])

MESSAGE_RESPONSE = obj(
    {
        "id": HEX_ID,
        "delivery_id": STRING,
        "template_id": STRING,
        "subject": STRING,
        "text": STRING,
        "html": {**STRING, "description": "sanitized; empty when the template has no html"},
        "read": BOOLEAN,
        "read_at": nullable(TIMESTAMP),
        "created_at": TIMESTAMP,
    },
    required=["id", "subject", "text", "read", "read_at", "created_at"],
)

READ_ALL_RESPONSE = obj(
    {
        "marked_read": {**INTEGER, "description": "messages that were unread"},
        "unread_count": INTEGER,
    },
    required=["marked_read", "unread_count"],
)


def message_data(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "delivery_id": message.delivery_id,
        "template_id": message.template_id,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "read": message.is_read,
        "read_at": message.read_at,
        "created_at": message.created_at,
    }
