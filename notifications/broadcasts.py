"""customer_update: a reseller's message to the users of its customer accounts (SPEC §7),
and the mass mailing of any template to them over channels (SPEC-channels §13.4).

``start`` validates, counts and records the broadcast and answers at once; ``fan_out``
(a background task) walks the target users in id order, a batch per transaction, writing
one rendered row per user and channel (see ``notifications.broadcast_channels`` for who
gets one) and handing each batch to the delivery workers. The
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
from deliveries.rows import queue_rows
from gateways.models import Gateway
from notifications import broadcast_channels, recipients, rendering
from notifications.broadcast_channels import EMAIL, ChannelPlan
from notifications.channel_rows import channel_body, new_channel_row
from notifications.editing import check_subject, clean_body, missing
from notifications.macros import account_macros, system_macros
from notifications.models import HTML, PLAIN, SMS, Broadcast
from notifications.resolution import resolve
from notifications.services import Rendered, decode_html, new_log
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
    template_id: str = TEMPLATE_ID
    priority: int = 5
    opt_out_allowed: bool = True


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


def message_for(sender: Account, spec: dict, template_id: str = TEMPLATE_ID) -> Message:
    """The sender's effective template with the request's overrides.

    customer_update works without any template (Kazoo sends the supplied parts); any other
    template id must resolve for the sender (404 otherwise).
    """
    check_subject(spec)
    resolved = resolve(sender, template_id, with_source=True)
    if resolved is None and template_id != TEMPLATE_ID:
        raise missing(template_id)
    document = resolved.row.document if resolved else {}
    sources = {ct: b.source for ct, b in resolved.bodies.items()} if resolved else {}
    if any(isinstance(spec.get(key), str) for key in ("html", "plain", "sms")):
        sources = _written_sources(spec)  # a message written for this broadcast replaces all
    return Message(
        subject=spec.get("subject") or document.get("subject", "Customer update"),
        sources=sources,
        from_addr=spec.get("from") or document.get("from") or settings.DEFAULT_NOTIFICATION_FROM,
        reply_to=spec.get("reply_to") or document.get("reply_to"),
        template_id=template_id,
        priority=document.get("priority", 5),
        opt_out_allowed=document.get("opt_out_allowed", True),
    )


def _written_sources(spec: dict) -> dict[str, str]:
    sources = {}
    if isinstance(spec.get("html"), str):
        sources[HTML] = clean_body(HTML, decode_html(spec["html"]), "html")
    if isinstance(spec.get("plain"), str):
        sources[PLAIN] = clean_body(PLAIN, spec["plain"], "plain")
    if isinstance(spec.get("sms"), str):
        sources[SMS] = clean_body(SMS, spec["sms"], "sms")  # raw text, like plain
    return sources


def start(sender: Account, spec: dict, template_id: str = TEMPLATE_ID) -> Broadcast:
    """Validate, count and record a broadcast; the fan-out starts once this commits."""
    _check_targets(sender, spec)
    channels = spec.get("channels") or [EMAIL]
    broadcast_channels.check_channels(sender, channels)
    message = message_for(sender, spec, template_id)
    plans = broadcast_channels.plan(sender, channels, message.sources)
    by_channel = broadcast_channels.count(
        sender, target_users(sender, spec), plans, template_id, message.opt_out_allowed
    )
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            account=sender,
            template_id=template_id,
            accounts=target_accounts(sender, spec).count(),
            recipients=sum(c["recipients"] for c in by_channel.values()),
            skipped=sum(c["skipped"] for c in by_channel.values()),
            by_channel=by_channel,
            request={
                "targets": _target_spec(spec),
                "message": message.__dict__,
                "channels": [p.__dict__ for p in plans],
            },
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


@dataclass
class _Run:
    """What every batch of one fan-out needs, loaded once per run."""

    broadcast: Broadcast
    owner: str
    message: Message
    sender_data: dict
    plans: list[ChannelPlan]
    gateways: dict[str, Gateway | None]


def _plans(broadcast: Broadcast) -> list[ChannelPlan]:
    """The channels to write (broadcasts recorded before channels existed: email)."""
    stored = broadcast.request.get("channels") or [{"channel": EMAIL}]
    return [plan for plan in map(lambda p: ChannelPlan(**p), stored) if not plan.skip]


def _run(broadcast: Broadcast, owner: str) -> _Run:
    plans = _plans(broadcast)
    ids = [p.gateway_id for p in plans if p.gateway_id]
    found = {g.pk: g for g in Gateway.objects.filter(pk__in=ids)}
    return _Run(
        broadcast=broadcast,
        owner=owner,
        message=Message(**broadcast.request["message"]),
        sender_data={"account": account_macros(broadcast.account, broadcast.account.parent)},
        plans=plans,
        gateways={p.channel: found.get(p.gateway_id) for p in plans},
    )


def _audience(run: _Run) -> QuerySet[User]:
    """Target users with an address on at least one channel, in id order."""
    reachable = broadcast_channels.reachable([plan.channel for plan in run.plans])
    users = target_users(run.broadcast.account, run.broadcast.request["targets"])
    return users.filter(reachable).select_related("account").order_by("pk")


def fan_out(broadcast_id: str) -> int:
    """Write and queue the rows of a broadcast; returns how many this call wrote."""
    owner = new_id()
    if not _acquire(broadcast_id, owner):
        return 0  # finished, or another worker is on it
    broadcast = Broadcast.objects.select_related("account__parent").get(pk=broadcast_id)
    run = _run(broadcast, owner)
    users = _audience(run) if run.plans else User.objects.none()
    cursor, written = broadcast.cursor, 0
    while True:
        batch = list(users.filter(pk__gt=cursor)[:BATCH_SIZE])
        if not batch:
            break
        count = _write_batch(run, batch)
        if count is None:
            return written  # lost ownership: someone else resumed this fan-out
        cursor, written = batch[-1].pk, written + count
    Broadcast.objects.filter(pk=broadcast_id, owner=owner).update(finished=now())
    return written


def _write_batch(run: _Run, batch: list[User]) -> int | None:
    """Write one batch's rows with its cursor, atomically; None if ownership was lost."""
    rows = _rows(run, batch)
    with transaction.atomic():
        advanced = Broadcast.objects.filter(pk=run.broadcast.pk, owner=run.owner).update(
            cursor=batch[-1].pk, heartbeat=now()
        )
        if not advanced:
            return None
        queue_rows(rows)
    return len(rows)


def _rows(run: _Run, batch: list[User]) -> list[SmtpLog]:
    """Every row of the batch: per channel, the users who pass its checks."""
    message, rendered, rows = run.message, {}, []
    for plan in run.plans:
        for user, address in broadcast_channels.addresses(
            run.broadcast.account,
            batch,
            plan.channel,
            message.template_id,
            message.opt_out_allowed,
        ):
            if user.pk not in rendered:
                rendered[user.pk] = _render(message, run.sender_data, user)
            data, content = rendered[user.pk]
            rows.append(_row(run, plan, user, address, data, content))
    return rows


def _user_data(sender_data: dict, user: User) -> dict:
    return {
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


def _render(message: Message, sender_data: dict, user: User) -> tuple[dict, Rendered]:
    """One user's macros and message, rendered once for all of the user's channels."""
    data = _user_data(sender_data, user)
    renderers = {HTML: rendering.render_html, PLAIN: rendering.render_text}
    return data, Rendered(
        subject=rendering.render_subject(message.subject, data),
        bodies={
            ct: renderers.get(ct, rendering.render_text)(src, data)
            for ct, src in message.sources.items()
        },
    )


def _row(run: _Run, plan: ChannelPlan, user: User, address: str, data: dict, content) -> SmtpLog:
    message, broadcast = run.message, run.broadcast
    if plan.channel == EMAIL:
        return _email_row(broadcast, message, address, data, content)
    return new_channel_row(
        broadcast.account,
        message.template_id,
        channel=plan.channel,
        to=address,
        subject=content.subject,
        body=channel_body(plan.channel, content.bodies),
        macros=data,
        gateway=run.gateways.get(plan.channel),
        priority=message.priority,
        broadcast=broadcast,
    )


def _email_row(broadcast, message: Message, address: str, data: dict, content) -> SmtpLog:
    bodies = {ct: body for ct, body in content.bodies.items() if ct in (HTML, PLAIN)}
    document = {"from": message.from_addr, "reply_to": message.reply_to}
    to = recipients.Recipients(to=[address] if recipients.is_valid_address(address) else [])
    if not to.to:
        to.invalid.append(address)
    rendered = Rendered(subject=content.subject, bodies=bodies)
    return new_log(
        broadcast.account, message.template_id, document, rendered, to, data, broadcast=broadcast
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
    """The broadcast's rows by status (every status present, zeros included)."""
    return {status: sum(n.values()) for status, n in _by_status_channel(broadcast).items()}


def channel_status_counts(broadcast: Broadcast) -> dict[str, dict[str, int]]:
    """``{channel: {status: rows}}`` for every channel the broadcast asked for."""
    channels = {c: dict.fromkeys(Status.values, 0) for c in broadcast.by_channel or {EMAIL: 0}}
    for status, per_channel in _by_status_channel(broadcast).items():
        for channel, n in per_channel.items():
            channels.setdefault(channel, dict.fromkeys(Status.values, 0))[status] = n
    return channels


def _by_status_channel(broadcast: Broadcast) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {status: {} for status in Status.values}
    rows = (
        SmtpLog.objects.filter(broadcast=broadcast)
        .values_list("status", "channel")
        .annotate(n=Count("pk"))
    )
    for status, channel, n in rows:
        counts.setdefault(status, {})[channel] = n
    return counts
