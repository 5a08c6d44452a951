"""Small helpers for newer account lists: newest-first keyset pages and checked query values.

``config.pagination.paginate`` accepts a raw (non-token) ``start_key`` as the first ordering
value, as Kazoo does; for a timestamp column a raw value the database cannot compare would
be a 500, so these lists accept only their own tokens (anything else is a 400).
"""

from datetime import UTC
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.dateparse import parse_datetime
from rest_framework.request import Request

from config.errors import field_error
from config.pagination import decode_key, paginate
from config.parsers import unstorable


def _is_datetime(value: Any) -> bool:
    """An aware ISO-8601 time the database can compare (as our own tokens carry)."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
        return moment is not None and moment.tzinfo is not None and bool(moment.astimezone(UTC))
    except (ValueError, OverflowError):  # month 13; a year-1 time east of UTC
        return False


def _check_start_key(raw: str) -> None:
    values = decode_key(raw)
    if len(values) == 2 and _is_datetime(values[0]) and isinstance(values[1], str):
        return
    raise field_error("start_key", "wrong_format", "Field is not in the correct format", value=raw)


def newest_first(request: Request, queryset: QuerySet, field: str) -> tuple[list[Model], dict]:
    """One page of ``queryset`` ordered by ``field`` (a datetime) then id, both descending."""
    raw = request.query_params.get("start_key")
    if raw:
        _check_start_key(raw)
    return paginate(
        request,
        queryset,
        (f"-{field}", "-id"),
        lambda row: [getattr(row, field).isoformat(), row.id],
    )


def text_param(request: Request, name: str, max_length: int = 254) -> str | None:
    """A query-string value to filter on: any string a database can compare, else a 400."""
    value = request.query_params.get(name)
    if value is None:
        return None
    problem = unstorable(value)
    if problem is not None:
        raise field_error(name, "wrong_format", problem)
    if len(value) > max_length:
        message = f"String must not be more than {max_length} characters"
        raise field_error(name, "maxLength", message, target=max_length, value=value)
    return value


def bool_param(request: Request, name: str) -> bool:
    """``true`` or ``false`` (absent: false); a typo is a 400, never silently ignored."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return False
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        message = "Value did not match type(s): boolean"
        raise field_error(name, "type", message, target="boolean", value=value)
    return lowered == "true"
