"""Request schemas and response shapes of suppressions and subscriptions."""

from config.openapi import BOOLEAN, HEX_ID, STRING, TIMESTAMP, array_of, obj
from notifications.addresses import CHANNEL_NAME
from preferences.models import Reason, Suppression

CHANNEL = {"type": "string", "pattern": CHANNEL_NAME.pattern}

SUPPRESSION_REQUEST = obj(
    {"channel": CHANNEL, "address": {"type": "string", "minLength": 1, "maxLength": 254}},
    required=["channel", "address"],
)

SUPPRESSION_RESPONSE = obj(
    {
        "id": HEX_ID,
        "account_id": HEX_ID,
        "channel": STRING,
        "address": STRING,
        "reason": {"type": "string", "enum": list(Reason.values)},
        "created_at": TIMESTAMP,
    },
    required=["id", "account_id", "channel", "address", "reason", "created_at"],
)

RULE = obj(
    {
        "template_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "description": 'a template id or "*"',
        },
        "channel": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "description": 'a channel name or "*"',
        },
        "subscribed": BOOLEAN,
    },
    required=["template_id", "channel", "subscribed"],
)
SUBSCRIPTIONS_REQUEST = {**array_of(RULE), "maxItems": 1000}
SUBSCRIPTIONS_RESPONSE = array_of(
    obj(
        {"template_id": STRING, "channel": STRING, "subscribed": BOOLEAN},
        required=["template_id", "channel", "subscribed"],
    )
)


def suppression_document(row: Suppression) -> dict:
    return {
        "id": row.id,
        "account_id": row.account_id,
        "channel": row.channel,
        "address": row.address,
        "reason": row.reason,
        "created_at": row.created_at.isoformat(),
    }
