"""Which gateways an account may see and use, and which one a send takes (§2).

For account A and channel C: walk A, its ancestors up to and including A's reseller (the
template chain), then the system. At each level the candidates are enabled, not deleted,
of channel C and, above A, ``inherit: true``. The first level with candidates wins, taking
its ``default: true`` gateway, else the oldest.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Account
from accounts.tenancy import reseller_chain
from gateways.models import Gateway


def inherited_q(account: Account) -> Q:
    """Gateways above A that A may use: its chain's and the system's, inheritable."""
    above = [a.id for a in reseller_chain(account)[1:]]
    return Q(inherit=True, enabled=True) & (Q(account_id__in=above) | Q(account__isnull=True))


def inherited(account: Account) -> QuerySet[Gateway]:
    return Gateway.objects.alive().filter(inherited_q(account))


def usable(account: Account, channel: str) -> QuerySet[Gateway]:
    """Every candidate for A and C, on every level of the chain."""
    own = Q(account=account, enabled=True)
    return Gateway.objects.alive().filter(own | inherited_q(account), channel=channel)


def _level(account: Account) -> dict[str | None, int]:
    chain = [a.id for a in reseller_chain(account)]
    return {**{account_id: index for index, account_id in enumerate(chain)}, None: len(chain)}


def select_gateway(account: Account, channel: str, pin: str | None = None) -> Gateway | None:
    """The gateway a send by A on C goes through, or None (``no_gateway`` /
    ``gateway_unavailable`` for the caller to report).

    A ``pin`` must name a gateway visible to A under the same rules, on any level.
    """
    candidates = usable(account, channel)
    if pin is not None:
        return candidates.filter(pk=pin).first()
    levels = _level(account)
    rows = sorted(
        candidates,
        key=lambda g: (levels.get(g.account_id, len(levels)), not g.is_default, g.created_at, g.id),
    )
    return rows[0] if rows else None


def visible_channels(account: Account | None) -> set[str]:
    """Channels of the gateways ``account`` may use (None: the system level's own)."""
    if account is None:
        gateways = Gateway.objects.alive().filter(account__isnull=True, enabled=True)
    else:
        gateways = Gateway.objects.alive().filter(
            Q(account=account, enabled=True) | inherited_q(account)
        )
    return set(gateways.values_list("channel", flat=True).distinct())
