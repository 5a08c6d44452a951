"""Who may read and mark a user's inbox (SPEC-channels §13.3), on top of the tenancy rule.

The caller has already passed ``accounts.tenancy`` for the inbox owner's account (the
master, the account itself or an ancestor). Within that:

- the owner's own token reads and marks, even at ``priv_level: user``;
- admin users and API-key tokens read (support staff look at what a customer was told);
- nobody else reads, and only the owner marks: read state records what the *user* has
  seen, so an admin marking it would falsify it.
"""

from accounts.authentication import Principal
from accounts.models import User


def is_owner(principal: Principal, user: User) -> bool:
    return principal.user is not None and principal.user.pk == user.pk


def may_read(principal: Principal, user: User) -> bool:
    return is_owner(principal, user) or principal.can_write


def may_mark(principal: Principal, user: User) -> bool:
    return is_owner(principal, user)
