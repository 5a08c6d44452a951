"""customer_update: a reseller's message to the users of its customer accounts (SPEC §7).

``start`` validates, counts and records the broadcast and answers at once; ``fan_out``
(a background task) walks the target users in id order, a batch per transaction, writing
one rendered SMTP log row per user and handing each batch to the delivery workers. The
fan-out is resumable and single-owner (see ``notifications.models.Broadcast``), so a crash
neither loses nor duplicates an email, and memory stays flat whatever the audience.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.timezone import now

from accounts.models import Account, User
from accounts.tenancy import descendants
from config.errors import field_error
from config.ids import is_hex_id, new_id
from notifications import recipients, rendering
from notifications.editing import check_subject, clean_body
from notifications.macros import account_macros, system_macros
from notifications.models import HTML, PLAIN, Broadcast
from notifications.resolution import resolve
from notifications.services import Rendered, decode_html, new_log
from smtplog.email import queue_emails
from smtplog.models import SmtpLog, Status

TEMPLATE_ID = "customer_update"
BATCH_SIZE = 500
ADMINS_ONLY, ALL_USERS = "admins_only", "all_users"


@dataclass(frozen=True)
class Message:
    """What every recipient gets, before personalisation (stored on the broadcast)."""

    subject: str
    sources: dict[str, str]
    from_addr: str
    reply_to: str | None


def target_accounts(sender: Account, spec: dict) -> QuerySet[Account]:
    if spec.get("recipient_id"):
        return Account.objects.filter(pk=spec["recipient_id"])
    if spec.get("include_descendants"):
        return descendants(sender)
    return Account.objects.filter(parent=sender)


def target_users(sender: Account, spec: dict) -> QuerySet[User]:
    users = User.objects.filter(account__in=target_accounts(sender, spec), enabled=True)
    user_type = spec.get("user_type") or ADMINS_ONLY
    if user_type == ADMINS_ONLY:
        return users.filter(priv_level=User.ADMIN)
    if user_type == ALL_USERS:
        return users
    return users.filter(pk=user_type)


def _check_targets(sender: Account, spec: dict) -> None:
    recipient_id = spec.get("recipient_id")
    if recipient_id is not None and not (
        is_hex_id(recipient_id) and descendants(sender).filter(pk=recipient_id).exists()
    ):
        raise field_error(
            "recipient_id",
            "not_found",
            "The recipient account is not a descendant of this account",
            cause=recipient_id,
        )
    user_type = spec.get("user_type") or ADMINS_ONLY
    if user_type not in (ADMINS_ONLY, ALL_USERS) and not (
        is_hex_id(user_type) and target_users(sender, spec).exists()
    ):
        raise field_error(
            "user_type",
            "not_found",
            "user_type must be admins_only, all_users or the id of a target user",
            cause=user_type,
        )


def message_for(sender: Account, spec: dict) -> Message:
    """The sender's effective customer_update template with the request's overrides."""
    check_subject(spec)
    resolved = resolve(sender, TEMPLATE_ID, with_source=True)
    document = resolved.row.document if resolved else {}
    sources = {ct: b.source for ct, b in resolved.bodies.items()} if resolved else {}
    if isinstance(spec.get("html"), str) or isinstance(spec.get("plain"), str):
        sources = {}  # a message written for this broadcast replaces both bodies
        if isinstance(spec.get("html"), str):
            sources[HTML] = clean_body(HTML, decode_html(spec["html"]), "html")
        if isinstance(spec.get("plain"), str):
            sources[PLAIN] = clean_body(PLAIN, spec["plain"], "plain")
    return Message(
        subject=spec.get("subject") or document.get("subject", "Customer update"),
        sources=sources,
        from_addr=spec.get("from") or document.get("from") or settings.DEFAULT_NOTIFICATION_FROM,
        reply_to=spec.get("reply_to") or document.get("reply_to"),
    )


def start(sender: Account, spec: dict) -> Broadcast:
    """Validate, count and record a broadcast; the fan-out starts once this commits."""
    _check_targets(sender, spec)
    message = message_for(sender, spec)
    with_email = ~Q(email="")
    counts = target_users(sender, spec).aggregate(
        recipients=Count("pk", filter=with_email), skipped=Count("pk", filter=~with_email)
    )
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            account=sender,
            accounts=target_accounts(sender, spec).count(),
            recipients=counts["recipients"],
            skipped=counts["skipped"],
            request={"targets": _target_spec(spec), "message": message.__dict__},
        )
        transaction.on_commit(lambda: _schedule(broadcast.pk))
    return broadcast


def _target_spec(spec: dict) -> dict:
    keys = ("recipient_id", "include_descendants", "user_type")
    return {key: spec[key] for key in keys if key in spec}


def _schedule(broadcast_id: str) -> None:
    from config import background
    from notifications.tasks import fan_out_broadcast

    background.run(fan_out_broadcast, broadcast_id)


# --- fan-out --------------------------------------------------------------------------------


def _acquire(broadcast_id: str, owner: str) -> bool:
    stale = now() - timedelta(seconds=settings.DELIVERY_STALE_AFTER)
    return bool(
        Broadcast.objects.filter(pk=broadcast_id, finished__isnull=True)
        .filter(Q(heartbeat__isnull=True) | Q(heartbeat__lt=stale) | Q(owner=owner))
        .update(owner=owner, heartbeat=now())
    )


def fan_out(broadcast_id: str) -> int:
    """Write and queue the rows of a broadcast; returns how many this call wrote."""
    owner = new_id()
    if not _acquire(broadcast_id, owner):
        return 0  # finished, or another worker is on it
    broadcast = Broadcast.objects.select_related("account__parent").get(pk=broadcast_id)
    message = Message(**broadcast.request["message"])
    sender_data = {"account": account_macros(broadcast.account, broadcast.account.parent)}
    users = (
        target_users(broadcast.account, broadcast.request["targets"])
        .exclude(email="")
        .select_related("account")
        .order_by("pk")
    )
    cursor, written = broadcast.cursor, 0
    while True:
        batch = list(users.filter(pk__gt=cursor)[:BATCH_SIZE])
        if not batch:
            break
        if not _write_batch(broadcast, owner, message, sender_data, batch):
            return written  # lost ownership: someone else resumed this fan-out
        cursor, written = batch[-1].pk, written + len(batch)
    Broadcast.objects.filter(pk=broadcast_id, owner=owner).update(finished=now())
    return written


def _write_batch(broadcast, owner, message: Message, sender_data: dict, batch) -> bool:
    rows = [_row(broadcast, message, sender_data, user) for user in batch]
    with transaction.atomic():
        advanced = Broadcast.objects.filter(pk=broadcast.pk, owner=owner).update(
            cursor=batch[-1].pk, heartbeat=now()
        )
        if not advanced:
            return False
        queue_emails(rows)
    return True


def _row(broadcast: Broadcast, message: Message, sender_data: dict, user: User) -> SmtpLog:
    data = {
        **sender_data,
        "user": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "username": user.username,
            "timezone": user.timezone,
        },
        "customer": {"id": user.account.id, "name": user.account.name, "realm": user.account.realm},
        "system": system_macros(),
    }
    rendered = Rendered(
        subject=rendering.render_subject(message.subject, data),
        bodies={
            ct: (rendering.render_html if ct == HTML else rendering.render_text)(src, data)
            for ct, src in message.sources.items()
        },
    )
    document = {"from": message.from_addr, "reply_to": message.reply_to}
    to = recipients.Recipients(to=[user.email] if recipients.is_valid_address(user.email) else [])
    if not to.to:
        to.invalid.append(user.email)
    return new_log(
        broadcast.account, TEMPLATE_ID, document, rendered, to, data, broadcast=broadcast
    )


def resume_unfinished() -> int:
    """Restart fan-outs whose worker died (periodic; a no-op while owners are alive)."""
    stale = now() - timedelta(seconds=settings.DELIVERY_STALE_AFTER)
    pending = Broadcast.objects.filter(finished__isnull=True).filter(
        Q(heartbeat__isnull=True, created__lt=now() - timedelta(seconds=5)) | Q(heartbeat__lt=stale)
    )
    ids = list(pending.values_list("pk", flat=True)[:100])
    for broadcast_id in ids:
        _schedule(broadcast_id)
    return len(ids)


def status_counts(broadcast: Broadcast) -> dict:
    counts = dict.fromkeys(Status.values, 0)
    rows = SmtpLog.objects.filter(broadcast=broadcast).values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts
