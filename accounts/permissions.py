"""Base API views that apply the tenancy rule once, in Kazoo's order of checks.

Order (kazoo-reference §1.7): a bad token → 401; an unsupported method → 405; a malformed
or unknown account id → 404 (even anonymously); no token → 401; not allowed → 403.
"""

from rest_framework.exceptions import MethodNotAllowed, NotAuthenticated
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import Principal
from accounts.models import Account
from accounts.tenancy import authorize, load_account
from config.envelope import EnvelopeJSONRenderer
from config.errors import forbidden
from config.parsers import ENVELOPE_PARSERS


class KazooView(APIView):
    """Common base: Kazoo parsers, 405 before anything touches the database."""

    parser_classes = ENVELOPE_PARSERS

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # negotiation, authentication, throttles
        if not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        if getattr(response, "kazoo_error", False):
            # Errors are JSON envelopes even when the client negotiated a raw template body.
            request.accepted_renderer = EnvelopeJSONRenderer()
            request.accepted_media_type = EnvelopeJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def principal(self) -> Principal:
        return self.request.user

    def require_principal(self) -> Principal:
        if not isinstance(self.request.user, Principal):
            raise NotAuthenticated()
        return self.request.user

    def is_write(self, request: Request) -> bool:
        return request.method not in SAFE_METHODS


class AccountScopedView(KazooView):
    """A view under ``/v2/accounts/{account_id}/``: sets ``self.account`` once authorized."""

    account: Account

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.account = load_account(kwargs["account_id"])
        principal = self.require_principal()
        authorize(principal, self.account, write=self.is_write(request))


class SystemView(KazooView):
    """System-level paths: any authenticated caller reads; writes (any non-GET, which
    includes preview and broadcasts) need superduper *and* write rights, so a master
    account's ``priv_level: user`` token reads only, as on account paths (SPEC §3)."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        principal = self.require_principal()
        if self.is_write(request) and not may_write_system(principal):
            raise forbidden()


def may_write_system(principal: Principal) -> bool:
    """The system-path rule: superduper with an admin user's or an API-key token."""
    return principal.is_superduper and principal.can_write
