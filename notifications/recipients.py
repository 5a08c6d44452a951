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

from accounts.models import Account, User
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
