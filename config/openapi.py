"""The OpenAPI 3 description of the Kazoo API (drf-spectacular), served at /v2/openapi.json.

Our views validate with draft-04 JSON schemas and answer Kazoo envelopes instead of DRF
serializers, so drf-spectacular can infer nothing useful from them. This module turns the
same JSON-schema dicts into operations, keeping the views declarative:

* ``kazoo_operation``: one decorator line per view method (summary, request and response
  ``data`` schemas, success status, raw-body media types);
* ``envelope`` / ``request_envelope``: the Kazoo success and request envelopes around a
  ``data`` schema; ``ERROR_ENVELOPE`` the one reusable error component;
* ``add_error_responses``: a postprocessing hook giving every operation the error answers
  any Kazoo request can get, so generated clients and fuzzers know about them;
* ``TokenScheme``: the ``X-Auth-Token`` security scheme;
* ``schema_view`` / ``docs_view``: the JSON document and Swagger UI, public and unwrapped.
"""

import functools
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer

Schema = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"
HTML = "text/html"
PLAIN = "text/plain"
SMS = "text/x-sms"
SCHEMA_URL_NAME = "openapi-schema"

# --- JSON-schema building blocks (OpenAPI 3.0 dialect: ``nullable``, no type lists) ---------

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}
EMPTY_OBJECT: Schema = {"type": "object", "maxProperties": 0}
STRINGS: Schema = {"type": "array", "items": STRING}
HEX_ID: Schema = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
GREGORIAN: Schema = {"type": "integer", "description": "Gregorian seconds (Unix + 62167219200)"}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
RAW_BODY: Schema = {"type": "string", "description": "a raw Mustache template body"}


def obj(properties: Schema, required: Iterable[str] = ()) -> Schema:
    """An object schema; extra keys stay allowed, as Kazoo documents may carry them."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def array_of(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def any_of(*schemas: Schema) -> Schema:
    return {"anyOf": list(schemas)}


_CONSTRAINTS = {"minLength", "maxLength", "pattern", "format", "minimum", "maximum", "required"}


def shape(schema: Schema) -> Schema:
    """A request schema as a response schema: the same fields and types, none of the checks.

    What was stored (a shipped template, a document from before a rule) need not pass
    today's input validation, so answers are described by their shape only.
    """
    result: Schema = {}
    for key, value in schema.items():
        if key in _CONSTRAINTS:
            continue
        if key == "properties":
            result[key] = {name: shape(field) for name, field in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            result[key] = shape(value)
        elif key in ("anyOf", "oneOf", "allOf"):
            result[key] = [shape(option) for option in value]
        else:
            result[key] = value
    return result


def partial(schema: Schema) -> Schema:
    """``schema`` with nothing required: for POSTs that merge the body into the stored one."""
    return {key: value for key, value in schema.items() if key != "required"}


# --- Envelopes ------------------------------------------------------------------------------

_ENVELOPE_KEYS: Schema = {
    "request_id": {"type": "string", "description": "X-Request-ID, echoed or minted"},
    "timestamp": TIMESTAMP,
    "auth_token": {"type": "string", "description": "the caller's token, when authenticated"},
    "version": STRING,
}


def envelope(data: Schema | None) -> Schema:
    """The Kazoo success envelope whose ``data`` follows ``data`` (any value if None)."""
    return obj(
        {
            "status": {"type": "string", "enum": ["success"]},
            "data": data if data is not None else {},
            "revision": {"type": "string", "description": "md5 of the rendered data"},
            **_ENVELOPE_KEYS,
            "page_size": {"type": "integer", "description": "entries in this page (lists)"},
            "start_key": {"type": "string", "description": "where this page started"},
            "next_start_key": {"type": "string", "description": "absent on the last page"},
        },
        required=["status", "data", "request_id", "timestamp"],
    )


def request_envelope(data: Schema) -> Schema:
    """A Kazoo request body: the document under ``data``."""
    return obj({"data": data}, required=["data"])


ERROR_ENVELOPE: Schema = {
    **obj(
        {
            "status": {"type": "string", "enum": ["error"]},
            "error": {"type": "string", "pattern": "^[0-9]{3}$", "description": "the HTTP code"},
            "message": {"type": "string", "example": "validation error"},
            "data": {
                "description": (
                    "Details. Validation errors are keyed by the field's dotted path, then by "
                    'the rule that failed: {"subject": {"required": {"message": "Field is '
                    'required but missing", "value": "subject"}}}.'
                )
            },
            **_ENVELOPE_KEYS,
        },
        required=["status", "error", "message", "data", "request_id", "timestamp"],
    ),
    "description": "The Kazoo error envelope, for every failure a client can see.",
}
ERROR_COMPONENT = "KazooError"
ERROR_REF: Schema = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

# Answers any operation can give (the 406 and 415 ones from content negotiation and parsing).
COMMON_ERRORS: dict[int, str] = {
    400: "Validation error: malformed JSON, a body that is no envelope, or invalid fields.",
    401: "No token, or an unknown, expired or revoked one.",
    403: "The caller may not act on this account, or may only read.",
    404: "Unknown or malformed id (also `faulty_request` for a bad `page_size`).",
    405: "The method is not supported on this path.",
    406: "The `Accept` header (or `?accept=`) names no representation available here.",
    413: "The body is larger than 8,000,000 bytes, or a template body is larger than "
    "`TEMPLATE_MAX_BYTES` or took longer than `TEMPLATE_SANITIZE_SECONDS` to sanitize.",
    415: "The request `Content-Type` is not accepted here.",
    429: "Too many requests for this token (or, on login, from this client address or for "
    "this account name from it); `Retry-After` says when to try again.",
}
# Answered by the HTTP server in front of Django (gunicorn, a proxy), not by the API.
SERVER_ERRORS: dict[int, str] = {
    414: "The request line (path and query string) is too long for the HTTP server; its "
    "own answer, not a Kazoo envelope.",
}
# Answers only some operations give; named by ``kazoo_operation(errors=...)``.
SPECIFIC_ERRORS: dict[int, str] = {
    409: "Conflict: a document with this id already exists here, or the document is not in "
    "a state that allows the action (e.g. retrying a delivery that is not failed).",
}


def error_response(description: str) -> Schema:
    """A response object carrying the error envelope, as it appears in the document."""
    return {"description": description, "content": {JSON: {"schema": ERROR_REF}}}


# --- Parameters -----------------------------------------------------------------------------

PATH_PARAMETERS: dict[str, OpenApiParameter] = {
    name: OpenApiParameter(name, HEX_ID, OpenApiParameter.PATH, description=description)
    for name, description in (
        ("account_id", "32-hex account id"),
        ("user_id", "32-hex user id"),
        ("log_id", "32-hex SMTP log entry id"),
        ("broadcast_id", "32-hex broadcast id (from customer_update/message)"),
    )
}
PATH_PARAMETERS["notification_id"] = OpenApiParameter(
    "notification_id",
    {"type": "string", "minLength": 1, "maxLength": 128},
    OpenApiParameter.PATH,
    description="notification (template) id, e.g. voicemail_to_email",
)


def query(name: str, schema: Any, description: str, **extra: Any) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description, **extra)


PAGINATION_PARAMETERS = [
    query("page_size", {"type": "integer", "minimum": 1}, "entries per page (default 50)"),
    query("start_key", str, "next_start_key of the previous page"),
    query("paginate", bool, "false: everything in one answer"),
]


# --- The operation decorator ----------------------------------------------------------------

SUCCESS = "Success: the Kazoo envelope around `data`."
SUCCESS_OR_RAW = "Success: the Kazoo envelope around `data`, or the negotiated raw body."


def _tag(path: str) -> str:
    """Group operations by what they act on; the most specific segment wins."""
    for segment in ("smtplog", "customer_update", "notifications", "users"):
        if f"/{segment}" in path:
            return segment
    if path.rstrip("/").endswith(("api_auth", "user_auth", "token_auth")):
        return "auth"
    return "accounts"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class KazooAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the conventions of this API.

    * operation ids from the view class and method (each class serves exactly one path),
      since path-derived ones collide (``/accounts`` vs ``/accounts/{id}``);
    * tags from the path; path parameters described once, by name;
    * request bodies on DELETE, which Kazoo reads (``Content-Type`` selects the body to
      delete) but drf-spectacular only documents on PUT/PATCH/POST.
    """

    def get_operation_id(self) -> str:
        view = _snake(type(self.view).__name__.removesuffix("View"))
        return f"{view}_{self.method.lower()}"

    def get_tags(self) -> list[str]:
        return [_tag(self.path)]

    def get_override_parameters(self) -> list:
        names = re.findall(r"{(\w+)}", self.path)
        described = [PATH_PARAMETERS[name] for name in names if name in PATH_PARAMETERS]
        return [*described, *super().get_override_parameters()]

    def _get_request_body(self, direction: str = "request") -> Schema | None:
        body = super()._get_request_body(direction)
        media_types = self.get_request_serializer()
        if not isinstance(media_types, dict) or not media_types:
            return body
        if body is None and self.method == "DELETE":
            body = {"content": {media: {"schema": schema} for media, schema in media_types.items()}}
        if body is not None and _requires_data(media_types.get(JSON)):
            body["required"] = True  # an empty body means empty data, which is then invalid
        return body


def _requires_data(envelope_schema: Schema | None) -> bool:
    """Whether the ``data`` of a request envelope has fields it cannot do without."""
    if not envelope_schema:
        return False
    data = envelope_schema["properties"]["data"]
    options = data.get("anyOf", [data])
    return all(option.get("required") for option in options)


def kazoo_operation(
    summary: str,
    *,
    request: Schema | None = None,
    response: Schema | None = None,
    status: int | Sequence[int] = 200,
    description: str = "",
    parameters: Sequence[OpenApiParameter] = (),
    raw_request: bool = False,
    raw_response: bool = False,
    errors: Sequence[int] = (),
    tags: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """Describe one view method: ``request``/``response`` are the schemas of ``data``.

    ``raw_request``: also accepts a ``text/html``, ``text/plain`` or ``text/x-sms`` body;
    ``raw_response``: also answers with one (Accept negotiation). ``errors`` lists the
    error codes specific to this operation; the common ones come from the hook.
    """
    codes = (status,) if isinstance(status, int) else tuple(status)
    responses: dict[tuple[int, str], Any] = {}
    success = SUCCESS_OR_RAW if raw_response else SUCCESS
    for code in codes:
        responses[code, JSON] = OpenApiResponse(envelope(response), description=success)
        if raw_response:
            raw = OpenApiResponse(RAW_BODY, description=success)
            responses[code, HTML] = responses[code, PLAIN] = responses[code, SMS] = raw
    for code in errors:
        responses[code, JSON] = OpenApiResponse(ERROR_REF, description=SPECIFIC_ERRORS[code])
    media_types: dict[str, Schema] = {}
    if request is not None:
        media_types[JSON] = request_envelope(request)
    if raw_request:
        media_types[HTML] = media_types[PLAIN] = media_types[SMS] = RAW_BODY
    describe = extend_schema(
        summary=summary,
        description=description,
        request=media_types,
        responses=responses,
        parameters=list(parameters),
        tags=list(tags) if tags is not None else None,
    )

    def decorate(method: F) -> F:
        # extend_schema subclasses the schema class it finds on the method: make it ours.
        method.kwargs = {**getattr(method, "kwargs", {}), "schema": KazooAutoSchema}  # type: ignore[attr-defined]
        return describe(method)

    return decorate


# --- Hook, authentication, views ------------------------------------------------------------

_METHODS = {"get", "put", "post", "patch", "delete"}


def add_error_responses(result: Schema, generator: Any, request: Any, public: bool) -> Schema:
    """Postprocessing hook: the error component; the common and server errors everywhere."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_ENVELOPE
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in COMMON_ERRORS.items():
                responses.setdefault(str(code), error_response(text))
            for code, text in SERVER_ERRORS.items():
                responses.setdefault(str(code), {"description": text, "content": {HTML: {}}})
            operation["responses"] = dict(sorted(responses.items()))
    return result


class TokenScheme(OpenApiAuthenticationExtension):
    """``accounts.authentication.TokenAuthentication`` as an ``X-Auth-Token`` API key."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "XAuthToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> Schema:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Auth-Token",
            "description": (
                "A token from PUT /v2/api_auth or PUT /v2/user_auth. "
                "`Authorization: Bearer <token>` is accepted too."
            ),
        }


# The schema and its UI are public and must not go through Kazoo authentication (a stale
# token would make them 401), the throttles or the envelope renderer.
_PUBLIC: dict[str, list] = {
    "authentication_classes": [],
    "permission_classes": [AllowAny],
    "throttle_classes": [],
}
_generate_schema = SpectacularJSONAPIView.as_view(
    renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer], **_PUBLIC
)
_generating = threading.Lock()


@functools.wraps(_generate_schema)  # keeps csrf_exempt and view_class
def schema_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """One generation at a time per process.

    drf-spectacular resolves its extensions' target classes lazily, on first use, without a
    lock: two threads generating the first document at once can crash with a 500.
    """
    with _generating:
        return _generate_schema(request, *args, **kwargs)


docs_view = SpectacularSwaggerView.as_view(
    renderer_classes=[TemplateHTMLRenderer], url_name=SCHEMA_URL_NAME, **_PUBLIC
)
