"""Who is calling a Freeside route: HTTP Basic (account id : API key) or a Kazoo token.

Freeside's external message interface can only send HTTP Basic (its "HTTP username and
password"), so the API key is the password. The username names the account that owns the
key: A's own id and key, or, under the tenancy rule (accounts/tenancy.py), the id and key
of an ancestor of A (a reseller, the master). A Kazoo token (``X-Auth-Token`` or
``Authorization: Bearer``) works as on every other route.

Preparing creates delivery rows, so the caller needs write rights: an API key, an API-key
token or an admin user's token; a ``priv_level: user`` token is refused (403).
"""

import base64
import binascii

from django.http import HttpRequest

from accounts.authentication import Principal, find_token
from accounts.models import Account, keyed_hash
from accounts.services import usable
from accounts.tenancy import may_act_on
from freeside.errors import FreesideError

UNAUTHORIZED = "authentication required: HTTP Basic with the account id and API key"


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise FreesideError(401, "malformed Basic credentials") from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise FreesideError(401, "malformed Basic credentials")
    return username, password


def _key_owner(username: str, password: str) -> Principal:
    """The account whose API key is ``password``, if ``username`` is that account's id."""
    owner = Account.objects.filter(api_key_hash=keyed_hash(password, "api_key")).first()
    if owner is None or owner.id != username or not usable(owner):
        raise FreesideError(401, "invalid credentials")
    # An API key acts like an API-key token: no user, full rights on what it may act on.
    return Principal(account=owner, user=None, token=None)  # type: ignore[arg-type]


def _token_holder(request: HttpRequest) -> Principal | None:
    raw = request.headers.get("X-Auth-Token", "").strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if not raw and scheme.lower() == "bearer":
        raw = value.strip()
    if not raw:
        return None
    token = find_token(raw)
    if token is None or not token.is_current:
        raise FreesideError(401, "invalid credentials")
    return Principal(account=token.account, user=token.user, token=token)


def caller(request: HttpRequest) -> Principal:
    """The authenticated caller, or 401 (no or wrong credentials)."""
    basic = _basic_credentials(request.headers.get("Authorization", ""))
    principal = _key_owner(*basic) if basic else _token_holder(request)
    if principal is None:
        raise FreesideError(401, UNAUTHORIZED)
    return principal


def authorize(request: HttpRequest, account: Account) -> Principal:
    """The caller, if it may write on ``account``; 401 or 403 otherwise."""
    principal = caller(request)
    if not may_act_on(principal, account) or not principal.can_write:
        raise FreesideError(403, "forbidden: these credentials may not send for this account")
    return principal
