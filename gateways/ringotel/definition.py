"""Validation and reading of a Ringotel definition (SPEC-channels §3, §4).

Errors are Kazoo field errors: ``{"<dotted path>": {"<rule>": {"message": "..."}}}``, the
paths rooted at ``settings.definition`` (or ``settings.properties`` /
``settings.secret_properties`` for :func:`validate_settings`). The checks read the
document defensively: any JSON value may sit anywhere, and nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .placeholders import BUILTINS, MAX_DEPTH, is_macro, placeholder_names

ROOT = "settings.definition"
ACTIONS = ("SendMessage", "SendFile", "CheckConnection")
METHODS = ("GET", "POST", "PUT", "PATCH")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CONTENT_TYPES = (JSON, FORM)
AUTH_TYPES = ("Bearer", "Basic")
EVENT_KEYS = ("message", "file", "delivered", "failed", "status")
STATUS_TARGETS = ("sent", "delivered", "failed", "temporary-failure")
RESPONSE_CAPTURES = frozenset({"messageid", "error", "error_code", "status"})
WEBHOOK_CAPTURES = frozenset(
    {
        "event_key",
        "messageid",
        "from",
        "to",
        "content",
        "text",
        "url",
        "error",
        "error_code",
        "status",
    }
)
# Captures a model must have for its event to mean anything (SPEC §4 Webhook models).
REQUIRED_CAPTURES = {
    "delivered": ("messageid",),
    "failed": ("messageid",),
    "status": ("messageid", "status"),
    "message": ("from", "content"),
    "file": ("from", "url"),
}
SECRET_NAME = re.compile(r"key|secret|token|password", re.IGNORECASE)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
AUTH_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
CHANNEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
URL_START = re.compile(r"^https?://[^/?#\s]", re.IGNORECASE)
FEATURE_ORDER = ("outgoing", "send_file", "ingoing", "delivery_reports", "check_connection")

Errors = dict[str, dict[str, dict[str, str]]]


class _Collector:
    """Accumulates field errors; the first error per (path, rule) wins."""

    def __init__(self) -> None:
        self.errors: Errors = {}

    def add(self, path: str, rule: str, message: str) -> None:
        self.errors.setdefault(path, {}).setdefault(rule, {"message": message})


# --- reading ---------------------------------------------------------------------------


def media_type(content_type: Any) -> str:
    """``"application/json; charset=utf-8"`` → ``"application/json"``."""
    if not isinstance(content_type, str):
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def property_names(definition: Any) -> list[str]:
    """Declared property names, in order; entries may be strings or ``{"name": ...}``."""
    raw = definition.get("properties") if isinstance(definition, dict) else None
    if not isinstance(raw, list):
        return []
    names = []
    for entry in raw:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names


def secret_property_names(settings: Any) -> list[str]:
    """The properties stored encrypted: ``settings.secret_properties`` when given, else
    the declared names matching ``/key|secret|token|password/i`` (SPEC §2)."""
    settings = settings if isinstance(settings, dict) else {}
    declared = property_names(settings.get("definition"))
    chosen = settings.get("secret_properties")
    if isinstance(chosen, list):
        return [name for name in declared if name in chosen]
    return [name for name in declared if SECRET_NAME.search(name)]


def webhook_models(definition: Any) -> list[dict]:
    """The Webhook models as a list, each carrying its ``event_key``.

    The array form is kept in order; the object form (keyed by event_key) in key order,
    with the key filled in as ``event_key``. Entries that are not objects are dropped.
    """
    raw = definition.get("Webhook") if isinstance(definition, dict) else None
    models: list[dict] = []
    if isinstance(raw, list):
        models = [dict(model) for model in raw if isinstance(model, dict)]
    elif isinstance(raw, dict):
        for key, model in raw.items():
            if isinstance(model, dict):
                models.append({**model, "event_key": model.get("event_key", key)})
    return models


def action(definition: Any, name: str) -> dict | None:
    """``API.<name>`` when it is an object."""
    api = definition.get("API") if isinstance(definition, dict) else None
    found = api.get(name) if isinstance(api, dict) else None
    return found if isinstance(found, dict) else None


def features(definition: Any) -> list[str]:
    """The gateway's features per SPEC §3, in a fixed order."""
    keys = {model.get("event_key") for model in webhook_models(definition)}
    found = {"outgoing"}
    if action(definition, "SendFile"):
        found.add("send_file")
    if keys & {"message", "file"}:
        found.add("ingoing")
    if keys & {"delivered", "failed", "status"}:
        found.add("delivery_reports")
    oauth = definition.get("OAuth2") if isinstance(definition, dict) else None
    if action(definition, "CheckConnection") or isinstance(oauth, dict):
        found.add("check_connection")
    return [name for name in FEATURE_ORDER if name in found]


def missing_properties(definition: Any, properties: Any) -> list[str]:
    """Declared properties with no value (absent, null or empty string)."""
    values = properties if isinstance(properties, dict) else {}
    return [name for name in property_names(definition) if values.get(name) in (None, "")]


def fully_configured(definition: Any, properties: Any) -> bool:
    """A valid definition whose every declared property has a value (SPEC §4)."""
    return not validate_definition(definition, properties) and not missing_properties(
        definition, properties
    )


# --- validation ------------------------------------------------------------------------


def validate_settings(settings: Any) -> Errors:
    """Validate the whole ``settings`` object of an ``http_json`` gateway."""
    if not isinstance(settings, dict):
        return {"settings": {"wrong_format": {"message": "must be an object"}}}
    if "definition" not in settings:
        return {ROOT: {"required": {"message": "a Ringotel definition is required"}}}
    properties = settings.get("properties")
    errors = validate_definition(settings["definition"], properties)
    out = _Collector()
    out.errors = errors
    _check_property_values(properties, out)
    _check_secret_list(settings, out)
    return out.errors


def _check_property_values(properties: Any, out: _Collector) -> None:
    if properties is None:
        return
    if not isinstance(properties, dict):
        out.add("settings.properties", "wrong_format", "must be an object of name: value")
        return
    for name, value in properties.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            out.add(f"settings.properties.{name}", "wrong_format", "must be a scalar value")


def _check_secret_list(settings: dict, out: _Collector) -> None:
    chosen = settings.get("secret_properties")
    if chosen is None:
        return
    if not isinstance(chosen, list):
        out.add("settings.secret_properties", "wrong_format", "must be a list of names")
        return
    declared = property_names(settings.get("definition"))
    for index, name in enumerate(chosen):
        if name not in declared:
            out.add(f"settings.secret_properties.{index}", "wrong_format", "not a property")


def validate_definition(definition: Any, properties: dict | None = None) -> Errors:
    """Every §4 rule, each error at its exact path. Empty dict = valid.

    ``properties`` (name → value) is accepted for symmetry with the kind's other checks;
    values never make a definition invalid (a missing value only makes the gateway not
    ``fully_configured``).
    """
    out = _Collector()
    if not isinstance(definition, dict):
        out.add(ROOT, "wrong_format", "must be a JSON object")
        return out.errors
    if _depth(definition) > MAX_DEPTH:
        out.add(ROOT, "wrong_format", f"nested deeper than {MAX_DEPTH} levels")
        return out.errors
    _check_class(definition, out)
    names = _check_properties(definition, out)
    _check_api(definition, out)
    _check_auth(definition, out)
    _check_oauth(definition, out)
    _check_webhook(definition, out)
    _check_placeholders(definition, names, out)
    return out.errors


def _depth(tree: Any) -> int:
    """Nesting depth, computed iteratively so it cannot overflow the stack."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH + 1:
            return level
        children = node.values() if isinstance(node, dict) else node
        if isinstance(node, (dict, list)):
            stack.extend((child, level + 1) for child in children)
    return deepest


def _check_class(definition: dict, out: _Collector) -> None:
    value = definition.get("class")
    if value is not None and (not isinstance(value, str) or not CHANNEL.match(value)):
        out.add(f"{ROOT}.class", "wrong_format", "a channel name like sms")


def default_channel(definition: Any) -> str | None:
    """The gateway's channel when none is given: the definition's ``class`` (SPEC §2)."""
    value = definition.get("class") if isinstance(definition, dict) else None
    return value if isinstance(value, str) and CHANNEL.match(value) else None


def _check_properties(definition: dict, out: _Collector) -> set[str]:
    raw = definition.get("properties")
    path = f"{ROOT}.properties"
    if raw is None:
        return set()
    if not isinstance(raw, list):
        out.add(path, "wrong_format", "must be a list of property names")
        return set()
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else entry
        if not isinstance(name, str) or not name.strip() or "$" in name or "\n" in name:
            out.add(f"{path}.{index}", "wrong_format", "a property name is a non-empty string")
        elif name in seen:
            out.add(f"{path}.{index}", "wrong_format", f"duplicate property name {name!r}")
        else:
            seen.add(name)
    return seen


def _check_api(definition: dict, out: _Collector) -> None:
    api = definition.get("API")
    if not isinstance(api, dict):
        rule = "required" if api is None else "wrong_format"
        out.add(f"{ROOT}.API", rule, "API must be an object with SendMessage")
        if api is None:
            out.add(f"{ROOT}.API.SendMessage", "required", "SendMessage is required")
        return
    if api.get("SendMessage") is None:
        out.add(f"{ROOT}.API.SendMessage", "required", "SendMessage is required")
    for name in ACTIONS:
        if api.get(name) is not None:
            _check_request(api[name], f"{ROOT}.API.{name}", out)


def _check_request(request: Any, path: str, out: _Collector) -> None:
    if not isinstance(request, dict):
        out.add(path, "wrong_format", "must be an object")
        return
    method = request.get("request_method", "POST")
    if method not in METHODS:
        out.add(f"{path}.request_method", "enum", f"must be one of {', '.join(METHODS)}")
    url = request.get("request_url")
    if url is None:
        out.add(f"{path}.request_url", "required", "request_url is required")
    elif not isinstance(url, str) or not URL_START.match(url):
        out.add(f"{path}.request_url", "wrong_format", "must be an http(s) URL")
    content_type = request.get("request_content_type", JSON)
    if media_type(content_type) not in CONTENT_TYPES:
        out.add(f"{path}.request_content_type", "enum", f"must be {JSON} or {FORM}")
    for key in ("request_parameters", "response_map"):
        if request.get(key) is not None and not isinstance(request[key], (dict, list)):
            out.add(f"{path}.{key}", "wrong_format", "must be an object")
    flat = method == "GET" or media_type(content_type) == FORM
    if flat and isinstance(request.get("request_parameters"), list):
        out.add(f"{path}.request_parameters", "wrong_format", "form and GET need an object")
    _check_headers(request.get("headers"), f"{path}.headers", out)


def _check_headers(headers: Any, path: str, out: _Collector) -> None:
    if headers is None:
        return
    if not isinstance(headers, dict):
        out.add(path, "wrong_format", "must be an object of header: value")
        return
    for name, value in headers.items():
        if not HEADER_NAME.match(name):
            out.add(f"{path}.{name}", "wrong_format", "not a valid header name")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            out.add(f"{path}.{name}", "wrong_format", "a header value is a string")


def _check_auth(definition: dict, out: _Collector) -> None:
    auth = definition.get("auth")
    path = f"{ROOT}.auth"
    if auth is None:
        return
    if not isinstance(auth, dict):
        out.add(path, "wrong_format", "must be an object")
        return
    kind = auth.get("type")
    if kind == "OAuth2" and isinstance(definition.get("OAuth2"), dict):
        return
    if kind not in AUTH_TYPES:
        out.add(f"{path}.type", "enum", "must be Bearer or Basic (or use OAuth2)")
        return
    if isinstance(definition.get("OAuth2"), dict):
        out.add(path, "wrong_format", "use either auth or OAuth2, not both")
    fields = ("token",) if kind == "Bearer" else ("username",)
    for field in fields:
        if not isinstance(auth.get(field), str) or not auth[field]:
            out.add(f"{path}.{field}", "required", f"{kind} auth needs {field}")
    if (
        kind == "Basic"
        and auth.get("password") is not None
        and not isinstance(auth["password"], str)
    ):
        out.add(f"{path}.password", "wrong_format", "must be a string")


def _check_oauth(definition: dict, out: _Collector) -> None:
    oauth = definition.get("OAuth2")
    path = f"{ROOT}.OAuth2"
    if oauth is None:
        return
    if not isinstance(oauth, dict):
        out.add(path, "wrong_format", "must be an object")
        return
    for field in ("client_id", "client_secret", "token_endpoint"):
        if not isinstance(oauth.get(field), str) or not oauth[field]:
            out.add(f"{path}.{field}", "required", f"{field} is required")
    endpoint = oauth.get("token_endpoint")
    if isinstance(endpoint, str) and endpoint and not URL_START.match(endpoint):
        out.add(f"{path}.token_endpoint", "wrong_format", "must be an http(s) URL")
    params = oauth.get("token_parameters")
    if params is not None and not isinstance(params, dict):
        out.add(f"{path}.token_parameters", "wrong_format", "must be an object")
    elif isinstance(params, dict) and media_type(params.get("content_type", FORM)) not in (
        CONTENT_TYPES
    ):
        out.add(f"{path}.token_parameters.content_type", "enum", f"must be {FORM} or {JSON}")
    scheme = oauth.get("request_auth") or "Bearer"
    if not isinstance(scheme, str) or not AUTH_SCHEME.match(scheme):
        out.add(f"{path}.request_auth", "wrong_format", "an Authorization scheme like Bearer")


def _check_webhook(definition: dict, out: _Collector) -> None:
    raw = definition.get("Webhook")
    path = f"{ROOT}.Webhook"
    if raw is None:
        return
    if isinstance(raw, list):
        entries = [(f"{path}.{index}", model, None) for index, model in enumerate(raw)]
    elif isinstance(raw, dict):
        entries = [(f"{path}.{key}", model, key) for key, model in raw.items()]
    else:
        out.add(path, "wrong_format", "must be an array of models or an object by event_key")
        return
    seen: set[str] = set()
    for model_path, model, key in entries:
        event_key = _check_model(model, model_path, key, out)
        if event_key is None:
            continue
        if event_key in seen:
            out.add(f"{model_path}.event_key", "wrong_format", f"duplicate event_key {event_key}")
        seen.add(event_key)


def _check_model(model: Any, path: str, key: str | None, out: _Collector) -> str | None:
    """Check one model; returns its event_key when that is valid."""
    if not isinstance(model, dict):
        out.add(path, "wrong_format", "a webhook model is an object")
        return None
    event_key = model.get("event_key", key)
    if key is not None and model.get("event_key", key) != key:
        out.add(f"{path}.event_key", "wrong_format", "must equal the key the model is under")
    if event_key is None:
        out.add(f"{path}.event_key", "required", "event_key is required")
        return None
    if event_key not in EVENT_KEYS:
        out.add(f"{path}.event_key", "enum", f"must be one of {', '.join(EVENT_KEYS)}")
        return None
    method = model.get("request_method", "POST")
    if method not in METHODS:
        out.add(f"{path}.request_method", "enum", f"must be one of {', '.join(METHODS)}")
    params = model.get("request_parameters")
    if not isinstance(params, dict):
        rule = "required" if params is None else "wrong_format"
        out.add(f"{path}.request_parameters", rule, "request_parameters must be an object")
        return event_key
    captured = {name for _, text in _leaves(params, "") for name in _names(text)}
    for name in REQUIRED_CAPTURES[event_key]:
        if name not in captured:
            out.add(f"{path}.request_parameters", "required", f"needs a ${name}$ leaf")
    if event_key == "status":
        _check_status_map(model.get("status_map"), f"{path}.status_map", out)
    return event_key


def _check_status_map(status_map: Any, path: str, out: _Collector) -> None:
    if status_map is None:
        out.add(path, "required", "a status model needs status_map")
    elif not isinstance(status_map, dict) or not status_map:
        out.add(path, "wrong_format", "an object of provider status: our status")
    else:
        for status, target in status_map.items():
            if target not in STATUS_TARGETS:
                out.add(f"{path}.{status}", "enum", f"must be one of {', '.join(STATUS_TARGETS)}")


# --- placeholders ----------------------------------------------------------------------


def _check_placeholders(definition: dict, properties: set[str], out: _Collector) -> None:
    """Every ``$x$`` must be known in its place (SPEC §4 ``unknown_placeholder``)."""
    outbound = BUILTINS | properties
    for path, text in _outbound_leaves(definition):
        for name in _names(text):
            if name not in outbound and not is_macro(name):
                out.add(path, "unknown_placeholder", f"unknown placeholder ${name}$")
    for name in ACTIONS:
        request = action(definition, name)
        response_map = request.get("response_map") if request else None
        for path, text in _leaves(response_map, f"{ROOT}.API.{name}.response_map"):
            _check_capture(path, text, RESPONSE_CAPTURES, out)
    raw = definition.get("Webhook")
    if isinstance(raw, dict):
        items = list(raw.items())
    else:
        items = list(enumerate(raw)) if isinstance(raw, list) else []
    for key, model in items:
        params = model.get("request_parameters") if isinstance(model, dict) else None
        for path, text in _leaves(params, f"{ROOT}.Webhook.{key}.request_parameters"):
            _check_capture(path, text, WEBHOOK_CAPTURES, out)


def _check_capture(path: str, text: str, allowed: frozenset[str], out: _Collector) -> None:
    for name in _names(text):
        if name not in allowed:
            out.add(path, "unknown_placeholder", f"unknown placeholder ${name}$")


def _names(text: str) -> list[str]:
    return placeholder_names(text)


def _outbound_leaves(definition: dict) -> Iterator[tuple[str, str]]:
    """String leaves that get substituted when we send: requests, auth, OAuth2."""
    for name in ACTIONS:
        request = action(definition, name)
        if request is None:
            continue
        base = f"{ROOT}.API.{name}"
        for key in ("request_url", "request_parameters", "headers"):
            yield from _leaves(request.get(key), f"{base}.{key}")
    for key in ("auth", "OAuth2"):
        section = definition.get(key)
        if isinstance(section, dict):
            for field in ("token", "username", "password", "client_id", "client_secret"):
                yield from _leaves(section.get(field), f"{ROOT}.{key}.{field}")
            yield from _leaves(section.get("token_endpoint"), f"{ROOT}.{key}.token_endpoint")


def _leaves(tree: Any, path: str) -> Iterator[tuple[str, str]]:
    """(dotted path, string) for every string leaf, iteratively."""
    stack = [(tree, path)]
    while stack:
        node, here = stack.pop()
        if isinstance(node, str):
            yield here, node
        elif isinstance(node, dict):
            stack.extend(
                (value, f"{here}.{key}" if here else str(key)) for key, value in node.items()
            )
        elif isinstance(node, list):
            stack.extend((value, f"{here}.{i}" if here else str(i)) for i, value in enumerate(node))


__all__ = [
    "FEATURE_ORDER",
    "Errors",
    "default_channel",
    "features",
    "fully_configured",
    "media_type",
    "missing_properties",
    "property_names",
    "secret_property_names",
    "validate_definition",
    "validate_settings",
    "webhook_models",
]
