"""Outbound HTTP to providers: the only module importing httpx.

Every vendor and kind sends through :func:`request`, which applies the gateway's timeout,
caps the response size, adds ``User-Agent``, ``Idempotency-Key`` and
``X-Notify-Delivery-Id``, optionally refuses private targets, and classifies the outcome
per SPEC-channels §8:

* 2xx → an :class:`Answer`;
* a status in ``retry_on`` → transient :class:`DeliveryError` (with ``Retry-After``);
* any other status → permanent, error ``HTTP <code>: <body collapsed, ≤2000 chars>``;
* connect, DNS or TLS failures → transient and ``unreachable`` (the outbox backs off the
  whole gateway); resets and read timeouts → transient.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import socket
import threading
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from deliveries.transports import DeliveryError

DEFAULT_RETRY_ON = (408, 425, 429, 500, 502, 503, 504)
MAX_ERROR_CHARS = 2000
MAX_RETRY_AFTER = 3600.0


@functools.cache
def user_agent() -> str:
    try:
        version = metadata.version("kazoo-notify")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"kazoo-notify/{version}"


@dataclass(frozen=True)
class Options:
    """Per-gateway knobs for one request."""

    timeout: float | None = None  # None: CHANNELS_HTTP_TIMEOUT
    retry_on: tuple[int, ...] = DEFAULT_RETRY_ON
    delivery_id: str | None = None  # → Idempotency-Key and X-Notify-Delivery-Id


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def receipt(self) -> str:
        return f"HTTP {self.status}"


# --- The shared client ----------------------------------------------------------------------

_client: httpx.Client | None = None
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """One pooled client per process (httpx.Client is thread-safe)."""
    global _client
    with _client_lock:
        if _client is None:
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
            _client = httpx.Client(follow_redirects=False, limits=limits, trust_env=False)
        return _client


# --- Private networks -----------------------------------------------------------------------


def is_private_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def private_target(url: str) -> bool | None:
    """Whether ``url``'s host resolves to any private/loopback/link-local address.

    None when the host does not resolve (nothing to judge yet).
    """
    host = urlsplit(url).hostname
    if not host:
        return None
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return any(is_private_address(info[4][0]) for info in infos)


def check_target(url: str) -> None:
    """Refuse a private target when ``CHANNELS_BLOCK_PRIVATE_NETWORKS`` is on."""
    if not settings.CHANNELS_BLOCK_PRIVATE_NETWORKS:
        return
    if private_target(url) is not False:
        raise DeliveryError("target address not allowed (private network)", permanent=True)


# --- Requests -------------------------------------------------------------------------------


def request(
    method: str,
    url: str,
    options: Options,
    *,
    json_body: Any = None,
    form: dict[str, Any] | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    bearer: str | None = None,
    basic: tuple[str, str] | None = None,
) -> Answer:
    """Send one request; a 2xx :class:`Answer` or a classified :class:`DeliveryError`."""
    answer = exchange(
        method,
        url,
        options,
        json_body=json_body,
        form=form,
        content=content,
        headers=headers,
        bearer=bearer,
        basic=basic,
    )
    return classify(answer, options.retry_on)


def exchange(
    method: str,
    url: str,
    options: Options,
    *,
    json_body: Any = None,
    form: dict[str, Any] | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    bearer: str | None = None,
    basic: tuple[str, str] | None = None,
) -> Answer:
    """Send one request and return the answer whatever its status.

    For callers that must read a non-2xx answer before classifying it (an OAuth2 401 to
    refresh and repeat, a ``response_map`` error, Freeside's stage texts, Twilio's error
    JSON). Connection
    failures, oversized answers and private targets still raise :class:`DeliveryError`.
    """
    check_target(url)
    all_headers = {"User-Agent": user_agent(), **(headers or {})}
    if options.delivery_id:
        all_headers["Idempotency-Key"] = options.delivery_id
        all_headers["X-Notify-Delivery-Id"] = options.delivery_id
    if bearer:
        all_headers["Authorization"] = f"Bearer {bearer}"
    elif basic:
        pair = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        all_headers["Authorization"] = f"Basic {pair}"
    timeout = options.timeout or settings.CHANNELS_HTTP_TIMEOUT
    built = client().build_request(
        method,
        url,
        json=json_body,
        data=form,
        content=content,
        headers=all_headers,
        timeout=timeout,
    )
    return _exchange(built)


def classify(answer: Answer, retry_on: tuple[int, ...], code: str | None = None) -> Answer:
    """The 2xx answer itself, else raise the §8 :class:`DeliveryError` for its status."""
    if 200 <= answer.status < 300:
        return answer
    error = _status_error(answer, retry_on)
    error.code = code
    raise error


def _exchange(built: httpx.Request) -> Answer:
    cap = settings.CHANNELS_HTTP_MAX_RESPONSE_BYTES
    try:
        response = client().send(built, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise DeliveryError(f"response larger than {cap} bytes", permanent=True)
            return Answer(response.status_code, dict(response.headers), bytes(body))
        finally:
            response.close()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise DeliveryError(_connection_text(exc), unreachable=True) from None
    except httpx.TransportError as exc:  # reset, read/write timeouts, protocol errors
        raise DeliveryError(_connection_text(exc)) from None


def _connection_text(exc: Exception) -> str:
    """The failure's class and reason, never the URL (which may carry credentials)."""
    reason = str(exc).strip() or "no detail"
    return f"{type(exc).__name__}: {reason}"[:MAX_ERROR_CHARS]


def error_text(status: int, body: bytes) -> str:
    """``HTTP <code>: <body, whitespace collapsed, at most 2000 characters>``."""
    text = " ".join(body.decode("utf-8", "replace").split())
    return f"HTTP {status}: {text[:MAX_ERROR_CHARS]}"


def _status_error(answer: Answer, retry_on: tuple[int, ...]) -> DeliveryError:
    transient = answer.status in retry_on
    return DeliveryError(
        error_text(answer.status, answer.body),
        permanent=not transient,
        retry_after=retry_after(answer.headers) if transient else None,
        http_status=answer.status,
    )


def retry_after(headers: dict[str, str]) -> float | None:
    """``Retry-After`` in seconds (delta or HTTP date), capped at an hour."""
    raw = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(raw) - timezone.now()).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
