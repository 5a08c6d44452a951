"""The inbound message document, as lists and the detail show it."""

from config.openapi import HEX_ID, STRING, TIMESTAMP, nullable, obj
from inbound.models import InboundMessage

MESSAGE_RESPONSE = obj(
    {
        "id": HEX_ID,
        "account_id": nullable({**HEX_ID, "description": "the gateway's owner; null: system"}),
        "gateway_id": HEX_ID,
        "channel": STRING,
        "from": STRING,
        "to": STRING,
        "text": STRING,
        "media_url": STRING,
        "provider_message_id": STRING,
        "user_id": nullable({**HEX_ID, "description": "the user whose contact sent it"}),
        "received_at": TIMESTAMP,
    },
    required=["id", "account_id", "gateway_id", "channel", "from", "to", "text", "received_at"],
)


def message_document(row: InboundMessage) -> dict:
    return {
        "id": row.id,
        "account_id": row.account_id,
        "gateway_id": row.gateway_id,
        "channel": row.channel,
        "from": row.sender,
        "to": row.recipient,
        "text": row.text,
        "media_url": row.media_url,
        "provider_message_id": row.provider_message_id,
        "user_id": row.user_id,
        "received_at": row.received_at.isoformat(),
    }
