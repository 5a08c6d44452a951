"""Who a broadcast reaches on each channel (SPEC-channels §13.4, §8, §10).

A targeted user gets a row on channel C when they have an address for C (``email``; the
inbox, i.e. their id, for ``internal``; ``contacts.{C}`` otherwise), are subscribed to the
template on C and their address is not suppressed for the sender. A whole channel is
skipped (``no_body``, ``no_gateway``) when it has nothing to send or nothing to send it by.

Two views of the same rules: ``count`` answers the API at once with SQL aggregates (its
cost does not grow with the audience beyond a COUNT), and ``Audience.addresses`` filters
one fan-out batch with the checks the send path uses (``preferences.services``), so what is
written follows the subscriptions and suppressions of the moment the row is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower

from accounts.models import Account, User
from config.errors import ValidationFailed
from gateways.selection import select_gateway
from notifications.channel_rows import INTERNAL, channel_body
from notifications.channels import known_channels
from preferences.models import ANY, Subscription, Suppression
from preferences.services import subscribed_user_ids, suppressed_addresses

EMAIL = "email"
NO_GATEWAY, NO_BODY, NO_ADDRESS = "no_gateway", "no_body", "no_address"
UNSUBSCRIBED, SUPPRESSED = "unsubscribed", "suppressed"
GATEWAYLESS = frozenset({EMAIL, INTERNAL})  # email falls back to the EMAIL_* relay


@dataclass(frozen=True)
class ChannelPlan:
    """One requested channel as the fan-out will use it (stored on the broadcast)."""

    channel: str
    gateway_id: str | None = None
    skip: str | None = None  # NO_BODY / NO_GATEWAY: the whole channel sends nothing


def check_channels(sender: Account, channels: Sequence[str]) -> None:
    """Unknown names → ``channels.N`` ``enum`` (the names a template of A may use)."""
    known = known_channels(sender)
    errors = {
        f"channels.{index}": {
            "enum": {
                "message": "Value not found in enumerated list of values",
                "target": sorted(known),
                "value": name,
            }
        }
        for index, name in enumerate(channels)
        if name not in known
    }
    if errors:
        raise ValidationFailed(errors)


def plan(sender: Account, channels: Sequence[str], sources: dict[str, str]) -> list[ChannelPlan]:
    """Each channel with the gateway it goes through, or why it is skipped as a whole.

    The gateway is chosen once, here, so every batch of a resumed fan-out uses the same.
    Email always has a body (a subject-only mail is still a mail, as customer_update was).
    """
    return [_plan_one(sender, channel, sources) for channel in dict.fromkeys(channels)]


def _plan_one(sender: Account, channel: str, sources: dict[str, str]) -> ChannelPlan:
    if channel != EMAIL and not channel_body(channel, sources):
        return ChannelPlan(channel, skip=NO_BODY)
    if channel in GATEWAYLESS:
        return ChannelPlan(channel)
    gateway = select_gateway(sender, channel)
    if gateway is None:
        return ChannelPlan(channel, skip=NO_GATEWAY)
    return ChannelPlan(channel, gateway_id=gateway.id)


# --- addresses ------------------------------------------------------------------------------


def has_address(channel: str) -> Q:
    """Users with an address on ``channel`` (every user has an inbox: a tautology)."""
    if channel == EMAIL:
        return ~Q(email="")
    if channel == INTERNAL:
        return ~Q(pk="")  # not Q(): an empty Q vanishes from ``|`` and ``filter=``
    return Q(contacts__has_key=channel)


def reachable(channels: Sequence[str]) -> Q:
    """Users with an address on at least one of ``channels``."""
    found = Q(pk__in=[])
    for channel in channels:
        found |= has_address(channel)
    return found


def address_of(user: User, channel: str) -> str:
    """The user's address on ``channel`` ("" when none)."""
    if channel == EMAIL:
        return user.email
    if channel == INTERNAL:
        return user.pk
    return str((user.contacts or {}).get(channel) or "")


def _with_normal_address(users: QuerySet[User], channel: str) -> QuerySet[User]:
    """``users`` annotated with ``addr``, the form suppressions are stored in."""
    if channel == EMAIL:
        return users.annotate(addr=Lower("email"))
    if channel == INTERNAL:
        return users.annotate(addr=F("pk"))
    return users.annotate(addr=KeyTextTransform(channel, "contacts"))


# --- counting at start ----------------------------------------------------------------------


def count(
    sender: Account,
    users: QuerySet[User],
    plans: list[ChannelPlan],
    template_id: str,
    opt_out: bool,
) -> dict[str, dict]:
    """``{C: {recipients, skipped, suppressed, reasons}}`` for the answer, in a few queries."""
    totals = users.aggregate(
        all=Count("pk"),
        **{f"has_{p.channel}": Count("pk", filter=has_address(p.channel)) for p in plans},
    )
    counts = {}
    for p in plans:
        if p.skip:
            counts[p.channel] = _counts(0, totals["all"], 0, {p.skip: totals["all"]})
            continue
        reachable = users.filter(has_address(p.channel))
        unsubscribed = _unsubscribed(reachable, template_id, p.channel) if opt_out else set()
        suppressed = _suppressed(sender, reachable, p.channel) - unsubscribed
        with_address = totals[f"has_{p.channel}"]
        counts[p.channel] = _counts(
            with_address - len(unsubscribed) - len(suppressed),
            totals["all"] - with_address,
            len(unsubscribed) + len(suppressed),
            {
                NO_ADDRESS: totals["all"] - with_address,
                UNSUBSCRIBED: len(unsubscribed),
                SUPPRESSED: len(suppressed),
            },
        )
    return counts


def _counts(recipients: int, skipped: int, suppressed: int, reasons: dict[str, int]) -> dict:
    reasons = {reason: n for reason, n in reasons.items() if n}
    return {
        "recipients": recipients,
        "skipped": skipped,
        "suppressed": suppressed,
        "reasons": reasons,
    }


def _unsubscribed(users: QuerySet[User], template_id: str, channel: str) -> set[str]:
    """Users who opted out: only those with an applicable rule need the full check."""
    applicable = Q(template_id__in=[template_id, ANY], channel__in=[channel, ANY])
    ruled = set(
        Subscription.objects.filter(applicable, user__in=users.values("pk"))
        .order_by()  # DISTINCT over the user id alone, not the model's ordering too
        .values_list("user_id", flat=True)
        .distinct()
    )
    return ruled - subscribed_user_ids(ruled, template_id, channel)


def _suppressed(sender: Account, users: QuerySet[User], channel: str) -> set[str]:
    """Users whose address the sender's chain suppressed on ``channel``."""
    addresses = Suppression.objects.filter(
        account_id__in=[sender.id, *sender.ancestor_ids], channel=channel
    ).values("address")
    matched = _with_normal_address(users, channel).filter(addr__in=addresses)
    return set(matched.values_list("pk", flat=True))


# --- filtering one fan-out batch ------------------------------------------------------------


def addresses(
    sender: Account,
    batch: list[User],
    channel: str,
    template_id: str,
    opt_out: bool,
) -> list[tuple[User, str]]:
    """``(user, address)`` for the users of ``batch`` who get a row on ``channel``.

    Two queries per batch and channel, whatever the batch size.
    """
    reachable = [(user, address_of(user, channel)) for user in batch]
    reachable = [(user, address) for user, address in reachable if address]
    subscribed = subscribed_user_ids(
        [user for user, _ in reachable], template_id, channel, opt_out_allowed=opt_out
    )
    blocked = suppressed_addresses(sender, channel, [address for _, address in reachable])
    return [
        (user, address)
        for user, address in reachable
        if user.pk in subscribed and address not in blocked
    ]
