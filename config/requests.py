"""Reading Kazoo request envelopes: ``{"data": {...}}`` plus values from data, query or envelope."""

from typing import Any

from rest_framework.request import Request

from config.errors import field_error

_MISSING = object()


def envelope(request: Request) -> dict:
    body = request.data
    if isinstance(body, dict):
        return body
    if hasattr(body, "dict"):
        return body.dict()
    raise field_error(
        "data", "type", "Value did not match type(s): object", target="object", value=body
    )


def payload(request: Request) -> dict:
    """The ``data`` object of the request envelope (``{}`` for an empty body)."""
    body = envelope(request)
    if not body:
        return {}
    if "data" not in body:
        raise field_error("data", "required", "Field is required but missing", value="data")
    data = body["data"]
    if not isinstance(data, dict):
        raise field_error(
            "data", "type", "Value did not match type(s): object", target="object", value=data
        )
    return data


def request_value(request: Request, key: str, default: Any = None) -> Any:
    """Kazoo's ``req_value``: the ``data`` object, then the query string, then the envelope."""
    body = request.data if isinstance(request.data, dict) else {}
    data = body.get("data")
    if isinstance(data, dict) and key in data:
        return data[key]
    if key in request.query_params:
        return request.query_params[key]
    return body.get(key, default)
