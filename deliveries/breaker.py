"""Per-transport circuit breakers: an unreachable relay is backed off as a whole.

When a transport raises ``DeliveryError(unreachable=True)`` (connection refused, DNS, TLS,
connect timeout) its breaker opens for an exponentially growing delay (the retry
back-off: ``DELIVERY_RETRY_BASE`` doubling up to ``DELIVERY_RETRY_CAP``). While open, rows
of that transport are given back unsent with their attempt refunded; once the delay has
passed the next row is the probe, and a success closes the breaker. The state is per
process: each process finds out about an outage (and its end) by itself.
"""

import threading
import time

from django.conf import settings

_lock = threading.Lock()
_state: dict[str, tuple[int, float]] = {}  # name -> (consecutive trips, open until)


def trip(name: str) -> float:
    """Record an unreachable transport; returns how long it stays open (seconds)."""
    with _lock:
        trips = _state.get(name, (0, 0.0))[0] + 1
        delay = min(settings.DELIVERY_RETRY_BASE * 2 ** (trips - 1), settings.DELIVERY_RETRY_CAP)
        _state[name] = (trips, time.monotonic() + delay)
        return delay


def reset(name: str) -> None:
    """The transport answered: close its breaker."""
    if name in _state:
        with _lock:
            _state.pop(name, None)


def remaining(name: str) -> float:
    with _lock:
        return max(_state.get(name, (0, 0.0))[1] - time.monotonic(), 0.0)


def is_open(name: str) -> bool:
    return remaining(name) > 0


def any_open() -> bool:
    return longest_remaining() > 0


def longest_remaining() -> float:
    with _lock:
        until = max((until for _, until in _state.values()), default=0.0)
    return max(until - time.monotonic(), 0.0)


def reset_all() -> None:
    """Close every breaker of this process (tests, or after reconfiguring transports)."""
    with _lock:
        _state.clear()
