"""The single answer to "may this caller act on account A", and the querysets it implies.

Rule (SPEC §3): the master account, A itself, or an ancestor of A may act on A. Reads are
open to any token of such an account; writes need an admin user's token or an API-key token.
"""

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.authentication import Principal
from accounts.models import Account
from config.errors import KazooError, bad_identifier, forbidden
from config.ids import is_hex_id
from config.rawrows import ModelColumns


def may_act_on(principal: Principal, account: Account) -> bool:
    caller = principal.account
    return caller.is_master or caller.id == account.id or caller.id in account.ancestor_ids


# Hot path (every account-scoped request): plain SQL, which the ORM spent longer compiling
# than the database spent running. ``||`` concatenates on PostgreSQL and SQLite alike.
_ACCOUNT = ModelColumns(Account, "a")
_ACCOUNT_WITH_ANCESTORS = f"""
    SELECT {_ACCOUNT.select} FROM {Account._meta.db_table} a
    WHERE a.id = %s
       OR (SELECT path FROM {Account._meta.db_table} WHERE id = %s) LIKE a.path || a.id || '/%%'
"""


def load_account(account_id: str) -> Account:
    """The account named in a URL, or Kazoo's 404 (malformed id vs unknown id).

    Its ancestors come in the same query (every account whose descendant prefix starts the
    account's path) and are kept on it for ``reseller_chain``: one round trip per request.
    """
    if not is_hex_id(account_id):
        raise KazooError(404, "bad identifier", {"message": f"invalid account_id '{account_id}'"})
    with connection.cursor() as cursor:
        cursor.execute(_ACCOUNT_WITH_ANCESTORS, [account_id] * 2)
        rows = {row.pk: row for row in map(_ACCOUNT.build, cursor.fetchall())}
    account = rows.pop(account_id, None)
    if account is None:
        raise bad_identifier(account_id)
    account.loaded_ancestors = rows
    return account


def authorize(principal: Principal, account: Account, *, write: bool) -> None:
    if not may_act_on(principal, account):
        raise forbidden()
    if write and not principal.can_write:
        raise forbidden()


def subtree(account: Account) -> QuerySet[Account]:
    """A and all its descendants."""
    return Account.objects.filter(Q(pk=account.pk) | Q(path__startswith=account.descendant_prefix))


def descendants(account: Account) -> QuerySet[Account]:
    return Account.objects.filter(path__startswith=account.descendant_prefix)


def reseller_chain(account: Account) -> list[Account]:
    """A, then its ancestors nearest first, up to and including A's reseller.

    A's reseller is the nearest *ancestor* flagged as reseller, else the master account
    (Kazoo's ``reseller_id``). Template inheritance walks exactly this chain.
    """
    ids = account.ancestor_ids
    ancestors = getattr(account, "loaded_ancestors", None)
    if ancestors is None:
        ancestors = Account.objects.in_bulk(ids) if ids else {}
    chain = [account]
    for ancestor_id in reversed(ids):
        ancestor = ancestors.get(ancestor_id)
        if ancestor is None:
            continue
        chain.append(ancestor)
        if ancestor.is_reseller or ancestor.is_master:
            break
    return chain


def reseller_of(account: Account) -> Account:
    """A's reseller (see ``reseller_chain``); the master is its own reseller."""
    return reseller_chain(account)[-1]
