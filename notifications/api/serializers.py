"""The notification document schema (Kazoo's ``notifications.json``) and response shapes."""

from notifications.models import NotificationTemplate
from notifications.resolution import Resolved

_TYPE = {"type": "string", "enum": ["original", "specified", "admins"]}
_ADDRESSES = {"type": "array", "items": {"type": "string", "format": "email"}}
_RECIPIENTS = {
    "type": "object",
    "properties": {"type": _TYPE, "email_addresses": _ADDRESSES},
}

NOTIFICATION_SCHEMA = {
    "type": "object",
    "required": ["from", "subject", "to"],
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": r"^[A-Za-z0-9_.-]+$"},
        "from": {"type": "string", "format": "email"},
        "subject": {"type": "string", "minLength": 1, "maxLength": 200},
        "to": _RECIPIENTS,
        "cc": _RECIPIENTS,
        "bcc": _RECIPIENTS,
        "reply_to": {"type": "string", "format": "email"},
        "enabled": {"type": "boolean"},
        "category": {"type": "string", "minLength": 1},
        "friendly_name": {"type": "string", "minLength": 1},
        "template_charset": {"type": "string", "minLength": 1},
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
    return {**row.document, "id": row.template_id, "macros": macros}


def resolved_data(resolved: Resolved) -> dict:
    """GET-one answers: effective fields, macros, template lengths and the override flag."""
    return {
        **resolved.row.document,
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
    },
}

PREVIEW_SCHEMA = {
    **NOTIFICATION_SCHEMA,
    "properties": {
        **NOTIFICATION_SCHEMA["properties"],
        "html": {"type": "string"},
        "plain": {"type": "string"},
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
    },
}


def broadcast_data(broadcast) -> dict:
    return {
        "broadcast_id": broadcast.id,
        "accounts": broadcast.accounts,
        "recipients": broadcast.recipients,
        "skipped": broadcast.skipped,
    }
