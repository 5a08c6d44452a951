"""Request body parsers with Kazoo's leniency.

Kazoo accepts a JSON envelope sent as ``application/x-www-form-urlencoded`` (what ``curl -d``
sends) and, on some paths, as ``text/plain``; we accept that wherever JSON is accepted.
Template uploads use ``RawTemplateParser`` instead, where ``text/*`` means "this is a body".
"""

import json
import math
from dataclasses import dataclass
from urllib.parse import parse_qs

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from config.errors import KazooError
from config.middleware import too_large_data


def _decode(stream) -> str:
    limit = settings.MAX_UPLOAD_SIZE
    raw = stream.read(limit + 1) if stream is not None else b""
    if len(raw) > limit:  # a chunked body has no Content-Length for the middleware to check
        raise KazooError(413, "validation error", too_large_data())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"body is not valid UTF-8 around {exc.start}") from None


def unstorable(text: str) -> str | None:
    """Why no database can store ``text`` (PostgreSQL refuses NUL; UTF-8 lone surrogates)."""
    if "\x00" in text:
        return "NUL (\\u0000) characters are not allowed"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "unpaired surrogate (\\ud800-\\udfff) characters are not allowed"
    return None


def check_storable(value) -> None:
    """Reject a parsed body holding a string (or key) no database or UTF-8 answer can hold.

    Iterative, so a document nested as deep as the JSON decoder allows cannot overflow it.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and (problem := unstorable(item)):
            raise ParseError(problem)


class NonFiniteNumber(ValueError):
    """``Infinity``, ``NaN`` or a number too large for a float (``1e999``)."""


def _reject_constant(name: str) -> float:
    raise NonFiniteNumber(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFiniteNumber(f"number {text[:40]} is out of range")
    return value


def loads(text: str | bytes):
    """``json.loads`` for untrusted input: only finite numbers (RFC 8259 has no
    ``Infinity``/``NaN``, and ``1e999`` would become one), so no database query, JSON
    column or answer ever meets a value it cannot hold.  Raises ``ValueError``."""
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)


def parse_json_text(text: str):
    if not text.strip():
        return {}
    try:
        document = loads(text)
    except NonFiniteNumber as exc:
        raise ParseError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"{exc.msg} around {exc.pos}") from None
    except ValueError as exc:  # well-formed, but an integer longer than Python converts
        raise ParseError(str(exc).split(":", 1)[0]) from None
    except RecursionError:  # well-formed, but nested deeper than the decoder can follow
        raise ParseError("too deeply nested") from None
    if "\\u" in text:  # only a \u escape can put NUL or a lone surrogate in a JSON string
        check_storable(document)
    return document


class KazooJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return parse_json_text(_decode(stream))


class KazooXJSONParser(KazooJSONParser):
    media_type = "application/x-json"


class LenientFormParser(BaseParser):
    """A form body that holds a JSON envelope is JSON; otherwise a plain query string."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None):
        text = _decode(stream)
        if text.lstrip().startswith(("{", "[")):
            return parse_json_text(text)
        fields = {key: values[-1] for key, values in parse_qs(text).items()}
        check_storable(fields)
        return fields


class LenientTextParser(BaseParser):
    """``text/plain`` carrying a JSON envelope (the seed's curl examples send that)."""

    media_type = "text/plain"

    def parse(self, stream, media_type=None, parser_context=None):
        return parse_json_text(_decode(stream))


@dataclass(frozen=True)
class RawTemplate:
    """An uploaded template body: its media type without parameters and its source."""

    content_type: str
    source: str


class RawTemplateParser(BaseParser):
    media_type = "text/html"

    def parse(self, stream, media_type=None, parser_context=None):
        content_type = (media_type or "").split(";", 1)[0].strip().lower()
        source = _decode(stream)
        check_storable(source)
        return RawTemplate(content_type=content_type, source=source)


class RawPlainTemplateParser(RawTemplateParser):
    media_type = "text/plain"


ENVELOPE_PARSERS = [KazooJSONParser, KazooXJSONParser, LenientFormParser, LenientTextParser]
TEMPLATE_UPLOAD_PARSERS = [
    KazooJSONParser,
    KazooXJSONParser,
    LenientFormParser,
    RawTemplateParser,
    RawPlainTemplateParser,
]
