"""Read a provider's answer through ``response_map`` (SPEC-channels §4, §8).

:func:`capture` walks the map and the JSON answer together; :func:`interpret` turns the
captures of one attempt into an :class:`Outcome`. Classifying non-2xx statuses
(``retry_on``, ``Retry-After``) is ``gateways/http.py``'s job; for those, ``interpret``
only contributes the provider's own ``error`` / ``error_code`` to the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deliveries.transports import DeliveryError, SendResult

from .placeholders import MAX_DEPTH, string_form, whole_placeholder

NO_MESSAGE_ID = "no provider message id"


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to, as far as the answer's body can tell.

    ``status`` is ``sent``, ``delivered`` or ``failed``. ``permanent`` is True for a
    captured ``error`` on a 2xx, and None when the HTTP status decides (non-2xx).
    """

    status: str
    provider_message_id: str | None = None
    error: str | None = None
    error_code: str | None = None
    detail: str = ""
    permanent: bool | None = None
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "delivered")

    def to_result(self) -> SendResult:
        """The transport contract: a :class:`SendResult`, or raise :class:`DeliveryError`.

        Only meaningful for 2xx outcomes; non-2xx ones are classified by the HTTP layer,
        which may use :attr:`error` and :attr:`error_code` in its own DeliveryError.
        """
        if self.ok:
            receipt = f"HTTP {self.http_status}" if self.http_status else ""
            return SendResult(self.provider_message_id, self.status, receipt, self.detail)
        raise DeliveryError(
            self.error or "provider reported an error",
            permanent=bool(self.permanent),
            code=self.error_code,
            http_status=self.http_status,
        )


def parse_json(body: bytes | str | None) -> Any:
    """The answer as JSON, or None when it is empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def capture(response_map: Any, response: Any) -> dict[str, Any]:
    """Captured values by placeholder name (``{"messageid": "abc"}``).

    A map leaf that is one placeholder captures the answer's value at the same path; an
    array in the answer (or the map) is matched by its element 0. The first capture of a
    name wins. Iterative and depth-capped, so a hostile answer cannot blow the stack.
    """
    found: dict[str, Any] = {}
    stack = [(response_map, response, 0)]
    while stack:
        pattern, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        pattern, value = _first(pattern), _first(value)
        if isinstance(pattern, str):
            name = whole_placeholder(pattern)
            if name is not None and value is not None:
                found.setdefault(name, value)
        elif isinstance(pattern, dict) and isinstance(value, Mapping):
            # Reversed so that, popping from the stack, earlier keys are visited first.
            for key in reversed(list(pattern)):
                if key in value:
                    stack.append((pattern[key], value[key], depth + 1))
    return found


def _first(node: Any) -> Any:
    """An array stands for its element 0 (SPEC §4); an empty one for nothing."""
    while isinstance(node, list):
        node = node[0] if node else None
    return node


def _text(value: Any) -> str | None:
    """A captured value as text; empty, null and false count as absent."""
    if value is None or value is False or value == "" or value == [] or value == {}:
        return None
    if value is True:
        return "true"
    return string_form(value)


def interpret(status_code: int, response_json: Any, captures: Mapping[str, Any]) -> Outcome:
    """The outcome of one attempt from its status and the ``response_map`` captures.

    2xx: a non-empty ``error`` is a permanent failure (providers that report errors in the
    body); ``status`` = ``delivered`` means delivered at once; otherwise ``sent``, with
    detail ``no provider message id`` when nothing was captured as ``messageid``.
    Non-2xx: status ``failed`` with ``permanent=None`` and the error text enriched with the
    captured ``error``, for the HTTP layer to classify.
    """
    message_id = _text(captures.get("messageid"))
    error = _text(captures.get("error"))
    error_code = _text(captures.get("error_code"))
    if not 200 <= status_code < 300:
        text = f"HTTP {status_code}" + (f": {error}" if error else "")
        return Outcome("failed", message_id, text, error_code, http_status=status_code)
    if error is not None:
        return Outcome(
            "failed",
            message_id,
            error,
            error_code,
            detail="error in 2xx answer",
            permanent=True,
            http_status=status_code,
        )
    status = _text(captures.get("status"))
    delivered = status is not None and status.strip().lower() == "delivered"
    detail = "" if message_id else NO_MESSAGE_ID
    return Outcome(
        "delivered" if delivered else "sent",
        message_id,
        detail=detail,
        http_status=status_code,
    )


def interpret_response(response_map: Any, status_code: int, body: bytes | str | None) -> Outcome:
    """Parse, capture and interpret in one call: what the kind wrapper usually wants."""
    response_json = parse_json(body)
    captures = capture(response_map, response_json) if response_map is not None else {}
    return interpret(status_code, response_json, captures)
