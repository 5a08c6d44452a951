"""Being Freeside's external messaging service (SPEC-channels §11): prepare, then send.

*Prepare* renders the template for the substitution variables Freeside posts and writes
one delivery row per recipient, held in status ``prepared``; nothing is sent. The answer
is a signed document Freeside stores as the prepared message. *Send* takes that document
back verbatim, checks the signature, and releases the rows to the outbox exactly once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.timezone import now
from rest_framework.exceptions import APIException

from accounts.models import Account
from deliveries.queue import enqueue_on_commit
from deliveries.rows import queue_rows
from freeside import signing
from freeside.errors import FreesideError
from freeside.expiry import EXPIRED
from freeside.models import PreparedMessage
from gateways.selection import select_gateway
from notifications import rendering
from notifications.addresses import InvalidAddress, validate_address
from notifications.channel_rows import channel_body, new_channel_row
from notifications.channels import with_defaults
from notifications.editing import check_template, resolved_or_404
from notifications.macros import base_data
from notifications.models import HTML, PLAIN, SMS
from notifications.resolution import Resolved
from notifications.services import render
from smtplog.email import new_email
from smtplog.models import SmtpLog, Status

CHANNELS = ("email", "sms")  # what a Freeside message can become
ALTERED = "prepared message was altered"
MSGTYPE_LENGTH = SmtpLog._meta.get_field("msgtype").max_length  # Freeside's are short words
_PHONE_PUNCTUATION = re.compile(r"[\s().-]")


# --- prepare ---------------------------------------------------------------------------


def prepare(
    account: Account, template_id: str | None, body: dict, *, superduper: bool = False
) -> dict:
    """Render and hold one message for Freeside; the signed prepared document."""
    template_id = template_id or body.get("msgname")
    resolved = _template(account, template_id, superduper)
    document = with_defaults(resolved.row.document)
    if document.get("enabled", True) is False:
        raise FreesideError(409, f"template {template_id} is disabled")
    data = {**base_data(account), **body}  # Freeside's flat names, as they are
    subject, bodies = _rendered(resolved, document, data, _override(body))
    msgtype = _text(body.get("msgtype"))[:MSGTYPE_LENGTH]
    rows = _rows(Message(account, resolved, document, subject, bodies, data, msgtype), body)
    if not rows:
        raise FreesideError(400, "no recipients")
    prepared = _store(account, resolved.template_id, rows)
    return signing.signed(
        {
            "prepared_id": prepared.id,
            "account_id": account.id,
            "template_id": resolved.template_id,
            "msgname": _text(body.get("msgname")) or resolved.template_id,
            "msgtype": msgtype,
            "subject": subject,
            PLAIN: bodies.get(PLAIN),
            SMS: bodies.get(SMS),
            "deliveries": [_delivery(row) for row in rows],
            "expires_at": prepared.expires_at.isoformat().replace("+00:00", "Z"),
        }
    )


def _template(account: Account, template_id: object, superduper: bool) -> Resolved:
    if not isinstance(template_id, str) or not template_id or len(template_id) > 128:
        raise FreesideError(404, "template not found")
    try:
        return resolved_or_404(account, template_id, with_source=True, superduper=superduper)
    except APIException:
        raise FreesideError(404, f"template {template_id} not found") from None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _override(body: dict) -> str | None:
    """Freeside's override content (newer http.pm puts it in ``content``), if any."""
    content = body.get("content")
    return content if isinstance(content, str) and content.strip() else None


def _rendered(
    resolved: Resolved, document: dict, data: dict, override: str | None
) -> tuple[str, dict[str, str]]:
    """The subject and every body; override content replaces plain and SMS, drops html."""
    sources = {ct: body.source for ct, body in resolved.bodies.items() if body.source}
    if override is not None:
        sources = {PLAIN: override, SMS: override}
    try:
        email_sources = {ct: s for ct, s in sources.items() if ct in (HTML, PLAIN)}
        rendered = render(document.get("subject", ""), email_sources, data)
        bodies = dict(rendered.bodies)
        if SMS in sources:
            check_template(SMS, sources[SMS])
            bodies[SMS] = rendering.render_text(sources[SMS], data)
    except APIException as error:
        raise FreesideError(400, f"template cannot be rendered: {_detail(error)}") from None
    return rendered.subject, bodies


def _detail(error: APIException) -> str:
    data = getattr(error, "data", None)
    for rules in data.values() if isinstance(data, dict) else ():
        for rule in rules.values() if isinstance(rules, dict) else ():
            if isinstance(rule, dict) and rule.get("message"):
                return str(rule["message"])
    return str(error.detail)


def _addresses(value: object) -> list[str]:
    """A comma-separated string (Freeside's ``invoicing_email``) or a list, as addresses."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str):
            found.extend(part.strip() for part in item.split(","))
    return [address for address in found if address]


def recipients(body: dict, channel: str) -> list[str]:
    """The valid, de-duplicated addresses for ``channel``: ``to`` overrides the rest."""
    if "to" in body:
        candidates = _addresses(body["to"])
    elif channel == "email":
        candidates = _addresses(body.get("invoicing_email")) or _addresses(
            body.get("invoicing_list_emailonly")
        )
    else:
        candidates = _addresses(body.get("mobile"))
    valid: list[str] = []
    for candidate in candidates:
        if channel == "sms" and "@" not in candidate:
            candidate = _PHONE_PUNCTUATION.sub("", candidate)  # "+1 (415) 555-2671"
        try:
            address = validate_address(channel, candidate)
        except InvalidAddress:
            continue
        if address not in valid:
            valid.append(address)
    return valid


@dataclass
class Message:
    """One prepare: what every row of it is built from."""

    account: Account
    resolved: Resolved
    document: dict  # the effective template document
    subject: str
    bodies: dict[str, str]  # rendered, by content type
    data: dict  # the macros it was rendered with
    msgtype: str

    @property
    def template_id(self) -> str:
        return self.resolved.template_id

    @property
    def priority(self) -> int:
        return self.document.get("priority", 5)


def _rows(message: Message, body: dict) -> list[SmtpLog]:
    """One row per recipient and channel, each ``prepared`` (or already ``failed``)."""
    channels = [c for c in message.document.get("channels", ["email"]) if c in CHANNELS]
    rows: list[SmtpLog] = []
    if "email" in channels:
        rows += [_email_row(message, address) for address in recipients(body, "email")]
    if "sms" in channels and message.bodies.get(SMS):
        gateway = select_gateway(message.account, "sms", _pin(message.document))
        if gateway is not None:
            rows += [_sms_row(message, gateway, address) for address in recipients(body, "sms")]
    for row in rows:
        if row.status == Status.QUEUED:
            row.status = Status.PREPARED
    return rows


def _pin(document: dict) -> str | None:
    pins = document.get("gateways")
    pin = pins.get("sms") if isinstance(pins, dict) else None
    return pin if isinstance(pin, str) else None


def _email_row(message: Message, address: str) -> SmtpLog:
    """One mail per address: Freeside lists each recipient as a delivery of its own."""
    bodies = {ct: text for ct, text in message.bodies.items() if ct in (HTML, PLAIN)}
    row = new_email(
        message.account,
        message.template_id,
        from_addr=message.document.get("from") or settings.DEFAULT_NOTIFICATION_FROM,
        to=[address],
        reply_to=message.document.get("reply_to"),
        subject=message.subject,
        bodies=bodies,
        macros=message.data,
        template_account_id=message.resolved.template_account_id,
        msgtype=message.msgtype,
        priority=message.priority,
    )
    row.to = address
    return row


def _sms_row(message: Message, gateway: Any, address: str) -> SmtpLog:
    return new_channel_row(
        message.account,
        message.template_id,
        channel="sms",
        to=address,
        subject=message.subject,
        body=channel_body("sms", message.bodies),
        macros=message.data,
        gateway=gateway,
        priority=message.priority,
        msgtype=message.msgtype,
        template_account_id=message.resolved.template_account_id,
    )


def _delivery(row: SmtpLog) -> dict:
    return {"id": row.id, "channel": row.channel, "to": row.to}


def _store(account: Account, template_id: str, rows: list[SmtpLog]) -> PreparedMessage:
    """Save the rows (held: ``queue_rows`` dispatches only queued ones) and their record."""
    created = now()
    ttl = timedelta(seconds=settings.FREESIDE_PREPARED_TTL)
    with transaction.atomic():
        queue_rows(rows)
        return PreparedMessage.objects.create(
            account=account,
            template_id=template_id,
            row_ids=[row.id for row in rows],
            created_at=created,
            expires_at=(created + ttl).replace(microsecond=0),
        )


# --- send ------------------------------------------------------------------------------


def send(account: Account, document: object) -> dict:
    """Release a prepared message's rows to the outbox, once; the same answer on a repeat."""
    if not isinstance(document, dict) or not signing.is_authentic(document):
        raise FreesideError(400, ALTERED)
    prepared = PreparedMessage.objects.filter(
        pk=str(document.get("prepared_id")), account=account
    ).first()
    if prepared is None:
        raise FreesideError(404, "prepared message not found")
    if prepared.sent_at is None and not _release(prepared):
        prepared.refresh_from_db()
        if prepared.sent_at is None:
            raise FreesideError(410, EXPIRED)
    return {"status": "queued", "deliveries": document["deliveries"]}


def _release(prepared: PreparedMessage) -> bool:
    """Claim the send (a conditional update) and queue the rows; False if expired."""
    moment = now()
    with transaction.atomic():
        claimed = PreparedMessage.objects.filter(
            pk=prepared.pk, sent_at__isnull=True, expired_at__isnull=True, expires_at__gt=moment
        ).update(sent_at=moment)
        if not claimed:
            return False
        rows = SmtpLog.objects.filter(pk__in=prepared.row_ids, status=Status.PREPARED)
        ready = list(rows.filter(held=False).values_list("pk", "priority"))
        rows.update(status=Status.QUEUED)
        by_priority: dict[int, list[str]] = defaultdict(list)
        for pk, priority in ready:
            by_priority[priority].append(pk)
        for priority in sorted(by_priority, reverse=True):
            enqueue_on_commit(by_priority[priority], priority)
    return True
