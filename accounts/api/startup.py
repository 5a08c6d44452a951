"""The reads Monster UI makes at start-up before it opens the branding/notification editor.

Found in Monster's source (``src/apps/auth/app.js`` ``_afterSuccessfulAuth`` and
``loadAccount``; ``src/apps/core/app.js`` ``load``; the white-label app's
``getWhiteLabelData``). Monster logs out when ``apps_store`` fails, and treats the others'
errors as "not available". This service only holds notification templates, so each
answer is the smallest honest one: the one app it serves, no external numbers, no
white-label document.
"""

import hashlib

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import AccountScopedView, KazooView
from config.errors import bad_identifier
from config.openapi import EMPTY_OBJECT, PAGINATION_PARAMETERS, array_of, kazoo_operation, obj
from config.pagination import page_size

# The Monster apps whose API this service answers: the white-label (branding) app edits
# notification templates. ``name`` is the app's directory in Monster.
SERVED_APPS = [
    {
        "name": "whitelabel",
        "label": "Branding",
        "description": "Edit the notification e-mails sent to this account and its customers.",
    }
]

APP_RESPONSE = obj(
    {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "i18n": {"type": "object"},
        "api_url": {"type": "string"},
        "allowed_users": {"type": "string"},
        "users": array_of({}),
    }
)


def _app_id(name: str) -> str:
    """A stable 32-hex id per app, as Kazoo's apps are documents with ids."""
    return hashlib.md5(f"app:{name}".encode(), usedforsecurity=False).hexdigest()


def app_entry(app: dict, api_url: str) -> dict:
    return {
        "id": _app_id(app["name"]),
        "name": app["name"],
        "i18n": {"en-US": {"label": app["label"], "description": app["description"]}},
        "tags": ["reseller"],
        "api_url": api_url,
        "phase": "gold",
        "masqueradable": True,
        "allowed_users": "all",
        "users": [],
    }


def _listing(request: Request, rows: list) -> Response:
    page_size(request, default=0)  # nothing to page through, but bad paging is still a 404
    response = Response(rows)
    response.envelope = {"page_size": len(rows)}
    return response


class AppsStoreView(AccountScopedView):
    @kazoo_operation(
        "List the Monster apps this service serves",
        response=array_of(APP_RESPONSE),
        parameters=PAGINATION_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        api_url = request.build_absolute_uri("/v2/")
        return _listing(request, [app_entry(app, api_url) for app in SERVED_APPS])


class AppView(AccountScopedView):
    @kazoo_operation("Read one served app", response=APP_RESPONSE)
    def get(self, request: Request, account_id: str, app_id: str) -> Response:
        api_url = request.build_absolute_uri("/v2/")
        for app in SERVED_APPS:
            if _app_id(app["name"]) == app_id:
                return Response(app_entry(app, api_url))
        raise bad_identifier(app_id)


class ExternalNumbersView(AccountScopedView):
    @kazoo_operation(
        "External caller-id numbers (none: this service has no numbers)",
        response=array_of(EMPTY_OBJECT),
        parameters=PAGINATION_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        return _listing(request, [])


class AccountWhitelabelView(AccountScopedView):
    @kazoo_operation("An account's white-label document (none here: Kazoo's 404)")
    def get(self, request: Request, account_id: str) -> Response:
        raise bad_identifier("whitelabel")


class DomainWhitelabelView(KazooView):
    """Monster's core app asks this anonymously for the page's host name before login."""

    authentication_classes = []

    @kazoo_operation("White-label by domain (none here: Kazoo's 404)")
    def get(self, request: Request, domain: str) -> Response:
        raise bad_identifier(domain)
