"""Who receives a notification (reference §4 ``to``/``cc``/``bcc`` types, delivered correctly).

* ``original``  — the addresses the triggering event carries first, then the template's.
* ``specified`` — the template's addresses first, then the event's.
* ``admins``    — admin users of the account's reseller (the account itself when it is a
  reseller), walking up the tree until some are found, else the template's addresses;
  then any the caller supplied.
* no type       — the event's addresses, then the template's.

Addresses are validated (invalid ones dropped and reported) and de-duplicated, case
insensitively, across To, Cc and Bcc in that order.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from accounts.models import Account, User
from config.errors import ValidationFailed
from notifications.addresses import InvalidAddress, validate_address
from smtplog.addresses import is_deliverable

FIELDS = ("to", "cc", "bcc")


@dataclass
class Recipients:
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.to or self.cc or self.bcc)


def is_valid_address(address: object) -> bool:
    """Deliverable by the e-mail transport: the same rule the API's ``email`` format uses."""
    return is_deliverable(address)


def admin_addresses(account: Account) -> list[str]:
    """Admin e-mails of the account's reseller, walking up parents until some exist."""
    chain = [account.id, *reversed(account.ancestor_ids)]
    resellers = Account.objects.filter(pk__in=chain).values_list("pk", "is_reseller", "is_master")
    flags = {pk: is_reseller or is_master for pk, is_reseller, is_master in resellers}
    start = next((i for i, pk in enumerate(chain) if flags.get(pk)), 0)
    admins: dict[str, list[str]] = {}
    rows = User.objects.filter(
        account_id__in=chain[start:], priv_level=User.ADMIN, enabled=True
    ).exclude(email="")
    for account_id, email in rows.values_list("account_id", "email").order_by("email"):
        admins.setdefault(account_id, []).append(email)
    for account_id in chain[start:]:
        if admins.get(account_id):
            return admins[account_id]
    return []


def _addresses(spec: object) -> list:
    if isinstance(spec, dict):
        values = spec.get("email_addresses", [])
        return list(values) if isinstance(values, list) else [values]
    if isinstance(spec, list):
        return list(spec)
    return [spec] if isinstance(spec, str) else []


def _candidates(template_spec: dict | None, event_spec: object, account: Account) -> list:
    template_spec = template_spec or {}
    kind = template_spec.get("type")
    if isinstance(event_spec, dict) and event_spec.get("type"):
        kind = event_spec["type"]
    template, event = _addresses(template_spec), _addresses(event_spec)
    if kind == "specified":
        return template + event
    if kind == "admins":
        return (admin_addresses(account) or template) + event
    return event + template


def resolve(document: dict, events: dict, account: Account) -> Recipients:
    """Recipients for a template ``document`` and the addresses an event or caller supplied."""
    result = Recipients()
    seen: set[str] = set()
    for name in FIELDS:
        for address in _candidates(document.get(name), events.get(name), account):
            if not is_valid_address(address):
                if address not in result.invalid:
                    result.invalid.append(str(address))
                continue
            if address.lower() not in seen:
                seen.add(address.lower())
                getattr(result, name).append(address)
    return result


# --- Non-email channels (SPEC-channels §8 "Contacts and recipients") ------------------------


@dataclass(frozen=True)
class Recipient:
    """One address on a non-email channel; ``user_id`` when it came from a user."""

    address: str
    user_id: str | None = None


@dataclass
class ChannelRecipients:
    """Who gets channel C: de-duplicated recipients, and addresses invalid for C."""

    recipients: list[Recipient] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def add(self, channel: str, address: object, user_id: str | None = None) -> None:
        try:
            normalized = validate_address(channel, address)
        except InvalidAddress:
            if str(address) not in self.invalid:
                self.invalid.append(str(address))
            return
        if all(r.address != normalized for r in self.recipients):
            self.recipients.append(Recipient(normalized, user_id))


def user_address(user: User, channel: str) -> str | None:
    """A user's address on ``channel``: the user id for the in-app inbox, else contacts."""
    return user.id if channel == "internal" else user.contacts.get(channel)


def subtree_users(account: Account, user_ids: list) -> list[User]:
    """The users ``user_ids`` names, in that order; each must be in ``account``'s subtree.

    Raises ValidationFailed keyed ``user_ids.N`` ``not_found`` for every one that is not.
    """
    wanted = [uid for uid in user_ids if isinstance(uid, str)]
    in_subtree = User.objects.filter(pk__in=wanted).filter(
        Q(account=account) | Q(account__path__startswith=account.descendant_prefix)
    )
    found = {user.pk: user for user in in_subtree}
    errors = {
        f"user_ids.{index}": {
            "not_found": {"message": "No such user in this account's tree", "value": uid}
        }
        for index, uid in enumerate(user_ids)
        if not isinstance(uid, str) or uid not in found
    }
    if errors:
        raise ValidationFailed(errors)
    return [found[uid] for uid in user_ids]


def admin_users(account: Account, channel: str) -> list[User]:
    """Enabled admins with an address on ``channel``, found as admin_addresses finds e-mail:
    the account's reseller (or itself when it is one) first, walking up until some exist."""
    chain = [account.id, *reversed(account.ancestor_ids)]
    resellers = Account.objects.filter(pk__in=chain).values_list("pk", "is_reseller", "is_master")
    flags = {pk: is_reseller or is_master for pk, is_reseller, is_master in resellers}
    start = next((i for i, pk in enumerate(chain) if flags.get(pk)), 0)
    rows = User.objects.filter(account_id__in=chain[start:], priv_level=User.ADMIN, enabled=True)
    by_account: dict[str, list[User]] = {}
    for user in rows.order_by("username", "id"):
        if user_address(user, channel):
            by_account.setdefault(user.account_id, []).append(user)
    return next((by_account[pk] for pk in chain[start:] if by_account.get(pk)), [])


def channel_recipients(
    account: Account,
    template_doc: dict,
    channel: str,
    *,
    contacts: dict | None = None,
    user_ids: list | None = None,
) -> ChannelRecipients:
    """Recipients of a non-email ``channel`` for a send by ``account``.

    A send naming ``contacts.{C}`` or ``user_ids`` decides alone: the listed addresses,
    then those users' ``contacts.{C}``. Otherwise the template's ``to.type``: ``admins``
    → the admins' ``contacts.{C}``; ``specified`` → ``to.contacts.{C}``; ``original``
    (or none) → nobody. Users without an address on C are left out silently; invalid
    addresses are reported in ``invalid`` and get no row.
    """
    if channel == "email":
        raise ValueError("e-mail recipients come from recipients.resolve")
    result = ChannelRecipients()
    listed = (contacts or {}).get(channel)
    if listed is not None or user_ids:
        for address in listed if isinstance(listed, list) else [listed]:
            result.add(channel, address)
        for user in subtree_users(account, list(user_ids or [])):
            address = user_address(user, channel)
            if address and user.enabled:
                result.add(channel, address, user.id)
        return result
    to = template_doc.get("to") if isinstance(template_doc.get("to"), dict) else {}
    if to.get("type") == "admins":
        for user in admin_users(account, channel):
            result.add(channel, user_address(user, channel), user.id)
    elif to.get("type") == "specified":
        specified = (to.get("contacts") or {}).get(channel) or []
        for address in specified if isinstance(specified, list) else [specified]:
            result.add(channel, address)
    return result
