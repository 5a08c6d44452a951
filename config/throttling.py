"""Rate limits: per client IP on the endpoints that take secrets, per token everywhere else.

Counters live in Django's cache. The default cache is per process; set ``CACHE_URL`` to a
Redis URL so every web process shares them.
"""

from rest_framework.throttling import SimpleRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """``api_auth`` and ``user_auth``: guessing keys and passwords is limited per IP."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRateThrottle(SimpleRateThrottle):
    """Every authenticated request counts against its token."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None:
            return None  # anonymous requests are refused (401) or throttled per IP
        return self.cache_format % {"scope": self.scope, "ident": token.digest}
