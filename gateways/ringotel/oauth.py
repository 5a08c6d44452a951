"""OAuth2 client credentials for Ringotel definitions (SPEC-channels §4).

The token request is POSTed to ``token_endpoint`` with ``grant_type=client_credentials``,
``client_id``, ``client_secret`` (and ``refresh_token`` when a ``Refresh Token`` property
is set), form-encoded unless ``token_parameters.content_type`` says JSON. Tokens are
cached in-process per (gateway id, client_id) until ``expires_in`` − 30 s. HTTP is
injected as ``post(url, headers, body) -> (status, headers, body_bytes)``, so this module
does no I/O of its own and tests need no network. No authorization-code flow.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .definition import JSON, media_type
from .placeholders import Context, substitute_text
from .requests import USER_AGENT, OutboundRequest

Post = Callable[[str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]

EXPIRY_MARGIN = 30.0
DEFAULT_LIFETIME = 3600.0
MAX_LIFETIME = 86400.0  # a token claiming to live longer is re-fetched daily anyway
REFRESH_TOKEN_PROPERTY = "Refresh Token"
FORM_TYPE = "application/x-www-form-urlencoded"


class OAuthError(Exception):
    """The token endpoint refused us or answered something unusable.

    ``http_status`` is the token endpoint's status (None when the answer was unreadable);
    400/401/403 mean the credentials are wrong, so callers treat it as permanent.
    """

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status

    @property
    def permanent(self) -> bool:
        return self.http_status in (400, 401, 403)


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float  # on the cache's clock (monotonic seconds)
    token_type: str = "Bearer"


def oauth_section(definition: Mapping[str, Any]) -> Mapping[str, Any] | None:
    section = definition.get("OAuth2")
    return section if isinstance(section, Mapping) else None


def client_id(definition: Mapping[str, Any], properties: Mapping[str, Any] | None) -> str:
    """The substituted client_id: half of the cache key."""
    section = oauth_section(definition) or {}
    return substitute_text(str(section.get("client_id", "")), Context({}, properties))


def token_request(
    definition: Mapping[str, Any], properties: Mapping[str, Any] | None
) -> OutboundRequest:
    """The client-credentials token request for this definition and these properties."""
    section = oauth_section(definition)
    if section is None:
        raise OAuthError("definition has no OAuth2 section")
    context = Context({}, properties)
    fields = {
        "grant_type": "client_credentials",
        "client_id": substitute_text(str(section.get("client_id", "")), context),
        "client_secret": substitute_text(str(section.get("client_secret", "")), context),
    }
    refresh = (properties or {}).get(REFRESH_TOKEN_PROPERTY)
    if refresh not in (None, ""):
        fields["refresh_token"] = str(refresh)
    params = section.get("token_parameters")
    declared = params.get("content_type") if isinstance(params, Mapping) else None
    content_type = declared if isinstance(declared, str) and declared else FORM_TYPE
    if media_type(content_type) == JSON:
        body = json.dumps(fields, separators=(",", ":")).encode("utf-8")
    else:
        body = urlencode(fields).encode("ascii")
    headers = {"Content-Type": content_type, "Accept": JSON, "User-Agent": USER_AGENT}
    url = substitute_text(str(section.get("token_endpoint", "")), context)
    return OutboundRequest("POST", url, headers, body, content_type)


def parse_token(status: int, body: bytes, now: float) -> Token:
    """A :class:`Token` from the token endpoint's answer, or :class:`OAuthError`."""
    if not 200 <= status < 300:
        raise OAuthError(f"token endpoint: HTTP {status}: {_snippet(body)}", status)
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise OAuthError("token endpoint: no access_token in the answer", status)
    if not data["access_token"]:
        raise OAuthError("token endpoint: empty access_token", status)
    lifetime = data.get("expires_in", DEFAULT_LIFETIME)
    try:
        lifetime = float(lifetime)
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    if not math.isfinite(lifetime):
        lifetime = DEFAULT_LIFETIME
    lifetime = min(max(lifetime, 0.0), MAX_LIFETIME)
    token_type = data.get("token_type") if isinstance(data.get("token_type"), str) else "Bearer"
    return Token(data["access_token"], now + lifetime - EXPIRY_MARGIN, token_type)


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return " ".join(text.split())[:200]


def authorization(definition: Mapping[str, Any], token: Token) -> str:
    """The ``Authorization`` value per ``request_auth`` (a scheme word; Bearer default)."""
    section = oauth_section(definition) or {}
    scheme = section.get("request_auth")
    scheme = scheme.strip() if isinstance(scheme, str) and scheme.strip() else "Bearer"
    return f"{scheme} {token.access_token}"


class TokenCache:
    """Thread-safe tokens per (gateway id, client_id); one fetch at a time per key.

    A per-key lock makes concurrent senders wait for one token request instead of each
    asking for their own (token endpoints often rate-limit or revoke older tokens).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[tuple[str, str], Token] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: tuple[str, str]) -> Token | None:
        token = self._tokens.get(key)
        if token is not None and token.expires_at > self.clock():
            return token
        return None

    def get_or_fetch(self, key: tuple[str, str], fetch: Callable[[float], Token]) -> Token:
        token = self.get(key)
        if token is not None:
            return token
        with self._lock(key):
            token = self.get(key)  # another thread may have fetched it meanwhile
            if token is None:
                token = fetch(self.clock())
                self._tokens[key] = token
            return token

    def invalidate(self, key: tuple[str, str], stale: Token | None = None) -> None:
        """Drop the token; with ``stale``, only if it is still that one (so a 401 on an
        old token does not throw away a fresh one another thread just fetched)."""
        with self._guard:
            if stale is None or self._tokens.get(key) == stale:
                self._tokens.pop(key, None)

    def forget_gateway(self, gateway_id: str) -> None:
        """Drop every token of a gateway: call it when its settings change or it is deleted."""
        with self._guard:
            for key in [key for key in self._tokens if key[0] == str(gateway_id)]:
                del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()


class OAuthClient:
    """Tokens for one gateway: ``header()`` for each request, ``invalidate()`` on a 401.

    The wrapper's 401 path: ``invalidate()``, then ``header()`` again and repeat the API
    request once; that repeat is not counted as an attempt (SPEC §4).
    """

    def __init__(
        self,
        gateway_id: str,
        definition: Mapping[str, Any],
        properties: Mapping[str, Any] | None,
        post: Post,
        cache: TokenCache = TOKENS,
    ) -> None:
        self.definition = definition
        self.properties = properties
        self.post = post
        self.cache = cache
        self.key = (str(gateway_id), client_id(definition, properties))
        self._last: Token | None = None

    def _fetch(self, now: float) -> Token:
        request = token_request(self.definition, self.properties)
        status, _headers, body = self.post(request.url, request.headers, request.body or b"")
        return parse_token(status, body, now)

    def token(self) -> Token:
        self._last = self.cache.get_or_fetch(self.key, self._fetch)
        return self._last

    def header(self) -> str:
        """The ``Authorization`` value to pass to ``build_request(auth_header=...)``."""
        return authorization(self.definition, self.token())

    def invalidate(self) -> None:
        self.cache.invalidate(self.key, self._last)
        self._last = None
