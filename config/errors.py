"""Kazoo error bodies, in one place.

Every failure a client can see is built here: the DRF exception handler for API views,
``error_response`` for middleware and the URL-level 404/500 handlers.
"""

import logging
import math
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from config.envelope import base_envelope

logger = logging.getLogger(__name__)


class KazooError(exceptions.APIException):
    """An API error with Kazoo's ``message`` string and ``data`` object."""

    def __init__(self, status: int, message: str, data: Any = None):
        self.status_code = status
        self.message = message
        self.data = {} if data is None else data
        super().__init__(detail=message)


class ValidationFailed(KazooError):
    """400 ``validation error`` with field-level errors keyed by dotted path and rule."""

    def __init__(self, errors: dict):
        super().__init__(400, "validation error", errors)


def field_error(path: str, rule: str, message: str, **detail: Any) -> ValidationFailed:
    return ValidationFailed({path: {rule: {"message": message, **detail}}})


def required_error(path: str) -> ValidationFailed:
    key = path.rsplit(".", 1)[-1]
    return field_error(path, "required", "Field is required but missing", value=key)


def bad_identifier(cause: str) -> KazooError:
    return KazooError(404, "bad_identifier", {"cause": cause, "message": "bad identifier"})


def not_found() -> KazooError:
    return KazooError(404, "not_found", {"message": "not found"})


def forbidden() -> KazooError:
    return KazooError(403, "forbidden", {"message": "forbidden"})


def error_body(request: HttpRequest | None, status: int, message: str, data: Any) -> dict:
    body = base_envelope(request)
    body.update({"status": "error", "error": str(status), "message": message, "data": data})
    return body


def error_response(request: HttpRequest, status: int, message: str, data: Any) -> JsonResponse:
    """A Kazoo error as a plain Django response (for code running outside DRF views)."""
    response = JsonResponse(error_body(request, status, message, data), status=status)
    response["X-Request-ID"] = getattr(request, "request_id", "")
    return response


def _translate(exc: Exception) -> tuple[int, str, Any] | None:
    if isinstance(exc, KazooError):
        return exc.status_code, exc.message, exc.data
    if isinstance(exc, exceptions.NotAuthenticated):
        return 401, "invalid_credentials", {"message": "invalid credentials"}
    if isinstance(exc, exceptions.AuthenticationFailed):
        return 401, "invalid credentials", {}
    if isinstance(exc, exceptions.PermissionDenied):
        return 403, "forbidden", {"message": "forbidden"}
    if isinstance(exc, exceptions.NotFound):
        return 404, "not_found", {"message": "not found"}
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, "invalid_method", {"message": "method not allowed"}
    if isinstance(exc, exceptions.NotAcceptable):
        return 406, "Not Acceptable", {"message": "none of the requested media types is available"}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, "Unsupported Media Type", {"message": str(exc.detail)}
    if isinstance(exc, exceptions.Throttled):
        return 429, "too_many_requests", {"message": "too many requests"}
    if isinstance(exc, exceptions.ParseError):
        invalid = {"message": str(exc.detail), "target": "body"}
        return 400, "validation error", {"json": {"invalid": invalid}}
    if isinstance(exc, RequestDataTooBig):
        from config.middleware import too_large_data

        return 413, "validation error", too_large_data()
    if isinstance(exc, exceptions.ValidationError):
        return 400, "validation error", {"data": {"invalid": {"message": str(exc.detail)}}}
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler answering every known failure with a Kazoo error envelope."""
    translated = _translate(exc)
    if translated is None:
        return None  # a genuine server error: let Django log it and answer 500
    status, message, data = translated
    request = context.get("request")
    response = Response(error_body(request, status, message, data), status=status)
    response.kazoo_error = True
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    return response


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(request, 404, "not_found", {"message": "not found"})


def handler500(request: HttpRequest) -> JsonResponse:
    return error_response(request, 500, "internal server error", {})
