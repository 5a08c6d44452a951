"""Macro data every notification gets without the caller sending it: ``account.*``, ``system.*``."""

import hashlib
import socket
from functools import cache

from accounts.models import Account


def account_macros(account: Account, parent: Account | None = None) -> dict:
    data = {
        "name": account.name,
        "realm": account.realm,
        "id": account.id,
        "language": account.language,
        "timezone": account.timezone,
    }
    if parent is not None:
        data.update(parent_id=parent.id, parent_name=parent.name, parent_realm=parent.realm)
    return data


@cache
def system_macros() -> dict:
    hostname = socket.gethostname()
    encoded = hashlib.sha1(hostname.encode(), usedforsecurity=False).hexdigest()[:12]
    return {
        "hostname": hostname,
        "encoded_hostname": encoded,
        "node": f"notify@{hostname}",
        "encoded_node": f"notify@{encoded}",
    }


def base_data(account: Account) -> dict:
    """``{"account": {...}, "system": {...}}`` for ``account`` (its parent loaded if any)."""
    parent = account.parent if account.parent_id else None
    return {"account": account_macros(account, parent), "system": system_macros()}


# Keys of a macro *definition* in the catalogue (``{"description", "friendly_name",
# "i18n_label"}``). Monster's editor sends the whole document back to preview, definitions
# included; Kazoo ignores them, as macros are system-defined.
DEFINITION_KEYS = frozenset({"description", "friendly_name", "i18n_label"})


def is_definition(value: object) -> bool:
    return isinstance(value, dict) and bool(value) and value.keys() <= DEFINITION_KEYS


def values_only(macros: dict) -> dict:
    """``macros`` without definition-shaped entries, at any depth; plain values stay."""
    kept = {}
    for key, value in macros.items():
        if is_definition(value):
            continue
        kept[key] = values_only(value) if isinstance(value, dict) else value
    return kept
