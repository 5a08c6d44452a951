"""OpenAPI descriptions of gateway requests and answers (the views validate with
``gateways.documents``; these schemas only describe the wire)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter

from config.openapi import (
    BOOLEAN,
    HEX_ID,
    INTEGER,
    OBJECT,
    PATH_PARAMETERS,
    STRING,
    STRINGS,
    TIMESTAMP,
    array_of,
    nullable,
    obj,
)

_CHANNEL = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}

GATEWAY_REQUEST = obj(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 128},
        "kind": {"type": "string", "enum": ["smtp", "vendor"]},
        "channel": _CHANNEL,
        "enabled": BOOLEAN,
        "paused": BOOLEAN,
        "default": BOOLEAN,
        "inherit": BOOLEAN,
        "from": {"type": "string", "maxLength": 254},
        "timeout": {"type": "integer", "minimum": 1, "maximum": 60},
        "retry_on": array_of({"type": "integer", "minimum": 400, "maximum": 599}),
        "stop_keywords": STRINGS,
        "start_keywords": STRINGS,
        "webhook_auth": nullable(
            obj({"type": {"type": "string", "enum": ["Bearer"]}, "token": nullable(STRING)})
        ),
        "settings": {
            **OBJECT,
            "description": (
                "Per kind (see GET /v2/gateway_kinds). Secrets read back as "
                '"<Encrypted>"; writing "<Encrypted>" or leaving one out keeps it, null '
                "clears it."
            ),
        },
    },
    required=["name", "kind"],
)
GATEWAY_UPDATE = {key: value for key, value in GATEWAY_REQUEST.items() if key != "required"}

GATEWAY_RESPONSE = obj(
    {
        "id": HEX_ID,
        "account_id": nullable(HEX_ID),
        "name": STRING,
        "kind": STRING,
        "channel": STRING,
        "contact_type": STRING,
        "enabled": BOOLEAN,
        "paused": BOOLEAN,
        "default": BOOLEAN,
        "inherit": BOOLEAN,
        "inherited": BOOLEAN,
        "from": STRING,
        "timeout": INTEGER,
        "retry_on": array_of(INTEGER),
        "stop_keywords": STRINGS,
        "start_keywords": STRINGS,
        "webhook_auth": nullable(OBJECT),
        "settings": OBJECT,
        "features": STRINGS,
        "fully_configured": BOOLEAN,
        "webhook_url": STRING,
        "last_error": nullable(obj({"at": STRING, "error": STRING})),
        "created_at": TIMESTAMP,
        "modified_at": TIMESTAMP,
    },
    required=["id", "name", "kind", "channel", "features", "account_id", "default"],
)

CHECK_RESPONSE = obj({"ok": BOOLEAN, "error": STRING, "http_status": INTEGER}, required=["ok"])
EVENT_RESPONSE = obj(
    {"at": TIMESTAMP, "model": STRING, "result": STRING, "delivery_id": nullable(HEX_ID)}
)
KIND_RESPONSE = obj(
    {
        "name": STRING,
        "description": STRING,
        "features": STRINGS,
        "settings_schema": OBJECT,
        "retry_on": array_of(INTEGER),
        "vendors": array_of(OBJECT),
        "modules": array_of(OBJECT),  # kind module: installed modules with their forms
    },
    required=["name", "features", "settings_schema"],
)

WEBHOOK_RESPONSE = obj(
    {
        "results": array_of(
            obj({"event": nullable(STRING), "result": STRING, "delivery_id": nullable(HEX_ID)})
        )
    },
    required=["results"],
)

# The gateway id path parameter, described once (config.openapi reads this table).
PATH_PARAMETERS.setdefault(
    "gateway_id",
    OpenApiParameter("gateway_id", HEX_ID, OpenApiParameter.PATH, description="32-hex gateway id"),
)

TEST_REQUEST = obj(
    {
        "to": {**STRING, "description": "an address valid for the gateway's channel"},
        "text": {**STRING, "minLength": 1, "maxLength": settings.SMS_MAX_LENGTH},
    },
    required=["to", "text"],
)
TEST_RESPONSE = obj({"delivery_id": HEX_ID}, required=["delivery_id"])
