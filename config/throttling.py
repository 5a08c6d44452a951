"""Rate limits: per client on the endpoints that take secrets, per token everywhere else.

Counters live in Django's cache. The default cache is per process; set ``CACHE_URL`` to a
Redis URL so every web process (and every machine) shares them.

The client is the peer address, or, when the peer is one of ``TRUSTED_PROXIES``, the
nearest untrusted address of ``X-Forwarded-For`` read from the right: anyone can write that
header, so only what our own proxies appended is believed.

DRF's ``SimpleRateThrottle`` keeps a list of every request time in the window and pickles
it on each request — thousands of floats per hot token. A fixed-window counter
(``cache.add`` + ``cache.incr``) costs the same on every request whatever the rate.
"""

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_address(request) -> str:
    """The real client's IP: ``REMOTE_ADDR`` unless a trusted proxy forwarded the request."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",")][-32:]  # bounded work per request
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop[:64] if hop else remote
    return remote  # every hop is one of ours


class FixedWindowRateThrottle(SimpleRateThrottle):
    """At most ``num_requests`` per key in each ``duration``-second window."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        key = f"{ident}:{window}"
        count = 1 if cache.add(key, 1, self.duration + 1) else self._increment(key)
        self.wait_seconds = self.duration - (now % self.duration)
        return count <= self.num_requests

    def _increment(self, key: str) -> int:
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.duration + 1)
            return 1

    def get_ident(self, request) -> str:
        return client_address(request)

    def wait(self) -> float:
        return max(getattr(self, "wait_seconds", 1.0), 1.0)


class AuthRateThrottle(FixedWindowRateThrottle):
    """``api_auth``: guessing keys is limited per client address."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(FixedWindowRateThrottle):
    """``user_auth`` (on top of the per-client limit): guesses are limited per (client,
    account name), so a flood of wrong passwords from one address locks out only that
    address for that account, never the account's real users elsewhere."""

    scope = "login"

    def get_cache_key(self, request, view):
        data = request.data.get("data") if isinstance(request.data, dict) else None
        data = data if isinstance(data, dict) else {}
        name = data.get("account_name") or data.get("account_realm") or ""
        account = hashlib.sha256(str(name).strip().lower().encode()).hexdigest()[:32]
        client = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": f"{client}:{account}"}


class TokenRateThrottle(FixedWindowRateThrottle):
    """Every authenticated request counts against its token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None:
            return None  # anonymous requests are refused (401) or throttled per IP
        return self.cache_format % {"scope": self.scope, "ident": token.digest}


class WebhookRateThrottle(FixedWindowRateThrottle):
    """``THROTTLE_WEBHOOK_RATE``: provider callbacks carry no token, so they are limited
    per client address (behind ``TRUSTED_PROXIES``, the forwarded one)."""

    scope = "webhook"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
