"""The notification document schema (Kazoo's ``notifications.json``) and response shapes."""

from config.openapi import (
    BOOLEAN,
    GREGORIAN,
    HEX_ID,
    INTEGER,
    OBJECT,
    STRING,
    STRINGS,
    array_of,
    nullable,
    obj,
    shape,
)
from notifications.channels import with_defaults
from notifications.models import NotificationTemplate
from notifications.resolution import Resolved

_TYPE = {"type": "string", "enum": ["original", "specified", "admins"]}
_ADDRESSES = {"type": "array", "items": {"type": "string", "format": "email"}}
_RECIPIENTS = {
    "type": "object",
    "properties": {"type": _TYPE, "email_addresses": _ADDRESSES},
}
# ``to`` also takes non-e-mail recipients for to.type "specified" (SPEC-channels §8);
# channel names and addresses are checked by notifications.channels.
_TO = {
    "type": "object",
    "properties": {
        **_RECIPIENTS["properties"],
        "contacts": {
            "type": "object",
            "description": "(extension) {channel: [addresses]} for to.type specified",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
_CHANNEL_FIELDS = {
    "channels": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"},
        "description": '(extension) channels to send on; default ["email"]',
    },
    "priority": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9,
        "description": "(extension) 0..9, higher first; default 5",
    },
    "gateways": {
        "type": "object",
        "description": "(extension) {channel: gateway id} pins",
        "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    },
    "opt_out_allowed": {
        "type": "boolean",
        "description": "(extension) false: user subscriptions are ignored; default true",
    },
}

NOTIFICATION_SCHEMA = {
    "type": "object",
    "required": ["from", "subject", "to"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[A-Za-z0-9_.-]+$"},
        "from": {"type": "string", "format": "email"},
        "subject": {"type": "string", "minLength": 1, "maxLength": 200},
        "to": _TO,
        "cc": _RECIPIENTS,
        "bcc": _RECIPIENTS,
        "reply_to": {"type": "string", "format": "email"},
        "enabled": {"type": "boolean"},
        "category": {"type": "string", "minLength": 1},
        "friendly_name": {"type": "string", "minLength": 1},
        "template_charset": {"type": "string", "minLength": 1},
        **_CHANNEL_FIELDS,
    },
}

# Computed on read, never stored from a request (SPEC §4.4).
READ_ONLY_KEYS = {"macros", "templates", "account_overridden", "account_defined", "id"}
DEFAULTS = {"enabled": True, "template_charset": "utf-8"}
RESERVED_IDS = {"smtplog", "customer_update_message"}


def storable(data: dict) -> dict:
    """Validated request data as stored: no computed or private keys, schema defaults set."""
    document = {
        key: value
        for key, value in data.items()
        if key not in READ_ONLY_KEYS and not key.startswith(("_", "pvt_"))
    }
    return {**DEFAULTS, **document}


def stored_data(row: NotificationTemplate, macros: dict) -> dict:
    """PUT/POST answers: the stored public fields, the bare id and the macros."""
    return {**with_defaults(row.document), "id": row.template_id, "macros": macros}


def resolved_data(resolved: Resolved) -> dict:
    """GET-one answers: effective fields, macros, template lengths and the override flag."""
    return {
        **with_defaults(resolved.row.document),
        "id": resolved.template_id,
        "macros": resolved.macros,
        "templates": resolved.lengths,
        **resolved.flags,
    }


def list_entry(row: NotificationTemplate, macros: dict) -> dict:
    entry = {"id": row.template_id, "macros": macros}
    for key in ("category", "friendly_name", "enabled"):
        if key in row.document:
            entry[key] = row.document[key]
    document = with_defaults(row.document)
    for key in ("channels", "priority"):
        entry[key] = document[key]
    return entry


SEND_SCHEMA = {
    "type": "object",
    "properties": {
        "macros": {"type": "object"},
        "to": _RECIPIENTS,
        "cc": _RECIPIENTS,
        "bcc": _RECIPIENTS,
        "reply_to": {"type": "string", "format": "email"},
        "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 255},
        # Channels (SPEC-channels §8); account-dependent checks in notifications.send_options.
        "channels": {**_CHANNEL_FIELDS["channels"], "description": "(extension) channels"},
        "contacts": {
            "type": "object",
            "description": "(extension) {channel: [addresses]} for the non-email channels",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "user_ids": {
            "type": "array",
            "items": {"type": "string"},
            "description": "(extension) users of the account's tree; their e-mails join To",
        },
        "priority": _CHANNEL_FIELDS["priority"],
        "gateway_ids": {**_CHANNEL_FIELDS["gateways"], "description": "(extension) pins"},
        "force": {"type": "boolean", "description": "(extension) bypass a paused gateway"},
        "msgtype": {"type": "string", "maxLength": 32, "description": "(extension) Freeside"},
        "media_url": {"type": "string", "maxLength": 2048, "description": "(extension) http(s)"},
    },
}

PREVIEW_SCHEMA = {
    **NOTIFICATION_SCHEMA,
    "properties": {
        **NOTIFICATION_SCHEMA["properties"],
        "html": {"type": "string"},
        "plain": {"type": "string"},
        "sms": {"type": "string", "description": "(extension) text/x-sms source, not base64"},
        "macros": {"type": "object"},
        "send": {"type": "boolean"},
    },
}

CUSTOMER_UPDATE_SCHEMA = {
    "type": "object",
    "properties": {
        "recipient_id": {"type": "string"},
        "include_descendants": {"type": "boolean"},
        "user_type": {"type": "string", "minLength": 1},
        "subject": {"type": "string", "minLength": 1, "maxLength": 200},
        "from": {"type": "string", "format": "email"},
        "reply_to": {"type": "string", "format": "email"},
        "html": {"type": "string"},
        "plain": {"type": "string"},
        "sms": {"type": "string", "description": "(extension) text/x-sms source, not base64"},
        "channels": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string"},
            "description": '(extension) channels to send on, default ["email"]',
        },
    },
}


def broadcast_data(broadcast) -> dict:
    return {
        "broadcast_id": broadcast.id,
        "template_id": broadcast.template_id,
        "accounts": broadcast.accounts,
        "recipients": broadcast.recipients,
        "skipped": broadcast.skipped,
        "by_channel": broadcast.by_channel,
    }


# --- Request schemas of the collection, in Kazoo's request-envelope terms -----------------

NOTIFICATION_CREATE_SCHEMA = {
    **NOTIFICATION_SCHEMA,
    "required": [*NOTIFICATION_SCHEMA["required"], "id"],
}
FORCE_SYSTEM_SCHEMA = {
    "type": "object",
    "required": ["action"],
    "properties": {"action": {"type": "string", "enum": ["force_system"]}},
}
REMOVE_CUSTOMIZATIONS_SCHEMA = {
    "type": "object",
    "required": ["action"],
    "properties": {"action": {"type": "string", "enum": ["remove_customizations"]}},
}

# --- Response ``data`` schemas (OpenAPI) ---------------------------------------------------

MACROS_RESPONSE = {
    **OBJECT,
    "description": "macro catalogue: key → {i18n_label, friendly_name, description}",
}
_FLAGS = {
    "account_overridden": {**BOOLEAN, "description": "an account's copy of a system template"},
    "account_defined": {**BOOLEAN, "description": "an account's template with no system one"},
}

NOTIFICATION_SUMMARY_RESPONSE = obj(
    {
        "id": STRING,
        "macros": MACROS_RESPONSE,
        "category": STRING,
        "friendly_name": STRING,
        "enabled": BOOLEAN,
        "channels": STRINGS,
        "priority": INTEGER,
        **_FLAGS,
    },
    required=["id", "macros"],
)

NOTIFICATION_RESPONSE = obj(
    {
        **shape(NOTIFICATION_SCHEMA)["properties"],
        "id": STRING,
        "macros": MACROS_RESPONSE,
        "templates": {
            "type": "object",
            "description": "byte length of each effective body, by content type",
            "additionalProperties": obj({"length": INTEGER}, required=["length"]),
        },
        **_FLAGS,
    },
    required=["id", "macros"],
)

DELETED_NOTIFICATION_RESPONSE = obj(
    {"id": STRING, "_read_only": obj({"deleted": BOOLEAN})},
    required=["id", "_read_only"],
)

BULK_RESPONSE = {
    "type": "object",
    "description": 'per id: "replaced" / "deleted"; or {"message": ...} when there was none',
    "additionalProperties": STRING,
}

RENDERED_RESPONSE = obj(
    {"subject": STRING, "text/plain": STRING, "text/html": STRING, "text/x-sms": STRING},
    required=["subject"],
)

SEND_RESPONSE = obj(
    {
        "status": {"type": "string", "enum": ["queued", "disabled"]},
        "log_ids": array_of(HEX_ID),
        "deliveries": array_of(
            obj(
                {
                    "id": HEX_ID,
                    "channel": STRING,
                    "to": STRING,
                    "gateway_id": nullable(HEX_ID),
                    "status": {"type": "string", "enum": ["queued", "failed"]},
                    "held": BOOLEAN,
                }
            )
        ),
        "suppressed": array_of(
            obj(
                {
                    "channel": STRING,
                    "to": STRING,
                    "reason": {"type": "string", "enum": ["unsubscribed", "suppressed"]},
                }
            )
        ),
        "skipped": array_of(obj({"channel": STRING, "reason": STRING})),
        "invalid_addresses": array_of(STRING),
    },
    required=["status"],
)

_CHANNEL_COUNTS = obj(
    {
        "recipients": INTEGER,
        "skipped": {**INTEGER, "description": "no address, no_body or no_gateway"},
        "suppressed": {**INTEGER, "description": "unsubscribed or suppressed"},
        "reasons": {"type": "object", "additionalProperties": INTEGER},
        "status": {
            "type": "object",
            "description": "(progress lookup) rows of this channel by delivery status",
            "additionalProperties": INTEGER,
        },
    },
    required=["recipients", "skipped", "suppressed"],
)

BROADCAST_RESPONSE = obj(
    {
        "broadcast_id": HEX_ID,
        "template_id": STRING,
        "accounts": INTEGER,
        "recipients": {**INTEGER, "description": "rows to write, every channel"},
        "skipped": {**INTEGER, "description": "users without an address, every channel"},
        "by_channel": {
            "type": "object",
            "description": "(extension) counts per requested channel",
            "additionalProperties": _CHANNEL_COUNTS,
        },
    },
    required=["broadcast_id", "accounts", "recipients", "skipped"],
)

BROADCAST_PROGRESS_RESPONSE = obj(
    {
        **BROADCAST_RESPONSE["properties"],
        "created": GREGORIAN,
        "fanout_complete": BOOLEAN,
        "status": {
            "type": "object",
            "description": "SMTP log entries of this broadcast, by delivery status",
            "additionalProperties": INTEGER,
        },
    },
    required=[*BROADCAST_RESPONSE["required"], "created", "fanout_complete", "status"],
)
