"""Auth tokens as Kazoo issues them: signed JWTs whose claims Monster UI decodes.

Monster reads the token's payload itself (``monster.util.jwt_decode``: ``account_id`` for
SSO cookies, ``bluejeans`` for feature sets), so a token must be three dot-separated
base64url parts. The signature is HS256 with a key derived from ``SECRET_KEY``; the database
still keeps only a digest of the whole token, which is what makes revocation immediate.
"""

import secrets
from datetime import datetime

import jwt

from accounts.models import keyed_hash

ALGORITHM = "HS256"
ISSUER = "kazoo"
# Kazoo's names for how a token was obtained (crossbar's auth modules).
KAZOO_METHODS = {"user": "cb_user_auth", "api_key": "cb_api_auth"}


def signing_key() -> str:
    """A key of its own purpose, so no other HMAC of SECRET_KEY can forge a token."""
    return keyed_hash("auth-token-signing", "jwt")


def encode(
    account_id: str, owner_id: str | None, method: str, issued: datetime, expires: datetime
) -> str:
    claims = {
        "iss": ISSUER,
        "account_id": account_id,
        "method": KAZOO_METHODS.get(method, method),
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        # Unique per token: two logins in the same second must not share a digest.
        "jti": secrets.token_hex(16),
    }
    if owner_id:
        claims["owner_id"] = owner_id
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM)


def claims_of(raw: str) -> dict | None:
    """The verified claims of a token we signed, or None (bad signature, expired, garbage)."""
    try:
        return jwt.decode(raw, signing_key(), algorithms=[ALGORITHM], issuer=ISSUER)
    except jwt.InvalidTokenError:
        return None
