"""The signature on a prepared document, so a send proves the document is the one we gave.

Freeside keeps our prepare answer and POSTs it back verbatim; we parse it again, so
whitespace or escaping changes on the way do not matter: the HMAC covers the canonical
JSON (sorted keys, compact separators) of every key but ``signature``.
"""

import hmac
import json
from typing import Any

from django.utils.crypto import salted_hmac

SIGNATURE = "signature"
_SALT = "freeside.prepared-message"  # the key is derived from SECRET_KEY with this salt


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes that are signed: ``document`` without its signature, canonical JSON."""
    unsigned = {key: value for key, value in document.items() if key != SIGNATURE}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def sign(document: dict[str, Any]) -> str:
    return salted_hmac(_SALT, canonical(document), algorithm="sha256").hexdigest()


def signed(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with its ``signature`` added."""
    return {**document, SIGNATURE: sign(document)}


def is_authentic(document: dict[str, Any]) -> bool:
    """Whether ``document`` carries a valid signature over exactly its other keys."""
    given = document.get(SIGNATURE)
    if not isinstance(given, str):
        return False
    try:
        expected = sign(document)
    except (TypeError, ValueError, RecursionError):  # not what we could have signed
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode())
