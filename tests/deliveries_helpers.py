"""Shared bits of the delivery log tests: rows made the way the send path makes them."""

from deliveries.rows import queue_rows
from gateways.models import Gateway
from notifications.channel_rows import new_channel_row
from smtplog.models import SmtpLog


def deliveries_path(account_id: str, rest: str = "") -> str:
    return f"/v2/accounts/{account_id}/deliveries{rest}"


def sms_row(account, gateway_id: str | None = None, *, to="+15550002222", text="hello", **extra):
    """One queued sms row (saved, not yet dispatched); ``extra`` goes to ``new_channel_row``."""
    gateway = Gateway.objects.get(pk=gateway_id) if gateway_id else None
    fields = {"template_id": "voicemail_to_email", **extra}
    created = fields.pop("created", None)
    row = new_channel_row(
        account,
        fields.pop("template_id"),
        channel=fields.pop("channel", "sms"),
        to=to,
        subject=fields.pop("subject", ""),
        body={"text/x-sms": text},
        macros={},
        gateway=gateway,
        **fields,
    )
    if created is not None:
        row.created = created
    queue_rows([row])
    return row


def email_row(account, *, to="alice@example.com", cc=(), **fields) -> SmtpLog:
    """An email row as the SMTP log holds it (one row per mail, no ``to`` column)."""
    emails = {"from": "no_reply@example.net", "to": [to], "cc": list(cc), "bcc": []}
    defaults = {
        "template_id": "new_user",
        "subject": "Welcome",
        "emails": emails,
        "recipients": " ".join([to, *cc]),
        "rendered_templates": {"text/plain": "Hi\n", "text/html": "<p>Hi</p>"},
    }
    return SmtpLog.objects.create(account=account, **{**defaults, **fields})
