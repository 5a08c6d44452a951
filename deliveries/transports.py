"""The transport contract: how the outbox hands one delivery row to one channel.

The outbox (claim, lease, retry, sweep) knows nothing about SMTP, HTTP or any provider.
It asks the registry for the transport of a row and calls ``send``; the transport either
returns a :class:`SendResult` or raises :class:`DeliveryError` saying whether the failure
is permanent, and whether the far end could not be reached at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryError(Exception):
    """A failed attempt.

    ``permanent``: retrying the same message is pointless (5xx SMTP reply, HTTP 4xx outside
    ``retry_on``, a provider-reported error). ``unreachable``: the relay or provider could
    not be reached at all (connection refused, DNS, TLS, connect timeout); the outbox backs
    off the whole transport instead of spending the row's attempts. ``code`` is the
    provider's error code (stored as ``error_code``); ``retry_after`` (seconds) comes from
    a ``Retry-After`` answer; ``http_status`` lets callers flag 401/403 on the gateway.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        code: str | None = None,
        retry_after: float | None = None,
        unreachable: bool = False,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.http_status = http_status


@dataclass(frozen=True)
class SendResult:
    """A successful attempt: the provider's id for the message and where it stands."""

    provider_message_id: str | None = None
    status: str = "sent"  # "sent" or "delivered"
    receipt: str = ""  # the far end's final answer, stored as the row's receipt
    detail: str = ""  # a note for the row's events, e.g. "no provider message id"


class Transport(Protocol):
    """One channel's way of delivering a row; instances may keep connections open."""

    name: str

    def send(self, delivery: Any) -> SendResult: ...

    def close(self) -> None: ...
