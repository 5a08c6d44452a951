"""``/v2/freeside/{A}/prepare[/{template_id}]`` and ``/v2/freeside/{A}/send``.

Not Kazoo routes: Freeside reads a 2xx body as the prepared message and any other body as
the error it shows, so success is bare JSON (no envelope) and every error, including the
framework's own (405, 429), is one line of ``text/plain``.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import Principal
from accounts.models import Account
from accounts.tenancy import load_account
from config.errors import KazooError
from config.parsers import parse_json_text
from config.throttling import AuthRateThrottle
from freeside import auth, services
from freeside.api.schema import prepare_operation, send_operation
from freeside.errors import FreesideError

REALM = 'Basic realm="freeside", charset="UTF-8"'


def text_response(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


def json_response(data: dict) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode("utf-8"), content_type="application/json")


def _framework_error(exc: Exception) -> FreesideError | None:
    """DRF's and Kazoo's exceptions as one line of text (405, 429, a 404 account...)."""
    if isinstance(exc, FreesideError):
        return exc
    if isinstance(exc, KazooError):
        cause = exc.data.get("message") if isinstance(exc.data, dict) else None
        return FreesideError(exc.status_code, str(cause or exc.message))
    if isinstance(exc, exceptions.Throttled):
        return FreesideError(429, "too many requests")
    if isinstance(exc, exceptions.APIException):
        return FreesideError(exc.status_code, str(exc.detail))
    return None


class FreesideView(APIView):
    """Authentication and parsing by hand: Basic with an API key is not a Kazoo scheme."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes: list = []
    throttle_classes = [AuthRateThrottle]  # the password is a secret: limit guesses per client

    def perform_content_negotiation(self, request: Request, force: bool = False):
        """No 406: the answers are what Freeside reads, whatever ``Accept`` says."""
        return JSONRenderer(), JSONRenderer.media_type

    def handle_exception(self, exc: Exception) -> HttpResponse:
        error = _framework_error(exc)
        if error is None:
            raise exc
        response = text_response(error.status, error.message)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response

    def body(self, request: Request) -> object:
        """The JSON body (an empty body is ``{}``); 413 over ``MAX_UPLOAD_SIZE``, else 400."""
        try:
            raw = request.body
        except RequestDataTooBig:
            raise FreesideError(413, "request body too large") from None
        if len(raw) > settings.MAX_UPLOAD_SIZE:
            raise FreesideError(413, "request body too large")
        try:
            return parse_json_text(raw.decode("utf-8"))
        except (UnicodeDecodeError, exceptions.ParseError) as error:
            raise FreesideError(400, f"bad JSON: {_reason(error)}") from None

    def authorized(self, request: HttpRequest, account_id: str) -> tuple[Account, Principal]:
        """Kazoo's order: an unknown account is 404 before credentials are looked at."""
        account = load_account(account_id)
        return account, auth.authorize(request, account)


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "the body is not UTF-8"
    return str(getattr(error, "detail", None) or error)


class FreesidePrepareView(FreesideView):
    @prepare_operation
    def post(self, request: Request, account_id: str, template_id: str | None = None):
        account, principal = self.authorized(request, account_id)
        body = self.body(request)
        if not isinstance(body, dict):
            raise FreesideError(400, "bad JSON: the body must be an object")
        answer = services.prepare(account, template_id, body, superduper=principal.is_superduper)
        return json_response(answer)


class FreesidePrepareTemplateView(FreesidePrepareView):
    """The same, with the template in the path (what a Freeside ``prepare_url`` names)."""


class FreesideSendView(FreesideView):
    @send_operation
    def post(self, request: Request, account_id: str):
        account, _ = self.authorized(request, account_id)
        return json_response(services.send(account, self.body(request)))
