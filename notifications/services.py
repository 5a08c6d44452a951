"""Sending and previewing notifications: render before queueing, then hand rows to workers.

``send`` is how other services trigger a notification (the send API calls it too);
``preview`` renders a template with sample data for an editor and optionally mails it.
The rows written here are the whole unit of work: workers only send what they contain.
"""

import base64
import binascii
from dataclasses import dataclass, field

from django.db import IntegrityError

from accounts.models import Account
from deliveries.rows import queue_rows
from notifications import dispatch, idempotency, recipients, rendering
from notifications.channels import with_defaults
from notifications.dispatch import SendOptions
from notifications.editing import (
    check_subject,
    check_template,
    clean_body,
    missing,
    resolved_or_404,
)
from notifications.macros import base_data, values_only
from notifications.models import HTML, PLAIN, SMS
from notifications.resolution import Resolved, resolve
from notifications.system_templates import deep_merge, sample_data
from smtplog.email import new_email, queue_emails
from smtplog.models import SmtpLog


@dataclass
class Rendered:
    subject: str
    bodies: dict[str, str]


@dataclass
class SendOutcome:
    status: str  # "queued" or "disabled"
    log_ids: list[str] = field(default_factory=list)
    invalid_addresses: list[str] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    suppressed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def as_data(self) -> dict:
        data: dict = {"status": self.status}
        if self.status != "disabled":
            data["log_ids"] = self.log_ids
            data["deliveries"] = self.deliveries
            data["suppressed"] = self.suppressed
            data["skipped"] = self.skipped
            data["invalid_addresses"] = self.invalid_addresses
        return data


def render(subject: str, bodies: dict[str, str], data: dict) -> Rendered:
    """Render every part; a part stored before the tag grammar was enforced that breaks
    it now is a 400 naming the part (re-save it), never a 500."""
    for part, source in (("subject", subject), *bodies.items()):
        check_template(part, source)
    rendered = {}
    if HTML in bodies:
        rendered[HTML] = rendering.render_html(bodies[HTML], data)
    if PLAIN in bodies:
        rendered[PLAIN] = rendering.render_text(bodies[PLAIN], data)
    return Rendered(subject=rendering.render_subject(subject, data), bodies=rendered)


def _context(
    account: Account,
    template_id: str,
    resolved: Resolved,
    document: dict,
    macros: dict | None,
    addresses: dict | None,
    options: SendOptions | None,
) -> dispatch.SendContext:
    """Render every body once (email's parts, and ``text/x-sms`` for the other channels)
    and gather what the channel planners read. ``user_ids`` outside the account's subtree
    are a 400 here, before anything is planned."""
    options = options or SendOptions()
    users = recipients.subtree_users(account, options.user_ids) if options.user_ids else []
    data = deep_merge(base_data(account), rendering.macros_to_data(macros or {}))
    sources = _sources(resolved)
    rendered = render(document["subject"], sources, data)
    bodies = dict(rendered.bodies)
    if sources.get(SMS):
        bodies[SMS] = rendering.render_text(sources[SMS], data)
    return dispatch.SendContext(
        account=account,
        template_id=template_id,
        document=document,
        subject=rendered.subject,
        email_bodies=rendered.bodies,
        bodies=bodies,
        macros=data,
        addresses=addresses or {},
        options=options,
        users=users,
        extra={"template_account_id": resolved.template_account_id},
    )


def _sources(resolved: Resolved) -> dict[str, str]:
    return {content_type: body.source for content_type, body in resolved.bodies.items()}


def new_log(
    account: Account,
    template_id: str,
    document: dict,
    rendered: Rendered,
    to: recipients.Recipients,
    macros: dict,
    **extra,
) -> SmtpLog:
    """An unsaved queued email row holding exactly what will be sent."""
    return new_email(
        account,
        template_id,
        from_addr=document["from"],
        to=to.to,
        cc=to.cc,
        bcc=to.bcc,
        reply_to=document.get("reply_to"),
        subject=rendered.subject,
        bodies=rendered.bodies,
        macros=macros,
        invalid=to.invalid,
        **extra,
    )


def send(
    account: Account,
    template_id: str,
    macros: dict | None = None,
    addresses: dict | None = None,
    reply_to: str | None = None,
    idempotency_key: str | None = None,
    options: SendOptions | None = None,
) -> SendOutcome:
    """Render ``template_id`` for ``account`` and queue its deliveries on every channel
    (SPEC §4.10, SPEC-channels §8). ``idempotency_key`` covers all of them."""
    if idempotency_key:
        previous = idempotency.previous_outcome(account, idempotency_key)
        if previous is not None:
            return previous
    resolved = resolve(account, template_id, with_source=True)
    if resolved is None:
        raise missing(template_id)
    document = with_defaults(dict(resolved.row.document))
    if document.get("enabled", True) is False:
        return SendOutcome(status="disabled")
    if reply_to:
        document["reply_to"] = reply_to
    planned = dispatch.plan(
        _context(account, template_id, resolved, document, macros, addresses, options)
    )
    outcome = SendOutcome(
        status="queued",
        log_ids=[row.pk for row in planned.rows],
        invalid_addresses=planned.invalid,
        deliveries=[dispatch.delivery_entry(row) for row in planned.rows],
        suppressed=planned.suppressed,
        skipped=planned.skipped,
    )
    if idempotency_key:
        idempotency.mark(planned.rows, idempotency_key, outcome)
    try:
        queue_rows(planned.rows)
    except IntegrityError:
        previous = (
            idempotency.previous_outcome(account, idempotency_key) if idempotency_key else None
        )
        if previous is None:
            raise
        return previous
    return outcome


def decode_html(value: str) -> str:
    """Preview html arrives base64-encoded; a value that is not base64 is used as is."""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return value


def preview_sources(resolved: Resolved, data: dict) -> tuple[str, dict[str, str]]:
    """Supplied subject/html/plain, each falling back to the effective stored one."""
    sources = _sources(resolved)
    if isinstance(data.get("html"), str):
        sources[HTML] = clean_body(HTML, decode_html(data["html"]), "html")
    if isinstance(data.get("plain"), str):
        sources[PLAIN] = clean_body(PLAIN, data["plain"], "plain")
    if isinstance(data.get("sms"), str):
        sources[SMS] = clean_body(SMS, data["sms"], "sms")  # raw text, like plain
    check_subject(data)
    subject = data.get("subject") or resolved.row.document.get("subject", "")
    return subject, sources


def preview(
    account: Account, template_id: str, data: dict, *, deliver: bool, superduper: bool = True
) -> Rendered:
    """Render ``template_id`` as ``data`` overrides it, with sample macros; maybe mail it."""
    resolved = resolved_or_404(account, template_id, with_source=True, superduper=superduper)
    subject, sources = preview_sources(resolved, data)
    macros = data.get("macros") if isinstance(data.get("macros"), dict) else {}
    macros = values_only(macros)  # Monster sends the catalogue's definitions back
    sample = deep_merge(sample_data(template_id), base_data(account))
    values = deep_merge(sample, rendering.macros_to_data(macros))
    rendered = render(subject, sources, values)
    if not deliver and SMS in sources:  # only shown: a preview mail carries no SMS body
        rendered.bodies[SMS] = rendering.render_text(sources[SMS], values)
    if deliver:
        document = {"from": data["from"], "reply_to": data.get("reply_to")}
        # In a preview only the request's own addresses count (reference §3.10).
        specified = {
            name: {"type": "specified", **data[name]}
            for name in ("to", "cc", "bcc")
            if isinstance(data.get(name), dict)
        }
        to = recipients.resolve(specified, {}, account)
        queue_emails([new_log(account, template_id, document, rendered, to, values)])
    return rendered
