"""One outbox row per recipient for the channels other than email (SPEC-channels §8, §13.3).

Email rows are built by :func:`smtplog.email.new_email` (one row per mail). Every other
channel gets one row per address holding what that channel sends: ``text/x-sms`` for sms
and custom channels, subject + ``text/plain`` (+ ``text/html``) for ``internal``. Rows are
rendered here, before queueing; the worker only sends what a row holds.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.timezone import now

from accounts.models import Account
from notifications.models import HTML, PLAIN, SMS
from notifications.sms import segments
from smtplog.models import Failure, SmtpLog, Status

INTERNAL = "internal"


def channel_body(channel: str, bodies: dict[str, str]) -> dict[str, str]:
    """The rendered bodies a row of ``channel`` carries (empty: nothing to send)."""
    if channel == INTERNAL:
        return {ct: bodies[ct] for ct in (PLAIN, HTML) if bodies.get(ct)}
    return {SMS: bodies[SMS]} if bodies.get(SMS) else {}


def new_channel_row(
    account: Account,
    template_id: str,
    *,
    channel: str,
    to: str,
    subject: str,
    body: dict[str, str],
    macros: dict,
    gateway: Any = None,
    priority: int = 5,
    force: bool = False,
    msgtype: str = "",
    media_url: str = "",
    **extra: Any,
) -> SmtpLog:
    """An unsaved row for one address on one channel.

    ``gateway`` (a :class:`gateways.models.Gateway` or None) routes the row; a paused one
    holds it unless ``force``. An SMS text over ``SMS_MAX_LENGTH`` makes the row ``failed``
    at once (``permanent-failure``, no attempt), so the log shows why nothing was sent.
    """
    if media_url:
        body = {**body, "media_url": media_url}
    row = SmtpLog(
        account=account,
        template_id=template_id,
        channel=channel,
        to=to,
        recipients=to,
        subject=subject,
        body=body,
        macros=macros,
        priority=priority,
        force=force,
        msgtype=msgtype,
        gateway_id=getattr(gateway, "id", None),
        gateway_account_id=getattr(gateway, "account_id", None),
        held=bool(gateway is not None and gateway.paused and not force),
        created=now(),
        **extra,
    )
    text = body.get(SMS)
    if text is not None:
        row.segments = segments(text)
        if len(text) > settings.SMS_MAX_LENGTH:
            row.status, row.failure = Status.FAILED, Failure.PERMANENT
            row.error = f"text longer than {settings.SMS_MAX_LENGTH} characters"
            row.finished_at = row.created
    return row
