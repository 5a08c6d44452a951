"""OpenAPI for the Freeside routes: bare JSON on success, ``text/plain`` on every error."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from config.openapi import (
    JSON,
    OBJECT,
    PLAIN,
    STRING,
    TIMESTAMP,
    KazooAutoSchema,
    array_of,
    nullable,
    obj,
)

TAGS = ["freeside"]
ERRORS = {
    400: "Bad JSON, no recipients, a template that cannot be rendered, or an altered "
    "prepared message.",
    401: "No or wrong credentials (`WWW-Authenticate: Basic`).",
    403: "The credentials may not send for this account (tenancy rule, or a "
    "`priv_level: user` token).",
    404: "Unknown account, template or prepared message.",
    405: "Only POST.",
    406: "Not used: `Accept` is ignored; listed for completeness.",
    409: "The template is disabled.",
    410: "The prepared message expired (`FREESIDE_PREPARED_TTL`).",
    413: "The body is larger than `MAX_UPLOAD_SIZE`.",
    415: "Not used; listed for completeness.",
    429: "Too many requests from this client.",
}
DELIVERY = obj({"id": STRING, "channel": STRING, "to": STRING}, ["id", "channel", "to"])
PREPARED = obj(
    {
        "prepared_id": STRING,
        "account_id": STRING,
        "template_id": STRING,
        "msgname": STRING,
        "msgtype": STRING,
        "subject": STRING,
        "text/plain": nullable(STRING),
        "text/x-sms": nullable(STRING),
        "deliveries": array_of(DELIVERY),
        "expires_at": TIMESTAMP,
        "signature": STRING,
    },
    ["prepared_id", "account_id", "template_id", "deliveries", "expires_at", "signature"],
)
SENT = obj({"status": {"type": "string", "enum": ["queued"]}, "deliveries": array_of(DELIVERY)})
AUTH = (
    "HTTP Basic: the username is the id of the account owning the API key given as the "
    "password (this account or an ancestor); `X-Auth-Token` works too. No Kazoo envelope: "
    "success is bare JSON and every error one line of `text/plain`, which Freeside stores "
    "as the message's error."
)
TEMPLATE = OpenApiParameter(
    "template_id", STRING, OpenApiParameter.PATH, description="template id (else `msgname`)"
)


class FreesideAutoSchema(KazooAutoSchema):
    """Kazoo's operation ids and path parameters; plain (not envelope) request bodies."""

    def _get_request_body(self, direction: str = "request"):
        return AutoSchema._get_request_body(self, direction)


def _operation(summary: str, description: str, request: dict, response: dict, **extra):
    responses = {(200, JSON): OpenApiResponse(response, description="Success (no envelope).")}
    for code, text in ERRORS.items():
        responses[code, PLAIN] = OpenApiResponse(STRING, description=text)
    describe = extend_schema(
        summary=summary,
        description=f"{description}\n\n{AUTH}",
        request={JSON: request},
        responses=responses,
        tags=TAGS,
        **extra,
    )

    def decorate(method):
        method.kwargs = {**getattr(method, "kwargs", {}), "schema": FreesideAutoSchema}
        return describe(method)

    return decorate


prepare_operation = _operation(
    "Freeside: prepare a message",
    "Freeside's substitution variables in, a signed prepared message out. Recipients: "
    "`invoicing_email` (comma-separated), else `invoicing_list_emailonly`, for email; "
    "`mobile` for SMS; `to` overrides both. A non-empty `content` replaces the plain and "
    "SMS bodies. One `prepared` delivery row per recipient; nothing is sent yet.",
    OBJECT,
    PREPARED,
)
send_operation = _operation(
    "Freeside: send a prepared message",
    "The prepare answer, verbatim. Its rows are queued once; a repeat answers the same.",
    PREPARED,
    SENT,
)
