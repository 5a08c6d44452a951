"""Rate limits: per client IP on the endpoints that take secrets, per token everywhere else.

Counters live in Django's cache. The default cache is per process; set ``CACHE_URL`` to a
Redis URL so every web process shares them.

DRF's ``SimpleRateThrottle`` keeps a list of every request time in the window and pickles
it on each request — thousands of floats per hot token. A fixed-window counter
(``cache.add`` + ``cache.incr``) costs the same on every request whatever the rate.
"""

import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


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

    def wait(self) -> float:
        return max(getattr(self, "wait_seconds", 1.0), 1.0)


class AuthRateThrottle(FixedWindowRateThrottle):
    """``api_auth`` and ``user_auth``: guessing keys and passwords is limited per IP."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRateThrottle(FixedWindowRateThrottle):
    """Every authenticated request counts against its token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None:
            return None  # anonymous requests are refused (401) or throttled per IP
        return self.cache_format % {"scope": self.scope, "ident": token.digest}
