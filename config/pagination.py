"""Kazoo list pagination: ``page_size``, opaque ``start_key``/``next_start_key``, ``paginate``.

Keys are keyset positions (the ordering values of the first row of a page), sent to clients
as URL-safe base64 of their JSON. A raw (non-token) ``start_key`` is accepted as the first
ordering value, as Kazoo does.
"""

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.request import Request

from config.errors import KazooError
from config.parsers import loads, unstorable


def encode_key(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _is_key_value(value: Any) -> bool:
    """What an ordering column can be compared with (never None: SQL has no ``> NULL``)."""
    if isinstance(value, str):
        return unstorable(value) is None
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63


def decode_key(token: str) -> list[Any]:
    """Our token's values; anything that is not a token of ours is a raw key, as in Kazoo."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return [token]
    values = values if isinstance(values, list) else [values]
    if not values or not all(_is_key_value(value) for value in values):
        return [token]
    return values


# More rows than any page will hold; larger sizes would overflow the database's LIMIT.
MAX_PAGE_SIZE = 1_000_000_000


def page_size(request: Request, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise KazooError(404, "faulty_request", {"message": "invalid page size"}) from None
    if size < 1:
        raise KazooError(404, "faulty_request", {"message": "page size must be at least 1"})
    return min(size, MAX_PAGE_SIZE)


def wants_pagination(request: Request) -> bool:
    return request.query_params.get("paginate", "true").lower() != "false"


def _after(fields: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows at or after the keyset position ``values`` in the order given by ``fields``."""
    condition = Q()
    for index in range(len(fields) - 1, -1, -1):
        name = fields[index].lstrip("-")
        op = "lt" if fields[index].startswith("-") else "gt"
        here = Q(**{f"{name}__{op}": values[index]})
        if index == len(fields) - 1:
            here |= Q(**{name: values[index]})
        else:
            here |= Q(**{name: values[index]}) & condition
        condition = here
    # The same bound on the first field alone, which an index can seek to: without it the
    # OR above is only a filter, and page N scans every row of the pages before it.
    first, op = fields[0].lstrip("-"), "lte" if fields[0].startswith("-") else "gte"
    return Q(**{f"{first}__{op}": values[0]}) & condition


def paginate(
    request: Request,
    queryset: QuerySet,
    ordering: Sequence[str],
    key_of: Callable[[Any], Sequence[Any]],
    default_size: int = 50,
) -> tuple[list, dict]:
    """Return one page of ``queryset`` and the envelope keys describing it."""
    queryset = queryset.order_by(*ordering)
    if not wants_pagination(request):
        return list(queryset), {}
    size = page_size(request, default_size)
    start = request.query_params.get("start_key")
    envelope: dict[str, Any] = {}
    if start:
        values = decode_key(start)
        if len(values) == len(ordering):
            queryset = queryset.filter(_after(ordering, values))
        else:
            name = ordering[0].lstrip("-")
            op = "lte" if ordering[0].startswith("-") else "gte"
            queryset = queryset.filter(**{f"{name}__{op}": values[0]})
        envelope["start_key"] = start
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        envelope["next_start_key"] = encode_key(key_of(rows[size]))
        rows = rows[:size]
    envelope["page_size"] = len(rows)
    return rows, envelope
