"""Identifiers and Kazoo time: 32-hex ids and Gregorian seconds."""

import re
import uuid
from datetime import UTC, datetime

GREGORIAN_OFFSET = 62_167_219_200  # seconds from 0000-01-01 to 1970-01-01
HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def new_id() -> str:
    return uuid.uuid4().hex


def is_hex_id(value: object) -> bool:
    return isinstance(value, str) and bool(HEX_ID.match(value))


def to_gregorian(moment: datetime) -> int:
    return int(moment.timestamp()) + GREGORIAN_OFFSET


def from_gregorian(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds - GREGORIAN_OFFSET, tz=UTC)


def now_gregorian() -> int:
    return to_gregorian(datetime.now(UTC))
