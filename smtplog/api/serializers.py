"""Response shapes of the SMTP log: Kazoo's list-view entry and the seed's detail document."""

from typing import Any

from config.ids import to_gregorian
from config.openapi import (
    GREGORIAN,
    HEX_ID,
    INTEGER,
    OBJECT,
    STRING,
    STRINGS,
    nullable,
    obj,
)
from smtplog.models import EMAIL_STATUSES, SmtpLog, Status


def sender(emails: dict) -> str | None:
    """``emails.from`` as a string (SPEC §6), even if a row stored Kazoo's one-element array."""
    value = emails.get("from")
    if isinstance(value, list):
        return value[0] if value else None
    return value


def first_to(emails: dict) -> str | None:
    to = emails.get("to")
    if isinstance(to, list):
        return to[0] if to else None
    return to or None


def _outcome(row: SmtpLog) -> dict:
    """``receipt`` only once sent; ``error`` when failed or when a retry left one behind."""
    outcome = {}
    if row.status == Status.SENT:
        outcome["receipt"] = row.receipt
    if row.status == Status.FAILED or row.error:
        outcome["error"] = row.error
    return outcome


def list_entry(row: SmtpLog, *, with_account: bool = False) -> dict:
    """One entry of the list, as Kazoo's ``smtp_log`` view emits it, plus status/attempts."""
    emails = row.emails or {}
    entry: dict[str, Any] = {
        "id": row.id,
        "template_id": row.template_id,
        "from": sender(emails),
        "to": first_to(emails),
        "subject": row.subject,
        "created": to_gregorian(row.created),
        **_outcome(row),
        "status": row.status,
        "attempts": row.attempts,
    }
    if with_account:
        entry["account_id"] = row.account_id
    return entry


def account_db(row: SmtpLog) -> str:
    """Kazoo's encoded monthly database name, e.g. ``account%2Fab%2Fcd%2Fef…-202403``."""
    account_id = row.account_id
    month = row.created.strftime("%Y%m")
    return f"account%2F{account_id[:2]}%2F{account_id[2:4]}%2F{account_id[4:]}-{month}"


def detail(row: SmtpLog, *, superduper: bool) -> dict:
    """The seed's detail shape (public fields plus ``id``) with our delivery extensions."""
    emails = dict(row.emails or {})
    if "from" in emails:
        emails["from"] = sender(emails)
    data: dict[str, Any] = {
        "id": row.id,
        "rendered_templates": row.rendered_templates,
        "subject": row.subject,
        "emails": emails,
        **_outcome(row),
        "account_id": row.account_id,
        "account_db": account_db(row),
        "template_id": row.template_id,
        "macros": row.macros,
        "created": to_gregorian(row.created),
        "status": row.status,
        "attempts": row.attempts,
        "invalid_addresses": row.invalid_addresses,
        "message_id": row.message_id,
    }
    if row.template_account_id:
        data["template_account_id"] = row.template_account_id
    if not superduper and _is_private_port_comment(row):
        _hide_port_comment(data)
    return data


def _is_private_port_comment(row: SmtpLog) -> bool:
    if row.template_id != "port_comment":
        return False
    comment = ((row.macros or {}).get("port_request") or {}).get("comment")
    if not isinstance(comment, dict):
        return False
    # ``is_private``, or ``superduper_comment`` as older port requests call it.
    return comment.get("is_private") is True or comment.get("superduper_comment") is True


def _hide_port_comment(data: dict) -> None:
    """Kazoo's privacy rule: a superduper-only port comment is not shown to anyone else."""
    port_request = dict(data["macros"]["port_request"])
    port_request.pop("comment", None)
    data["macros"] = {**data["macros"], "port_request": port_request}
    data.pop("rendered_templates", None)


# --- Response ``data`` schemas (OpenAPI) ---------------------------------------------------

STATUS = {"type": "string", "enum": [value for value, _ in EMAIL_STATUSES]}
_OUTCOME = {
    "receipt": {**STRING, "description": "the SMTP server's final reply (once sent)"},
    "error": {**STRING, "description": "why it failed, or the last transient error"},
}

LOG_ENTRY_RESPONSE = obj(
    {
        "id": HEX_ID,
        "template_id": STRING,
        "from": nullable(STRING),
        "to": nullable({**STRING, "description": "the first To address"}),
        "subject": STRING,
        "created": GREGORIAN,
        **_OUTCOME,
        "status": STATUS,
        "attempts": INTEGER,
        "account_id": {**HEX_ID, "description": "with include_descendants=true"},
    },
    required=["id", "template_id", "from", "to", "subject", "created", "status", "attempts"],
)

LOG_DETAIL_RESPONSE = obj(
    {
        "id": HEX_ID,
        "rendered_templates": {**OBJECT, "description": "rendered body by content type"},
        "subject": STRING,
        "emails": obj(
            {
                "from": nullable(STRING),
                "to": STRINGS,
                "cc": STRINGS,
                "bcc": STRINGS,
                "reply_to": STRING,
            }
        ),
        **_OUTCOME,
        "account_id": HEX_ID,
        "account_db": STRING,
        "template_id": STRING,
        "template_account_id": {**HEX_ID, "description": "absent for system templates"},
        "macros": OBJECT,
        "created": GREGORIAN,
        "status": STATUS,
        "attempts": INTEGER,
        "invalid_addresses": STRINGS,
        "message_id": STRING,
    },
    required=["id", "subject", "emails", "account_id", "template_id", "created", "status"],
)
