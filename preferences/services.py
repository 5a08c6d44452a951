"""Suppressions and subscriptions: the checks the send path calls, and their upkeep.

The send path asks two questions per channel (SPEC-channels §8, §10), each in one query
however many recipients a send or broadcast has:

* ``suppressed_addresses(account, channel, addresses)``: which addresses nobody may send
  to. Suppressions of the sending account **and its ancestors** apply, so a reseller's (or
  the master's, for system gateways) suppression covers its whole tree.
* ``subscribed_user_ids(users, template_id, channel)``: which users still want this
  template on this channel. Default yes; the most specific rule wins; a template with
  ``opt_out_allowed: false`` (e.g. ``password_recovery``) ignores subscriptions.
"""

import contextlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Account, User
from accounts.tenancy import reseller_chain
from config.errors import ValidationFailed
from notifications.addresses import InvalidAddress, validate_address
from notifications.channels import known_channels
from notifications.models import NotificationTemplate
from preferences.models import ANY, Reason, Subscription, Suppression

MAX_ADDRESS_LENGTH = 254

# --- Suppressions ---------------------------------------------------------------------------


def normal_address(channel: str, address: str) -> str:
    """The form a suppression is stored and looked up in.

    E-mail addresses compare case-insensitively (nobody sends to ``Bob@`` and ``bob@``
    different mail); phone numbers in E.164; anything not valid for the channel (an inbound
    sender a provider spelled oddly) as given, trimmed, so it can still be matched exactly.
    """
    address = address.strip()
    with contextlib.suppress(InvalidAddress):
        address = validate_address(channel, address)
    return address.lower() if channel == "email" else address


def _chain_ids(account: Account) -> list[str]:
    return [account.id, *account.ancestor_ids]


def suppressed_addresses(account: Account, channel: str, addresses: Iterable[str]) -> set[str]:
    """The members of ``addresses`` suppressed for sends by ``account`` on ``channel``.

    Returned as given (not normalized), so callers can filter their own list with it.
    """
    by_normal: dict[str, set[str]] = {}
    for address in addresses:
        by_normal.setdefault(normal_address(channel, address), set()).add(address)
    if not by_normal:
        return set()
    found = Suppression.objects.filter(
        account_id__in=_chain_ids(account), channel=channel, address__in=list(by_normal)
    ).values_list("address", flat=True)
    return {given for normal in found for given in by_normal[normal]}


def suppressed(account: Account, channel: str, address: str) -> bool:
    """Whether a send by ``account`` may not reach ``address`` on ``channel``."""
    return bool(suppressed_addresses(account, channel, [address]))


def add_suppression(
    account: Account, channel: str, address: str, reason: str = Reason.MANUAL
) -> tuple[Suppression, bool]:
    """``(suppression, created)``; an existing one for the address is returned unchanged.

    Race-safe: the unique constraint decides between two concurrent adds.
    """
    normal = normal_address(channel, address)
    try:
        with transaction.atomic():
            row = Suppression.objects.create(
                account=account, channel=channel, address=normal, reason=reason
            )
        return row, True
    except IntegrityError:
        return Suppression.objects.get(account=account, channel=channel, address=normal), False


def remove_suppression(
    account: Account, channel: str, address: str, *, reason: str | None = None
) -> int:
    """Delete the account's suppression of ``address`` (only of ``reason``, if given)."""
    rows = Suppression.objects.filter(
        account=account, channel=channel, address=normal_address(channel, address)
    )
    if reason is not None:
        rows = rows.filter(reason=reason)
    return rows.delete()[0]


# --- Subscriptions --------------------------------------------------------------------------


def _precedence(template_id: str, channel: str) -> list[tuple[str, str]]:
    """Rule keys from the most specific to the least (SPEC-channels §10)."""
    return [(template_id, channel), (template_id, ANY), (ANY, channel), (ANY, ANY)]


def _decide(rules: dict[tuple[str, str], bool], template_id: str, channel: str) -> bool:
    for key in _precedence(template_id, channel):
        if key in rules:
            return rules[key]
    return True  # subscribed by default


def _applicable(template_id: str, channel: str) -> Q:
    return Q(template_id__in=[template_id, ANY], channel__in=[channel, ANY])


def is_subscribed(
    user: User, template_id: str, channel: str, *, opt_out_allowed: bool = True
) -> bool:
    """Whether ``user`` still wants ``template_id`` on ``channel``."""
    return user.pk in subscribed_user_ids(
        [user], template_id, channel, opt_out_allowed=opt_out_allowed
    )


def subscribed_user_ids(
    users: Iterable[User | str], template_id: str, channel: str, *, opt_out_allowed: bool = True
) -> set[str]:
    """The ids of ``users`` (User rows or ids) subscribed to ``template_id`` on ``channel``.

    One query for any number of users: the broadcast path filters its whole audience here.
    """
    ids = {user if isinstance(user, str) else user.pk for user in users}
    if not opt_out_allowed or not ids:
        return ids
    rules: dict[str, dict[tuple[str, str], bool]] = {}
    rows = Subscription.objects.filter(_applicable(template_id, channel), user_id__in=ids)
    for user_id, rule_template, rule_channel, subscribed in rows.values_list(
        "user_id", "template_id", "channel", "subscribed"
    ):
        rules.setdefault(user_id, {})[rule_template, rule_channel] = subscribed
    return {uid for uid in ids if _decide(rules.get(uid, {}), template_id, channel)}


def subscription_rules(user: User) -> list[dict]:
    """The user's rules as the API shows them, ``*`` first."""
    rows = Subscription.objects.filter(user=user).order_by("template_id", "channel")
    return [
        {"template_id": r.template_id, "channel": r.channel, "subscribed": r.subscribed}
        for r in rows
    ]


def _known_template_ids(account: Account, wanted: set[str]) -> set[str]:
    """System templates plus the templates of the account's inheritance chain."""
    chain = [a.id for a in reseller_chain(account)]
    rows = NotificationTemplate.objects.filter(
        Q(account__isnull=True) | Q(account_id__in=chain), template_id__in=wanted
    )
    return {*rows.values_list("template_id", flat=True), ANY}


def _not_found(path: str, value: str, what: str) -> dict:
    return {path: {"not_found": {"message": f"No such {what}", "value": value}}}


def check_subscription_rules(account: Account, rules: list[dict]) -> None:
    """Every template id and channel must be known to ``account``; no rule twice.

    ``rules`` already passed the JSON schema. Errors: ``N.template_id`` / ``N.channel``
    ``not_found``, ``N`` ``unique`` for a repeated (template_id, channel).
    """
    templates = _known_template_ids(account, {rule["template_id"] for rule in rules})
    channels = known_channels(account) | {ANY}
    errors: dict = {}
    seen: set[tuple[str, str]] = set()
    for index, rule in enumerate(rules):
        template_id, channel = rule["template_id"], rule["channel"]
        if template_id not in templates:
            errors.update(_not_found(f"{index}.template_id", template_id, "template"))
        if channel not in channels:
            errors.update(_not_found(f"{index}.channel", channel, "channel"))
        if (template_id, channel) in seen:
            message = "Another rule has this template_id and channel"
            errors[str(index)] = {"unique": {"message": message, "value": rule}}
        seen.add((template_id, channel))
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def replace_subscriptions(user: User, rules: list[dict]) -> list[dict]:
    """Make ``rules`` (already checked) the user's whole set; returns the stored set.

    The user row is locked first, so two concurrent replacements queue up instead of
    tripping over each other's rows on the unique constraint.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    Subscription.objects.filter(user=user).delete()
    Subscription.objects.bulk_create(
        Subscription(
            user=user,
            template_id=rule["template_id"],
            channel=rule["channel"],
            subscribed=rule["subscribed"],
        )
        for rule in rules
    )
    return subscription_rules(user)
