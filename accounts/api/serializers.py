"""Request schemas (Kazoo's JSON schemas, draft-04) and response shapes for accounts and users."""

from accounts.models import Account, User
from config.ids import to_gregorian

EMAIL = {"type": "string", "format": "email"}

API_AUTH_SCHEMA = {
    "type": "object",
    "required": ["api_key"],
    "properties": {"api_key": {"type": "string", "minLength": 64, "maxLength": 64}},
}

USER_AUTH_SCHEMA = {
    "type": "object",
    "required": ["credentials"],
    "properties": {
        "credentials": {"type": "string", "minLength": 1, "maxLength": 64},
        "account_name": {"type": "string", "minLength": 1},
        "account_realm": {"type": "string", "minLength": 1},
        "method": {"type": "string", "enum": ["md5", "sha"]},
    },
}

ACCOUNT_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 128},
        "realm": {
            "type": "string",
            "minLength": 4,
            "maxLength": 253,
            "pattern": r"^[0-9A-Za-z\-\.\:\_]+$",
        },
        "language": {"type": "string", "minLength": 2, "maxLength": 16},
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
        "enabled": {"type": "boolean"},
    },
}

USER_SCHEMA = {
    "type": "object",
    "required": ["first_name", "last_name"],
    "properties": {
        "first_name": {"type": "string", "minLength": 1, "maxLength": 128},
        "last_name": {"type": "string", "minLength": 1, "maxLength": 128},
        "username": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": r"^[+@.\w_-]+$",
        },
        "password": {"type": "string", "minLength": 1, "maxLength": 256},
        "email": EMAIL,
        "priv_level": {"type": "string", "enum": ["admin", "user"]},
        "enabled": {"type": "boolean"},
        "timezone": {"type": "string", "maxLength": 64},
    },
}


def account_data(account: Account, reseller: Account | None = None) -> dict:
    data = {
        "id": account.id,
        "name": account.name,
        "realm": account.realm,
        "parent_id": account.parent_id,
        "tree": account.ancestor_ids,
        "is_reseller": account.is_reseller,
        "superduper_admin": account.is_master,
        "enabled": account.enabled,
        "language": account.language,
        "timezone": account.timezone,
        "created": to_gregorian(account.created),
    }
    if reseller is not None:
        data["reseller_id"] = reseller.id
    return data


def account_summary(account: Account) -> dict:
    return {
        "id": account.id,
        "name": account.name,
        "realm": account.realm,
        "tree": account.ancestor_ids,
        "is_reseller": account.is_reseller,
    }


def user_data(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "priv_level": user.priv_level,
        "enabled": user.enabled,
        "timezone": user.timezone,
    }


def user_summary(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "priv_level": user.priv_level,
    }
