"""Request schemas (Kazoo's JSON schemas, draft-04) and response shapes for accounts and users."""

from accounts.models import Account, User
from config.ids import to_gregorian
from config.openapi import (
    BOOLEAN,
    GREGORIAN,
    HEX_ID,
    STRING,
    array_of,
    nullable,
    obj,
)

EMAIL = {"type": "string", "format": "email", "maxLength": 254}  # the column's size

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
        "account_name": {"type": "string", "minLength": 1, "maxLength": 128},
        "account_realm": {"type": "string", "minLength": 1, "maxLength": 253},
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
        "contacts": {
            "type": "object",
            "description": "(extension) {channel: address}; sms is E.164",
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 254},
        },
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
        "contacts": user.contacts,
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


# --- Response ``data`` schemas (OpenAPI), one per shape above --------------------------------

LOGIN_RESPONSE = obj(
    {
        "account_id": HEX_ID,
        "account_name": STRING,
        "reseller_id": HEX_ID,
        "is_reseller": BOOLEAN,
        "is_master_account": BOOLEAN,
        "language": STRING,
        "apps": array_of({}),
        "expires": {"type": "integer", "description": "Unix seconds"},
        "owner_id": {**HEX_ID, "description": "the user (user_auth only)"},
    },
    required=["account_id", "account_name", "reseller_id", "expires"],
)

TOKEN_RESPONSE = obj(
    {
        "account_id": HEX_ID,
        "owner_id": nullable(HEX_ID),
        "method": STRING,
        "expires": {"type": "integer", "description": "Unix seconds"},
    },
    required=["account_id", "owner_id", "method", "expires"],
)

TOKENINFO_SCHEMA = {
    "type": "object",
    "required": ["token"],
    "properties": {"token": {"type": "string", "minLength": 1, "maxLength": 4096}},
}

TOKENINFO_RESPONSE = obj(
    {
        **LOGIN_RESPONSE["properties"],
        "iss": STRING,
        "method": {**STRING, "description": "cb_user_auth or cb_api_auth"},
        "iat": {"type": "integer", "description": "Unix seconds"},
        "exp": {"type": "integer", "description": "Unix seconds"},
        "jti": STRING,
    },
    required=["account_id", "method", "iat", "exp"],
)

ACCOUNT_SUMMARY_RESPONSE = obj(
    {
        "id": HEX_ID,
        "name": STRING,
        "realm": STRING,
        "tree": {**array_of(HEX_ID), "description": "ancestor ids, master first"},
        "is_reseller": BOOLEAN,
    },
    required=["id", "name", "realm", "tree", "is_reseller"],
)

ACCOUNT_RESPONSE = obj(
    {
        **ACCOUNT_SUMMARY_RESPONSE["properties"],
        "parent_id": nullable(HEX_ID),
        "superduper_admin": BOOLEAN,
        "enabled": BOOLEAN,
        "language": STRING,
        "timezone": STRING,
        "created": GREGORIAN,
        "reseller_id": HEX_ID,
    },
    required=[*ACCOUNT_SUMMARY_RESPONSE["required"], "parent_id", "enabled", "created"],
)

API_KEY_RESPONSE = obj({"api_key": STRING}, required=["api_key"])

USER_SUMMARY_RESPONSE = obj(
    {
        "id": HEX_ID,
        "username": STRING,
        "first_name": STRING,
        "last_name": STRING,
        "email": {"type": "string", "description": "empty when the user has none"},
        "priv_level": {"type": "string", "enum": ["admin", "user"]},
    },
    required=["id", "username", "first_name", "last_name", "email", "priv_level"],
)

USER_RESPONSE = obj(
    {
        **USER_SUMMARY_RESPONSE["properties"],
        "enabled": BOOLEAN,
        "timezone": STRING,
        "contacts": {"type": "object", "additionalProperties": STRING},
    },
    required=[*USER_SUMMARY_RESPONSE["required"], "enabled", "timezone", "contacts"],
)

DELETED_USER_RESPONSE = obj(
    {**USER_RESPONSE["properties"], "_read_only": obj({"deleted": BOOLEAN})},
    required=["id", "_read_only"],
)
