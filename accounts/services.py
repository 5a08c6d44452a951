"""Account and user operations, callable from views, commands, tasks and tests."""

import re
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts import tokens
from accounts.authentication import find_token
from accounts.models import Account, AuthToken, User, keyed_hash
from accounts.tenancy import subtree
from config.errors import KazooError, ValidationFailed, field_error


def _unique_error(field: str, message: str, value: str) -> ValidationFailed:
    return field_error(field, "unique", message, cause=value, value=value)


def generate_realm(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "account"
    return f"{slug}-{secrets.token_hex(3)}.sip.local"


def _check_account_unique(name: str, realm: str, exclude: str | None = None) -> None:
    others = Account.objects.exclude(pk=exclude) if exclude else Account.objects.all()
    if others.filter(name__iexact=name).exists():
        raise _unique_error("name", "Account name already in use", name)
    if others.filter(realm__iexact=realm).exists():
        raise _unique_error("realm", "Account realm already in use", realm)


def create_account(parent: Account | None, data: dict, *, is_master: bool = False) -> Account:
    realm = data.get("realm") or generate_realm(data["name"])
    _check_account_unique(data["name"], realm)
    account = Account(
        name=data["name"],
        realm=realm,
        language=data.get("language", "en-us"),
        timezone=data.get("timezone", "UTC"),
        enabled=data.get("enabled", True),
        is_master=is_master,
    )
    account.place_under(parent)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise _unique_error("name", "Account name already in use", data["name"]) from None
    return account


def update_account(account: Account, data: dict) -> Account:
    _check_account_unique(data["name"], data.get("realm", account.realm), exclude=account.pk)
    disabling = account.enabled and data.get("enabled", True) is False
    for field in ("name", "realm", "language", "timezone", "enabled"):
        if field in data:
            setattr(account, field, data[field])
    with transaction.atomic():
        account.save()
        if disabling:
            revoke_subtree(account)
    return account


def revoke_subtree(account: Account) -> None:
    """Refuse every token of ``account`` and its descendants, now and after re-enabling.

    Bumping the credential epoch makes old tokens fail ``AuthToken.is_current`` even if one
    was being issued concurrently; deleting the rows frees the space at once.
    """
    tree = subtree(account)
    tree.update(auth_epoch=F("auth_epoch") + 1)
    AuthToken.objects.filter(account__in=tree).delete()
    account.refresh_from_db(fields=["auth_epoch"])


def usable(account: Account) -> bool:
    """Whether ``account`` may log in: it and every ancestor are enabled."""
    if not account.enabled:
        return False
    ids = account.ancestor_ids
    return not (ids and Account.objects.filter(pk__in=ids, enabled=False).exists())


def set_reseller(account: Account, is_reseller: bool) -> Account:
    if account.is_master:
        raise field_error(
            "account", "forbidden", "The master account cannot change its reseller status"
        )
    account.is_reseller = is_reseller
    account.save(update_fields=["is_reseller", "modified"])
    return account


def save_user(account: Account, data: dict, user: User | None = None) -> User:
    """Create (``user`` None) or fully update a user of ``account`` from validated data."""
    user = user or User(account=account)
    username = data.get("username", user.username).lower()
    if username != user.username and "password" not in data and user.md5_auth:
        # Kazoo credentials hash "username:password"; a new username needs the password again.
        raise field_error("password", "required", "Field is required but missing", value="password")
    if (
        username
        and User.objects.filter(account=account, username=username).exclude(pk=user.pk).exists()
    ):
        raise _unique_error("username", "Username must be unique within account", username)
    user.username = username
    was_enabled = user.enabled
    for field in (
        "first_name",
        "last_name",
        "email",
        "priv_level",
        "enabled",
        "timezone",
        "contacts",
    ):
        if field in data:
            setattr(user, field, data[field])
    if "password" in data:
        user.set_password(data["password"])
    if was_enabled and not user.enabled:
        user.auth_epoch += 1  # a disabled user's tokens stay refused after re-enabling
    with transaction.atomic():
        user.save()
        # Tokens of an older epoch are refused anyway; removing them keeps the table small.
        AuthToken.objects.filter(user=user).exclude(user_epoch=user.auth_epoch).delete()
    return user


def current_token(raw: str) -> tuple[AuthToken, dict] | None:
    """A token we issued that is still stored, unexpired and current, with its claims."""
    claims = tokens.claims_of(raw)
    if claims is None:
        return None
    token = find_token(raw)
    return (token, claims) if token is not None and token.is_current else None


def login_with_api_key(api_key: str) -> tuple[AuthToken, str]:
    account = Account.objects.filter(api_key_hash=keyed_hash(api_key, "api_key")).first()
    if account is None or not usable(account):
        raise KazooError(404, "bad identifier", [api_key])
    return AuthToken.issue(account, None, AuthToken.API_KEY)


def find_login_account(data: dict) -> Account:
    for field, lookup in (("account_name", "name__iexact"), ("account_realm", "realm__iexact")):
        if field in data:
            account = Account.objects.filter(**{lookup: data[field]}).first()
            if account is None:
                what = field.removeprefix("account_")
                raise field_error(
                    field,
                    "not_found",
                    f"The provided account {what} could not be found",
                    cause=data[field],
                )
            return account
    raise field_error(
        "account_name", "required", "Field is required but missing", value="account_name"
    )


def login_with_credentials(data: dict) -> tuple[AuthToken, str]:
    account = find_login_account(data)
    if not usable(account):
        raise field_error("account", "disabled", "account is disabled", cause=account.id)
    column, purpose = ("sha1_auth", "sha1") if data.get("method") == "sha" else ("md5_auth", "md5")
    digest = keyed_hash(data["credentials"].lower(), purpose)
    user = User.objects.filter(account=account, enabled=True, **{column: digest}).first()
    if user is None:
        raise KazooError(401, "invalid_credentials", {"message": "invalid credentials"})
    return AuthToken.issue(account, user, AuthToken.CREDENTIALS)
