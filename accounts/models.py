"""The account tree, its users, API keys and auth tokens.

Accounts form a tree rooted at the master (superduper) account. Each account stores the
ids of its ancestors as a materialized path (``"root/…/parent/"``), so "is X an ancestor of
Y" and "all descendants of X" are single indexed queries at any depth.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from config.ids import new_id


def keyed_hash(value: str, purpose: str) -> str:
    """A one-way, server-keyed digest used to look up secrets without storing them."""
    key = f"{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class Account(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    name = models.CharField(max_length=128, unique=True)
    realm = models.CharField(max_length=253, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=2048, blank=True, default="", db_index=True)
    is_reseller = models.BooleanField(default=False)
    is_master = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    # Credential epoch: bumped when the account or an ancestor is disabled; tokens issued
    # under an older epoch are refused, so a re-enabled tree does not revive them.
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)
    language = models.CharField(max_length=16, default="en-us")
    timezone = models.CharField(max_length=64, default="UTC")
    api_key_salt = models.CharField(max_length=32, default=new_id, editable=False)
    api_key_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created = models.DateTimeField(default=now)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_master"], condition=models.Q(is_master=True), name="one_master"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.api_key_hash:
            self.refresh_api_key_hash()
        super().save(*args, **kwargs)

    @property
    def ancestor_ids(self) -> list[str]:
        """Ancestors from the root down to the direct parent."""
        return [part for part in self.path.split("/") if part]

    @property
    def descendant_prefix(self) -> str:
        return f"{self.path}{self.id}/"

    def place_under(self, parent: "Account | None") -> None:
        self.parent = parent
        self.path = parent.descendant_prefix if parent else ""

    # The API key is derived, not stored: HMAC(SECRET_KEY, id + salt) gives Kazoo's 64 hex
    # characters, the database keeps only a salt and a digest for lookup.
    @property
    def api_key(self) -> str:
        message = f"api_key:{self.id}:{self.api_key_salt}".encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()

    def refresh_api_key_hash(self) -> None:
        self.api_key_hash = keyed_hash(self.api_key, "api_key")


class User(models.Model):
    """A Kazoo user of an account (not a Django staff user)."""

    ADMIN = "admin"
    USER = "user"
    PRIV_LEVELS = [(ADMIN, "admin"), (USER, "user")]

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="users")
    username = models.CharField(max_length=256, blank=True, default="")
    first_name = models.CharField(max_length=128)
    last_name = models.CharField(max_length=128)
    email = models.EmailField(max_length=254, blank=True, default="")
    priv_level = models.CharField(max_length=8, choices=PRIV_LEVELS, default=USER)
    enabled = models.BooleanField(default=True)
    # Credential epoch: bumped on password change and disable, refusing older tokens.
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)
    timezone = models.CharField(max_length=64, blank=True, default="")
    # {channel: address} for channels other than e-mail (SPEC-channels §8), e.g. {"sms": "+1…"}
    contacts = models.JSONField(default=dict, blank=True)
    md5_auth = models.CharField(max_length=64, blank=True, default="", db_index=True)
    sha1_auth = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created = models.DateTimeField(default=now)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "username"],
                condition=~models.Q(username=""),
                name="unique_username_per_account",
            )
        ]
        indexes = [models.Index(fields=["account", "priv_level"])]

    def __str__(self) -> str:
        return self.username or self.id

    @property
    def is_admin(self) -> bool:
        return self.priv_level == self.ADMIN

    def set_password(self, password: str) -> None:
        """Store Kazoo's md5/sha1 credentials of "username:password", keyed so they stay secret."""
        credentials = f"{self.username}:{password}".encode()
        if self.md5_auth:
            self.auth_epoch += 1  # a changed password revokes every token issued before
        self.md5_auth = keyed_hash(
            hashlib.md5(credentials, usedforsecurity=False).hexdigest(), "md5"
        )
        self.sha1_auth = keyed_hash(
            hashlib.sha1(credentials, usedforsecurity=False).hexdigest(), "sha1"
        )


class AuthToken(models.Model):
    """A bearer token (a signed JWT, see ``accounts.tokens``); only its digest is stored.

    The row also records the credential epochs of its account and user at issue time: a
    token is valid only while both still match (see ``TokenAuthentication``).
    """

    API_KEY = "api_key"
    CREDENTIALS = "user"

    digest = models.CharField(primary_key=True, max_length=64)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    method = models.CharField(max_length=16)
    created = models.DateTimeField(default=now)
    expires = models.DateTimeField(db_index=True)
    account_epoch = models.PositiveIntegerField(default=0)
    user_epoch = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.method} token of {self.account_id}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, account: Account, user: User | None, method: str) -> tuple["AuthToken", str]:
        from accounts import tokens

        issued = now()
        expires = issued + timedelta(seconds=settings.AUTH_TOKEN_TTL)
        raw = tokens.encode(account.id, user.id if user else None, method, issued, expires)
        token = cls.objects.create(
            digest=cls.digest_of(raw),
            account=account,
            user=user,
            method=method,
            created=issued,
            expires=expires,
            account_epoch=account.auth_epoch,
            user_epoch=user.auth_epoch if user else 0,
        )
        return token, raw

    @property
    def is_current(self) -> bool:
        """Neither the account's nor the user's credentials changed since issue."""
        if self.account_epoch != self.account.auth_epoch or not self.account.enabled:
            return False
        user = self.user
        return user is None or (self.user_epoch == user.auth_epoch and user.enabled)
