"""The transport contract: how the outbox hands one delivery row to one channel.

The outbox (claim, lease, retry, sweep) knows nothing about SMTP, HTTP or any provider.
It asks the registry for the transport of a row and calls ``send``; the transport either
returns a :class:`SendResult` or raises :class:`DeliveryError` saying whether the failure
is permanent, and whether the far end could not be reached at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


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
    # Partial success (email: some RCPT answers were refused). ``retry_recipients`` were
    # refused for now (4xx): the row stays queued and the next attempt goes to them alone.
    # ``refused`` were refused for good (5xx): ``{"address", "code", "reason"}`` entries,
    # reported on the row.
    retry_recipients: tuple[str, ...] = ()
    refused: tuple[dict, ...] = ()


class Transport(Protocol):
    """One channel's way of delivering a row; instances may keep connections open."""

    name: str

    def send(self, delivery: Any) -> SendResult: ...

    def close(self) -> None: ...


# ------------------------------------------------------------------------- the registry
#
# Transports are registered by name, as dotted paths in ``settings.DELIVERY_TRANSPORTS``
# (healthchecks' TRANSPORTS, NetBox's dotted-path registries) or from an app's ``ready()``
# with :func:`register`. A row with a ``gateway_id`` goes to the transport named
# ``"gateway"`` (the gateways app registers it); any other row to the one named after its
# ``channel``. Instances are per thread, because transports may keep connections open.

_registry: dict[str, str | Callable[[], Transport]] = {}
_local = threading.local()


class UnknownTransport(LookupError):
    """No transport is registered under a row's name: the row fails permanently."""


def register(name: str, factory: str | Callable[[], Transport]) -> None:
    """Make ``factory`` (a class, a callable or its dotted path) the transport ``name``."""
    _registry[name] = factory
    _instances().pop(name, None)


def registered() -> dict[str, str | Callable[[], Transport]]:
    """Every registered name, the settings' entries overriding ``register`` calls."""
    return {**_registry, **getattr(settings, "DELIVERY_TRANSPORTS", {})}


def name_for(row: Any) -> str:
    """The name of the transport that delivers ``row``."""
    return "gateway" if getattr(row, "gateway_id", None) else row.channel


def get(name: str) -> Transport:
    """This thread's instance of transport ``name`` (created on first use)."""
    instances = _instances()
    if name not in instances:
        factory = registered().get(name)
        if factory is None:
            raise UnknownTransport(f"no transport registered for {name!r}")
        if isinstance(factory, str):
            factory = import_string(factory)
        instances[name] = factory()
    return instances[name]


def for_row(row: Any) -> Transport:
    return get(name_for(row))


def close_all() -> None:
    """Close this thread's transports (their connections), e.g. when settings change."""
    instances = _instances()
    for transport in instances.values():
        transport.close()
    instances.clear()


def _instances() -> dict[str, Transport]:
    if not hasattr(_local, "instances"):
        _local.instances = {}
    return _local.instances
