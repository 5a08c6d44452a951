"""``X-Auth-Token`` (or ``Authorization: Bearer``) authentication against hashed tokens."""

from dataclasses import dataclass

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import Account, AuthToken, User


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's account, its user (None for API-key tokens), the token."""

    account: Account
    user: User | None
    token: AuthToken

    is_authenticated = True

    @property
    def is_superduper(self) -> bool:
        return self.account.is_master

    @property
    def can_write(self) -> bool:
        """API-key tokens and admin users may write; ``priv_level: user`` tokens only read."""
        return self.user is None or self.user.is_admin


def raw_token(request: Request) -> str | None:
    token = request.headers.get("X-Auth-Token")
    if token:
        return token.strip()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("auth_token") or None


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request):
        raw = raw_token(request)
        if raw is None:
            return None
        # A slice, not .first(): the digest is the primary key, no ORDER BY is needed.
        found = AuthToken.objects.select_related("account", "user").filter(
            digest=AuthToken.digest_of(raw), expires__gt=timezone.now()
        )[:1]
        token = found[0] if found else None
        if token is None or not token.is_current:
            raise AuthenticationFailed()
        request._request.raw_auth_token = raw
        return Principal(account=token.account, user=token.user, token=token), token

    def authenticate_header(self, request: Request) -> str:
        return "X-Auth-Token"
