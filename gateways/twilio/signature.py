"""X-Twilio-Signature: Twilio's documented webhook signing scheme.

The signed string is the exact URL Twilio requested (scheme, host, port, path and query as
configured) followed by every POST parameter, sorted by name, as name+value with no
separator. The key is the account's auth token; the digest is HMAC-SHA1, base64-encoded.

A known weakness of the scheme: names and values are concatenated without separators, so
``{"ab": "c"}`` and ``{"a": "bc"}`` sign the same. Only the URL, values and the set of
parameters are protected individually.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

SIGNATURE_HEADER = "X-Twilio-Signature"


def _values(params: Any, name: str) -> list[str]:
    """Every value of one parameter: Django QueryDicts and plain ``{name: [values]}`` alike."""
    if hasattr(params, "getlist"):
        raw: Any = params.getlist(name)
    else:
        raw = params[name]
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        raw = [raw]
    return [v.decode() if isinstance(v, bytes) else str(v) for v in raw]


def signing_string(url: str, params: Mapping[str, Any] | None) -> str:
    """The string Twilio signs (repeated values sorted, as Twilio's own libraries do)."""
    parts = [url]
    for name in sorted(params or {}):
        for value in sorted(set(_values(params, name))):
            parts.append(name + value)
    return "".join(parts)


def signature(url: str, params: Mapping[str, Any] | None, auth_token: str) -> str:
    """The X-Twilio-Signature value Twilio sends for a form POST of ``params`` to ``url``."""
    digest = hmac.new(
        auth_token.encode("utf-8"),
        signing_string(url, params).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def validate_signature(
    url: str, params: Mapping[str, Any] | None, header_value: str | None, auth_token: str
) -> bool:
    """True when ``header_value`` is Twilio's signature of this request (constant time).

    ``url`` must be the public URL Twilio called (the gateway's absolute ``webhook_url``,
    with any query string), not what a proxy passed on.
    """
    if not header_value or not auth_token:
        return False
    expected = signature(url, params, auth_token)
    return hmac.compare_digest(expected.encode("ascii"), header_value.strip().encode("utf-8"))
