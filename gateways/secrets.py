"""Gateway secrets at rest: the only module that encrypts or decrypts them.

Secrets are Fernet tokens under a MultiFernet built from ``CHANNELS_SECRET_KEYS`` (the first
key encrypts, every key decrypts, so keys rotate without downtime). Without that setting a
key is derived from ``SECRET_KEY`` with HKDF-SHA256 (info ``notify-channels``), so a
zero-configuration install still never stores a secret in clear.

A gateway keeps all its secrets in one sealed blob: a JSON list of ``{"path", "value"}``
where ``path`` is the list of keys from the document root (``["settings", "password"]``).
The plain document stored beside it never holds a secret leaf.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENCRYPTED = "<Encrypted>"
HKDF_INFO = b"notify-channels"

Path = tuple[str, ...]


class SecretsUnreadable(Exception):
    """A blob no configured key can decrypt (a key was dropped too early)."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key used when ``CHANNELS_SECRET_KEYS`` is unset."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(key.encode()) for key in keys] or [Fernet(derived_key(secret_key))]
    except ValueError:
        raise ImproperlyConfigured(
            "CHANNELS_SECRET_KEYS must be comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)"
        ) from None
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    """The MultiFernet for the current settings (cached per key set)."""
    return _fernet(tuple(settings.CHANNELS_SECRET_KEYS), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretsUnreadable("no configured key decrypts this secret") from None


def seal(values: dict[Path, str]) -> str:
    """Encrypt a gateway's secrets into one blob ("" when there are none)."""
    if not values:
        return ""
    entries = [{"path": list(path), "value": value} for path, value in sorted(values.items())]
    return encrypt(json.dumps(entries, separators=(",", ":")))


def unseal(blob: str) -> dict[Path, str]:
    if not blob:
        return {}
    return {tuple(entry["path"]): entry["value"] for entry in json.loads(decrypt(blob))}


def rotate(blob: str) -> str:
    """Re-encrypt ``blob`` under the first configured key."""
    if not blob:
        return blob
    try:
        return fernet().rotate(blob.encode()).decode()
    except InvalidToken:
        raise SecretsUnreadable("no configured key decrypts this secret") from None


# --- Documents with secret leaves -----------------------------------------------------------

_MISSING = object()


def get_path(document: dict, path: Path) -> object:
    node: object = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def set_path(document: dict, path: Path, value: object) -> None:
    node = document
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value


def drop_path(document: dict, path: Path) -> None:
    parent = get_path(document, path[:-1]) if len(path) > 1 else document
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def resolve_written(document: dict, paths: Iterable[Path], stored: dict[Path, str]) -> None:
    """Apply the write rules to ``document`` in place, leaving the real secret values in it.

    ``"<Encrypted>"`` or an absent key keeps the stored value, a string replaces it, and
    ``null`` clears it.
    """
    for path in paths:
        value = get_path(document, path)
        if value is _MISSING or value == ENCRYPTED:
            if path in stored and isinstance(get_path(document, path[:-1]), dict):
                set_path(document, path, stored[path])
            elif value == ENCRYPTED:
                drop_path(document, path)
        elif value is None:
            drop_path(document, path)


def split(document: dict, paths: Iterable[Path]) -> tuple[dict, dict[Path, str]]:
    """(the document without secret leaves, the secret values by path)."""
    plain = json.loads(json.dumps(document))
    values: dict[Path, str] = {}
    for path in paths:
        value = get_path(plain, path)
        if isinstance(value, str):
            values[path] = value
            drop_path(plain, path)
    return plain, values


def merged(plain: dict, values: dict[Path, str]) -> dict:
    """The plain document with its secrets put back (what kinds send with)."""
    document = json.loads(json.dumps(plain))
    for path, value in values.items():
        set_path(document, path, value)
    return document


def obscured(plain: dict, values: dict[Path, str]) -> dict:
    """The plain document with ``"<Encrypted>"`` wherever a secret is set."""
    return merged(plain, dict.fromkeys(values, ENCRYPTED))
