"""Build the outbound HTTP request for one API action of a definition (SPEC-channels §4).

Pure: returns an :class:`OutboundRequest` that ``gateways/http.py`` sends. Nothing here
opens a connection, resolves a name or reads a clock.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any
from urllib.parse import urlencode

from .definition import FORM, JSON, action, media_type
from .placeholders import Context, string_form, substitute_string, substitute_text, substitute_tree

ACTIONS = ("SendMessage", "SendFile", "CheckConnection")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _version() -> str:
    try:
        return metadata.version("kazoo-notify")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"kazoo-notify/{_version()}"


class DefinitionError(ValueError):
    """The definition lacks what the action needs (validation should have caught it)."""


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request, ready for the transport: bytes in, nothing resolved yet."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None


def send_variables(variables: Mapping[str, Any], action_name: str) -> dict[str, Any]:
    """The variables as an action sees them.

    For SendFile the media URL is ``$content$`` and the caption ``$text$`` (SPEC §4), so
    ``content`` becomes ``media_url`` and ``text`` defaults to the rendered text.
    """
    values = dict(variables)
    if action_name == "SendFile":
        caption = values.get("text") or values.get("content", "")
        values["content"] = values.get("media_url", "")
        values["text"] = caption
    return values


def build_request(
    definition: Mapping[str, Any],
    action_name: str,
    variables: Mapping[str, Any],
    properties: Mapping[str, Any] | None = None,
    auth_header: str | None = None,
    macros: Mapping[str, Any] | None = None,
) -> OutboundRequest:
    """The request for ``API.<action_name>`` with every placeholder substituted.

    ``variables`` are the built-ins (``from``, ``to``, ``content``, ``delivery_id``, …),
    ``properties`` the decrypted property values, ``macros`` the template macros for
    ``$macro.path$``. ``auth_header`` (the full ``Authorization`` value, e.g. from
    :mod:`.oauth`) replaces the definition's ``auth``.
    """
    if action_name not in ACTIONS:
        raise DefinitionError(f"unknown action {action_name!r}")
    spec = action(definition, action_name)
    if spec is None:
        raise DefinitionError(f"definition has no API.{action_name}")
    context = Context(send_variables(variables, action_name), properties, macros)
    method = str(spec.get("request_method", "POST")).upper()
    url = _url(spec.get("request_url"), context)
    params = substitute_tree(spec.get("request_parameters"), context)
    content_type = spec.get("request_content_type") or JSON
    headers = _headers(spec.get("headers"), context)
    body = None
    if method == "GET":
        url = _with_query(url, params)
        content_type = None
    else:
        body = _encode_body(params, content_type)
        if body is not None:
            headers["Content-Type"] = content_type
    headers.update(_auth_headers(definition, context, auth_header))
    headers.update(_fixed_headers(context.variables.get("delivery_id")))
    return OutboundRequest(method, url, headers, body, content_type)


def _url(template: Any, context: Context) -> str:
    if not isinstance(template, str) or not template:
        raise DefinitionError("request_url is required")
    return substitute_string(template, context, url=True)


def _clean_header(value: str) -> str:
    """No CR/LF may reach a header: a property or recipient could smuggle one in."""
    return CONTROL.sub(" ", value).strip()


def _headers(template: Any, context: Context) -> dict[str, str]:
    headers: dict[str, str] = {"User-Agent": USER_AGENT}
    if isinstance(template, Mapping):
        for name, value in template.items():
            text = substitute_text(value, context) if isinstance(value, str) else str(value)
            headers[str(name)] = _clean_header(text)
    return headers


def _auth_headers(
    definition: Mapping[str, Any], context: Context, auth_header: str | None
) -> dict[str, str]:
    if auth_header:
        return {"Authorization": _clean_header(auth_header)}
    auth = definition.get("auth")
    if not isinstance(auth, Mapping):
        return {}
    if auth.get("type") == "Bearer":
        token = substitute_text(str(auth.get("token", "")), context)
        return {"Authorization": _clean_header(f"Bearer {token}")}
    if auth.get("type") == "Basic":
        user = substitute_text(str(auth.get("username", "")), context)
        password = substitute_text(str(auth.get("password") or ""), context)
        return {"Authorization": basic_auth(user, password)}
    return {}


def basic_auth(user: str, password: str) -> str:
    """``Basic base64(user:pass)`` in UTF-8."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _fixed_headers(delivery_id: Any) -> dict[str, str]:
    """Idempotency headers: the delivery id, identical on every retry of the row."""
    if delivery_id in (None, ""):
        return {}
    value = _clean_header(str(delivery_id))
    return {"Idempotency-Key": value, "X-Notify-Delivery-Id": value}


def flat_pairs(params: Any) -> list[tuple[str, str]]:
    """Top-level keys as form/query pairs; nested values JSON-encoded (SPEC §4)."""
    if not isinstance(params, Mapping):
        return []
    return [(str(key), string_form(value)) for key, value in params.items()]


def _encode_body(params: Any, content_type: str) -> bytes | None:
    if params is None:
        return None
    if media_type(content_type) == FORM:
        return urlencode(flat_pairs(params)).encode("ascii")
    text = json.dumps(params, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.encode("utf-8")


def _with_query(url: str, params: Any) -> str:
    pairs = flat_pairs(params)
    if not pairs:
        return url
    base, _, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        joiner = ""
    query = urlencode(pairs)
    return f"{base}{joiner}{query}" + (f"#{fragment}" if fragment else "")
