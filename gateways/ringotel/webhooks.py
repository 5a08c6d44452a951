"""Match inbound webhook bodies against a definition's Webhook models (SPEC-channels §4, §9).

A model matches a body when every literal leaf of its ``request_parameters`` equals the
body's value at the same path and its ``$event_key$`` leaf equals the model's
``event_key``; its other placeholders capture. Models are tried in order and the first
match wins. A model whose required captures (e.g. ``$messageid$`` for ``delivered``) are
absent from the body does not match, so a later model can.

The events have the shapes of SPEC §6 ``parse_webhook``:
``{"type":"status","id","status","error_code","error"}`` and
``{"type":"message","id","from","to","text","media_url"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import REQUIRED_CAPTURES, webhook_models
from .placeholders import MAX_DEPTH, string_form, whole_placeholder


@dataclass(frozen=True)
class Match:
    """The model that matched (its index in the model list), what it captured, the event.

    ``event`` is None when the body matched but means nothing we can apply, e.g. a
    ``status`` model whose provider status is not in ``status_map`` (record it as
    ``ignored``; ``detail`` says why).
    """

    index: int
    event_key: str
    event_type: str | None
    captures: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] | None = None
    detail: str = ""


def match(model_list: list[dict], body: Any, method: str | None = None) -> Match | None:
    """The first model matching ``body`` (a parsed JSON object or form dict), or None.

    With ``method``, a model that declares another ``request_method`` is skipped.
    """
    if not isinstance(body, Mapping):
        return None
    for index, model in enumerate(model_list):
        found = _match_model(model, body, method)
        if found is not None:
            event_key = str(model.get("event_key"))
            event, detail = build_event(model, found)
            event_type = model.get("event_type")
            event_type = event_type if isinstance(event_type, str) else None
            return Match(index, event_key, event_type, found, event, detail)
    return None


def _match_model(model: Any, body: Mapping, method: str | None) -> dict[str, Any] | None:
    if not isinstance(model, Mapping) or not isinstance(model.get("request_parameters"), Mapping):
        return None
    declared = model.get("request_method")
    if method and isinstance(declared, str) and declared.upper() != method.upper():
        return None
    captures = _walk(model["request_parameters"], body, str(model.get("event_key")))
    if captures is None:
        return None
    for name in REQUIRED_CAPTURES.get(model.get("event_key"), ()):
        if _text(captures.get(name)) is None:
            return None
    return captures


_ABSENT = object()


def _walk(pattern: Any, value: Any, event_key: str) -> dict[str, Any] | None:
    """Captures if ``value`` fits ``pattern``, else None. Iterative, depth-capped."""
    captures: dict[str, Any] = {}
    stack = [(pattern, value, 0)]
    while stack:
        node, here, depth = stack.pop()
        if depth > MAX_DEPTH:
            return None
        node, here = _first(node), _first(here)
        name = whole_placeholder(node)
        if name == "event_key":
            if here is _ABSENT or string_form(here) != event_key:
                return None
        elif name is not None:
            if here is not _ABSENT and here is not None:
                captures.setdefault(name, here)
        elif isinstance(node, Mapping):
            if not isinstance(here, Mapping):
                return None
            stack.extend((child, here.get(key, _ABSENT), depth + 1) for key, child in node.items())
        elif not _literal_equal(node, here):
            return None
    return captures


def _first(node: Any) -> Any:
    """An array stands for its element 0 (as in response_map)."""
    while isinstance(node, list):
        node = node[0] if node else _ABSENT
    return node


def _literal_equal(expected: Any, actual: Any) -> bool:
    """Equal as JSON, or as text when the body came from a form/query (all strings)."""
    if actual is _ABSENT:
        return False
    if expected == actual and isinstance(expected, bool) == isinstance(actual, bool):
        return True
    if isinstance(expected, str) and "$" in expected:
        # "$$" in a literal means "$": compare against the unescaped text.
        expected = expected.replace("$$", "$")
    return isinstance(actual, str) and string_form(expected) == actual


def _text(value: Any) -> str | None:
    if value is None or value is _ABSENT or value == "":
        return None
    return string_form(value)


def build_event(model: Mapping[str, Any], captures: Mapping[str, Any]) -> tuple[dict | None, str]:
    """The normalized event for a matched model, and a detail when there is none."""
    key = model.get("event_key")
    if key in ("message", "file"):
        return _message_event(key, captures), ""
    if key == "delivered":
        return _status_event(captures, "delivered"), ""
    if key == "failed":
        return _status_event(captures, "failed", "permanent-failure"), ""
    return _mapped_status_event(model.get("status_map"), captures)


def _message_event(key: str, captures: Mapping[str, Any]) -> dict:
    text = _text(captures.get("content"))
    if key == "file" and captures.get("text") not in (None, ""):
        text = _text(captures.get("text"))
    return {
        "type": "message",
        "id": _text(captures.get("messageid")),
        "from": _text(captures.get("from")),
        "to": _text(captures.get("to")),
        "text": text or "",
        "media_url": _text(captures.get("url")) if key == "file" else None,
    }


def _status_event(captures: Mapping[str, Any], status: str, failure: str | None = None) -> dict:
    event = {
        "type": "status",
        "id": _text(captures.get("messageid")),
        "status": status,
        "error_code": _text(captures.get("error_code")),
        "error": _text(captures.get("error")),
    }
    if failure:
        event["failure"] = failure
    return event


def _mapped_status_event(status_map: Any, captures: Mapping[str, Any]) -> tuple[dict | None, str]:
    """``status`` models: the provider's status through ``status_map``.

    ``temporary-failure`` becomes status ``failed`` with ``failure`` set accordingly, so the
    receipt machine sees only sent / delivered / failed (SPEC §8 Receipts).
    """
    provider_status = _text(captures.get("status")) or ""
    mapping = status_map if isinstance(status_map, Mapping) else {}
    target = mapping.get(provider_status)
    if target is None:
        lowered = {str(k).lower(): v for k, v in mapping.items()}
        target = lowered.get(provider_status.lower())
    if target == "temporary-failure":
        return _status_event(captures, "failed", "temporary-failure"), ""
    if target == "failed":
        return _status_event(captures, "failed", "permanent-failure"), ""
    if target in ("sent", "delivered"):
        return _status_event(captures, target), ""
    return None, f"status {provider_status!r} not in status_map"


def parse_webhook(definition: Mapping[str, Any], body: Any, method: str | None = None) -> list:
    """SPEC §6-style events for one request body (an object, or an array of objects)."""
    bodies = body if isinstance(body, list) else [body]
    model_list = webhook_models(definition)
    events = []
    for item in bodies[:100]:
        found = match(model_list, item, method)
        if found is not None and found.event is not None:
            events.append(found.event)
    return events
