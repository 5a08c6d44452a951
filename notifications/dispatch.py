"""Planning one send over every channel (SPEC-channels §8 "Send").

``plan(context)`` turns a rendered template into the outbox rows of every requested
channel, and says what it left out and why:

* **email**: one row per mail as before, through the ``EMAIL_*`` relay, or through the
  selected smtp gateway (``gateway_id`` set). A non-smtp gateway serving email (a vendor)
  gets one row per To/Cc/Bcc address instead.
* **internal**: one row per user (the address is the user id); no gateway.
* **any other channel**: a gateway is required (``no_gateway``), a body for the channel
  (``no_body``) and someone to send to (``no_recipients``); one row per address.

A pin (send ``gateway_ids.{C}``, else template ``gateways.{C}``) that names no gateway
visible to the account skips the channel with ``gateway_unavailable``. Subscriptions
filter recipients that come from users (``unsubscribed``); suppressions filter everyone
(``suppressed``). Nothing here saves anything: the caller queues ``Plan.rows``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import Account, User
from gateways.models import Gateway
from gateways.selection import select_gateway
from notifications import recipients
from notifications.channel_rows import INTERNAL, channel_body, new_channel_row
from notifications.models import HTML, PLAIN
from notifications.recipients import Recipient
from preferences.services import subscribed_user_ids, suppressed_addresses
from smtplog.email import new_email
from smtplog.models import SmtpLog

EMAIL = "email"


@dataclass
class SendOptions:
    """The send API's per-channel options, validated (see ``notifications.api.sending``)."""

    channels: list[str] | None = None  # None: the template's effective channels
    contacts: dict[str, list] = field(default_factory=dict)
    user_ids: list[str] = field(default_factory=list)
    priority: int | None = None  # None: the template's
    gateway_ids: dict[str, str] = field(default_factory=dict)
    force: bool = False
    msgtype: str = ""
    media_url: str = ""


@dataclass
class SendContext:
    """Everything the channel planners read; built once per send."""

    account: Account
    template_id: str
    document: dict  # the effective template document, new fields defaulted
    subject: str
    email_bodies: dict[str, str]  # text/html + text/plain, as email rows keep them
    bodies: dict[str, str]  # every rendered body, text/x-sms included
    macros: dict
    addresses: dict  # the caller's to/cc/bcc
    options: SendOptions
    users: list[User]  # the send's user_ids, checked to be in the account's subtree
    extra: dict = field(default_factory=dict)  # row fields every row gets

    @property
    def priority(self) -> int:
        if self.options.priority is not None:
            return self.options.priority
        return int(self.document.get("priority", 5))

    def channels(self) -> list[str]:
        """Requested channels, email first (its rows lead ``log_ids``), de-duplicated."""
        names = self.options.channels or self.document.get("channels") or [EMAIL]
        unique = list(dict.fromkeys(names))
        return sorted(unique, key=lambda name: name != EMAIL)


@dataclass
class Plan:
    rows: list[SmtpLog] = field(default_factory=list)
    suppressed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def skip(self, channel: str, reason: str) -> None:
        self.skipped.append({"channel": channel, "reason": reason})

    def add_invalid(self, addresses: list[str]) -> None:
        self.invalid.extend(a for a in addresses if a not in self.invalid)


def plan(context: SendContext) -> Plan:
    """The rows of one send on every requested channel, and what was left out."""
    result = Plan()
    for channel in context.channels():
        if channel == EMAIL:
            plan_email(context, result)
        elif channel == INTERNAL:
            plan_internal(context, result)
        else:
            plan_gateway_channel(context, channel, result)
    return result


# ----------------------------------------------------------------------------- gateways


def pinned(context: SendContext, channel: str) -> str | None:
    """The gateway a send (first) or the template pins for ``channel``."""
    pins = context.document.get("gateways")
    template_pin = pins.get(channel) if isinstance(pins, dict) else None
    return context.options.gateway_ids.get(channel) or template_pin


def choose_gateway(
    context: SendContext, channel: str, result: Plan, *, required: bool
) -> tuple[bool, Gateway | None]:
    """``(go on, gateway)``: False when the channel was skipped (pin or none found)."""
    pin = pinned(context, channel)
    gateway = select_gateway(context.account, channel, pin)
    if pin and gateway is None:
        result.skip(channel, "gateway_unavailable")
        return False, None
    if gateway is None and required:
        result.skip(channel, "no_gateway")
        return False, None
    return True, gateway


# ---------------------------------------------------------------------------- filtering


def keep_wanted(
    context: SendContext, channel: str, candidates: list[Recipient], result: Plan
) -> list[Recipient]:
    """Drop users who unsubscribed, then every suppressed address; report both."""
    opt_out = context.document.get("opt_out_allowed", True) is not False
    from_users = [r.user_id for r in candidates if r.user_id]
    subscribed = subscribed_user_ids(
        from_users, context.template_id, channel, opt_out_allowed=opt_out
    )
    kept = []
    for recipient in candidates:
        if recipient.user_id and recipient.user_id not in subscribed:
            result.suppressed.append(
                {"channel": channel, "to": recipient.address, "reason": "unsubscribed"}
            )
        else:
            kept.append(recipient)
    blocked = suppressed_addresses(context.account, channel, [r.address for r in kept])
    for recipient in kept:
        if recipient.address in blocked:
            result.suppressed.append(
                {"channel": channel, "to": recipient.address, "reason": "suppressed"}
            )
    return [r for r in kept if r.address not in blocked]


# -------------------------------------------------------------------------------- email


def email_recipients(context: SendContext, result: Plan) -> tuple[recipients.Recipients, bool]:
    """To/Cc/Bcc after subscriptions and suppressions, and whether anyone was named at all.

    The send's ``user_ids`` add their e-mails to To (they count as coming from users).
    """
    found = recipients.resolve(context.document, context.addresses, context.account)
    result.add_invalid(found.invalid)
    listed = {a.lower() for a in (*found.to, *found.cc, *found.bcc)}
    user_of: dict[str, str] = {}
    for user in context.users:
        if user.email and user.enabled and user.email.lower() not in listed:
            listed.add(user.email.lower())
            found.to.append(user.email)
            user_of[user.email] = user.pk
    named = not found.empty
    for name in recipients.FIELDS:
        candidates = [Recipient(a, user_of.get(a)) for a in getattr(found, name)]
        kept = keep_wanted(context, EMAIL, candidates, result)
        setattr(found, name, [r.address for r in kept])
    return found, named


def plan_email(context: SendContext, result: Plan) -> None:
    go_on, gateway = choose_gateway(context, EMAIL, result, required=False)
    if not go_on:
        return
    found, named = email_recipients(context, result)
    if named and found.empty:
        return  # everyone named was suppressed or unsubscribed: reported, no row
    if not named and context.channels() != [EMAIL]:
        # An email-only send keeps its answer of old (a failed row saying "no valid
        # recipients"); beside other channels, email without anyone is just skipped.
        result.skip(EMAIL, "no_recipients")
        return
    if gateway is None or gateway.kind == "smtp":
        result.rows.append(email_row(context, found, gateway))
        return
    body = {ct: context.email_bodies[ct] for ct in (PLAIN, HTML) if context.email_bodies.get(ct)}
    if not body:
        result.skip(EMAIL, "no_body")
        return
    for address in (*found.to, *found.cc, *found.bcc):
        result.rows.append(channel_row(context, EMAIL, address, body, gateway))


def email_row(
    context: SendContext, found: recipients.Recipients, gateway: Gateway | None
) -> SmtpLog:
    """One mail to every To/Cc/Bcc, through the relay or an smtp gateway."""
    document = context.document
    row = new_email(
        context.account,
        context.template_id,
        from_addr=document["from"],
        to=found.to,
        cc=found.cc,
        bcc=found.bcc,
        reply_to=document.get("reply_to"),
        subject=context.subject,
        bodies=context.email_bodies,
        macros=context.macros,
        invalid=found.invalid,
        priority=context.priority,
        force=context.options.force,
        **context.extra,
    )
    if gateway is not None:
        row.gateway_id, row.gateway_account_id = gateway.id, gateway.account_id
        row.held = gateway.paused and not context.options.force
    return row


# ----------------------------------------------------------------------- other channels


def plan_internal(context: SendContext, result: Plan) -> None:
    """In-app: one row per user, no gateway (SPEC-channels §13.3)."""
    body = channel_body(INTERNAL, context.bodies)
    if not body:
        result.skip(INTERNAL, "no_body")
        return
    add_channel_rows(context, INTERNAL, body, None, result)


def plan_gateway_channel(context: SendContext, channel: str, result: Plan) -> None:
    """sms and custom channels: a gateway, a ``text/x-sms`` body and recipients."""
    go_on, gateway = choose_gateway(context, channel, result, required=True)
    if not go_on:
        return
    body = channel_body(channel, context.bodies)
    if not body:
        result.skip(channel, "no_body")
        return
    add_channel_rows(context, channel, body, gateway, result)


def add_channel_rows(
    context: SendContext, channel: str, body: dict, gateway: Gateway | None, result: Plan
) -> None:
    found = recipients.channel_recipients(
        context.account,
        context.document,
        channel,
        contacts=context.options.contacts,
        user_ids=[user.pk for user in context.users],
    )
    result.add_invalid(found.invalid)
    if not found.recipients:
        result.skip(channel, "no_recipients")
        return
    for recipient in keep_wanted(context, channel, found.recipients, result):
        result.rows.append(channel_row(context, channel, recipient.address, body, gateway))


def channel_row(
    context: SendContext, channel: str, to: str, body: dict, gateway: Gateway | None
) -> SmtpLog:
    options = context.options
    return new_channel_row(
        context.account,
        context.template_id,
        channel=channel,
        to=to,
        subject=context.subject,
        body=body,
        macros=context.macros,
        gateway=gateway,
        priority=context.priority,
        force=options.force,
        msgtype=options.msgtype,
        media_url=options.media_url,
        **context.extra,
    )


def delivery_entry(row: SmtpLog) -> dict[str, Any]:
    """A row as the send answer lists it; the status is the one it was created with."""
    return {
        "id": row.pk,
        "channel": row.channel,
        "to": row.to or row.recipients,
        "gateway_id": row.gateway_id,
        "status": "failed" if row.status == "failed" and not row.attempts else "queued",
        "held": row.held,
    }
