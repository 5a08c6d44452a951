"""The Kazoo success envelope and the JSON renderer that wraps every API answer in it."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from rest_framework.renderers import JSONRenderer

API_VERSION = "5.0-django"


def utc_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def base_envelope(request: HttpRequest | None) -> dict:
    """Keys every answer carries: request id, timestamp and, when authenticated, the token."""
    body: dict[str, Any] = {
        "request_id": getattr(request, "request_id", None) or "",
        "timestamp": utc_timestamp(),
    }
    token = getattr(request, "raw_auth_token", None)
    if token:
        body["auth_token"] = token
        body["version"] = API_VERSION
    return body


def revision_of(payload: bytes) -> str:
    return hashlib.md5(payload, usedforsecurity=False).hexdigest()


class EnvelopeJSONRenderer(JSONRenderer):
    """Render ``response.data`` as ``{"status": "success", "data": ..., ...}``.

    Error responses from ``config.errors`` are already complete envelopes. A view adds
    pagination keys through ``response.envelope`` and omits ``data`` with ``response.no_data``.
    """

    encoder_class = DjangoJSONEncoder
    # Kazoo answers exactly ``application/json`` (JSON is UTF-8 by definition), and Monster's
    # SDK parses an error body only when the header is exactly that (``request()`` in
    # ``jquery.kazoosdk.js``: ``getResponseHeader('content-type') === 'application/json'``).
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        request = context.get("request")
        if response is None:
            return super().render(data, accepted_media_type, renderer_context)
        if getattr(response, "kazoo_error", False):
            return self._dump(data)
        body = base_envelope(request)
        body["status"] = "success"
        body.update(getattr(response, "envelope", {}))
        if getattr(response, "no_data", False):
            return self._dump(body)
        payload = self._dump(data)
        body["revision"] = revision_of(payload)
        if request is not None and request.method == "GET":
            response["ETag"] = f'"{body["revision"]}"'
        # Splice the already-serialised payload in rather than serialising it twice.
        return self._dump(body)[:-1] + b',"data":' + payload + b"}"

    def _dump(self, obj: Any) -> bytes:
        return json.dumps(
            obj, cls=self.encoder_class, ensure_ascii=False, separators=(",", ":")
        ).encode()
