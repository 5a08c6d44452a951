"""Request id and body-size guards that must run before anything parses the request."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.errors import error_response

logger = logging.getLogger("requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Routes whose clients store an error body as text (Freeside): no Kazoo envelope there.
PLAIN_TEXT_ERRORS = "/v2/freeside/"
TEXT = "text/plain; charset=utf-8"


class RequestIdMiddleware:
    """Echo a sane ``X-Request-ID`` or mint a 32-hex one; log one structured line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        if request.path.startswith("/v2/"):
            logger.info(
                "request",
                extra={
                    "request_id": request.request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        return response


class RequestBodyMiddleware:
    """Answer Kazoo's 413 before an oversized body is read; a body without a type is JSON.

    Also refuse NUL bytes in the URL before a view hands them to the database: PostgreSQL
    text cannot hold one, so ``/users/%00`` would otherwise be a 500 rather than a 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            if request.path_info.startswith(PLAIN_TEXT_ERRORS):
                return HttpResponse("not found", status=404, content_type=TEXT)
            return error_response(request, 404, "not_found", {"message": "not found"})
        if (nul_parameter := _nul_query_parameter(request)) is not None:
            message = "NUL (\\u0000) characters are not allowed"
            return error_response(
                request, 400, "validation error", {nul_parameter: {"invalid": {"message": message}}}
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_SIZE:
            if request.path_info.startswith(PLAIN_TEXT_ERRORS):
                return HttpResponse("request body too large", status=413, content_type=TEXT)
            return error_response(request, 413, "validation error", too_large_data())
        if length and not request.META.get("CONTENT_TYPE"):
            request.META["CONTENT_TYPE"] = "application/json"
        return self.get_response(request)


def _nul_query_parameter(request: HttpRequest) -> str | None:
    """The first query parameter whose name or value holds a NUL byte, if any."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name
    return None


def too_large_data() -> dict:
    limit = settings.MAX_UPLOAD_SIZE
    return {
        "file": {
            "maxSize": {
                "message": f"Payload or Files must not be more than {limit} bytes",
                "target": limit,
            }
        }
    }
