"""The gateway document: its schema, validation (§2) and the views of it we answer with.

``prepare`` turns a request body (and the stored gateway, on update) into the values to
store, applying the secret write rules; ``full_view`` / ``reduced_view`` are the answers.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings as django_settings

from config.errors import ValidationFailed, field_error, required_error
from config.validation import format_checker, validate
from gateways import http, secrets
from gateways.kinds import get_kind, kind_names
from gateways.kinds.base import GatewayConfig
from gateways.models import Gateway

CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
WEBHOOK_TOKEN: secrets.Path = ("webhook_auth", "token")


@format_checker.checks("channel")
def _is_channel(value: Any) -> bool:
    return not isinstance(value, str) or bool(CHANNEL_RE.match(value))


@format_checker.checks("http-url")
def _is_http_url(value: Any) -> bool:
    """http(s) with a host; no private targets when CHANNELS_BLOCK_PRIVATE_NETWORKS is on."""
    if not isinstance(value, str):
        return True
    if not http.is_http_url(value):
        return False
    return not (
        django_settings.CHANNELS_BLOCK_PRIVATE_NETWORKS and http.private_target(value) is True
    )


def document_schema() -> dict:
    """Draft-04 schema of the gateway document (``settings`` is checked per kind)."""
    strings = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64}}
    return {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 128},
            "kind": {"type": "string", "enum": kind_names()},
            "channel": {"type": "string", "format": "channel"},
            "enabled": {"type": "boolean"},
            "paused": {"type": "boolean"},
            "default": {"type": "boolean"},
            "inherit": {"type": "boolean"},
            "from": {"type": "string", "maxLength": 254},
            "timeout": {"type": "integer", "minimum": 1, "maximum": 60},
            "retry_on": {
                "type": "array",
                "items": {"type": "integer", "minimum": 400, "maximum": 599},
                "maxItems": 200,
            },
            "stop_keywords": strings,
            "start_keywords": strings,
            "webhook_auth": {
                "type": ["object", "null"],
                "properties": {
                    "type": {"type": "string", "enum": ["Bearer"]},
                    "token": {"type": ["string", "null"], "maxLength": 4096},
                },
            },
            "settings": {"type": "object"},
        },
    }


@dataclass
class Prepared:
    """Validated values ready to store on a :class:`Gateway`."""

    fields: dict[str, Any]
    plain: dict  # {"settings": ..., "webhook_auth": ...} without secrets
    secret_values: dict[secrets.Path, str]


def prepare(data: dict, existing: Gateway | None = None) -> Prepared:
    """Validate ``data`` (a create, or a partial update of ``existing``); raise 400s."""
    with _secrets_hidden([WEBHOOK_TOKEN]):
        validate(document_schema(), data)
    if existing is None:
        for key in ("name", "kind"):
            if key not in data:
                raise required_error(key)
    elif "kind" in data and data["kind"] != existing.kind:
        raise field_error("kind", "immutable", "Field may not be changed", value=data["kind"])
    kind = get_kind(data.get("kind") or existing.kind)
    stored = existing.secret_values() if existing else {}
    document = _effective(data, existing, stored)
    settings = document["settings"]
    paths = [("settings", *path) for path in kind.secret_paths(settings)] + [WEBHOOK_TOKEN]
    channel = data.get("channel") or (existing.channel if existing else None)
    channel = channel or kind.default_channel(settings)
    with _secrets_hidden(paths):
        validate({"properties": {"settings": kind.settings_schema()}}, {"settings": settings})
        if not channel:
            raise required_error("channel")
        kind.validate(settings, channel)
    plain, values = secrets.split(document, paths)
    return Prepared(_fields(data, existing, kind.default_retry_on, channel), plain, values)


@contextlib.contextmanager
def _secrets_hidden(paths: list[secrets.Path]) -> Iterator[None]:
    """Validation errors on a secret leaf never echo the value (errors are logged, shown)."""
    dotted = {".".join(path) for path in paths}
    try:
        yield
    except ValidationFailed as failure:
        for path, rules in failure.data.items():
            if path not in dotted:
                continue
            for detail in rules.values():
                for key in ("value", "cause"):
                    if key in detail:
                        detail[key] = secrets.ENCRYPTED
        raise


def _effective(data: dict, existing: Gateway | None, stored: dict) -> dict:
    """``settings`` and ``webhook_auth`` as they will be, real secrets included."""
    current = existing.resolved() if existing else {"settings": {}, "webhook_auth": None}
    document = {
        "settings": copy.deepcopy(data["settings"]) if "settings" in data else current["settings"],
        "webhook_auth": (
            copy.deepcopy(data["webhook_auth"])
            if "webhook_auth" in data
            else current["webhook_auth"]
        ),
    }
    kind = get_kind(data.get("kind") or existing.kind)  # type: ignore[union-attr]
    paths = [("settings", *p) for p in kind.secret_paths(document["settings"])]
    secrets.resolve_written(document, [*paths, WEBHOOK_TOKEN], stored)
    return document


_SCALARS = {
    "name": "name",
    "channel": "channel",
    "enabled": "enabled",
    "paused": "paused",
    "default": "is_default",
    "inherit": "inherit",
    "from": "sender",
    "timeout": "timeout",
    "retry_on": "retry_on",
    "stop_keywords": "stop_keywords",
    "start_keywords": "start_keywords",
}


def _fields(data: dict, existing: Gateway | None, retry_on: tuple, channel: str) -> dict:
    fields = {column: data[key] for key, column in _SCALARS.items() if key in data}
    fields["channel"] = channel
    if existing is None:
        fields["kind"] = data["kind"]
        fields.setdefault("retry_on", list(retry_on))
        fields.setdefault("timeout", min(60, max(1, round(django_settings.CHANNELS_HTTP_TIMEOUT))))
    if "retry_on" in fields:
        fields["retry_on"] = sorted(set(fields["retry_on"]))
    return fields


# --- Views ----------------------------------------------------------------------------------


def webhook_url(gateway: Gateway) -> str:
    return f"{django_settings.PUBLIC_BASE_URL}/v2/webhooks/{gateway.id}/{gateway.hook_token}"


def features(gateway: Gateway) -> list[str]:
    return get_kind(gateway.kind).features(gateway.settings)


def full_view(gateway: Gateway) -> dict:
    """The owner's view: every field, secrets as ``"<Encrypted>"``."""
    obscured = gateway.obscured()
    kind = get_kind(gateway.kind)
    return {
        "id": gateway.id,
        "account_id": gateway.account_id,
        "name": gateway.name,
        "kind": gateway.kind,
        "channel": gateway.channel,
        "contact_type": gateway.channel,
        "enabled": gateway.enabled,
        "paused": gateway.paused,
        "default": gateway.is_default,
        "inherit": gateway.inherit,
        "from": gateway.sender,
        "timeout": gateway.timeout,
        "retry_on": gateway.retry_on,
        "stop_keywords": gateway.stop_keywords,
        "start_keywords": gateway.start_keywords,
        "webhook_auth": obscured["webhook_auth"],
        "settings": obscured["settings"],
        "features": kind.features(gateway.settings),
        "fully_configured": kind.fully_configured(gateway.resolved()["settings"]),
        "webhook_url": webhook_url(gateway),
        "last_error": gateway.last_error,
        "created_at": gateway.created_at,
        "modified_at": gateway.modified_at,
    }


def reduced_view(gateway: Gateway) -> dict:
    """What descendants see of an ancestor's (or the system's) gateway."""
    return {
        "id": gateway.id,
        "name": gateway.name,
        "kind": gateway.kind,
        "channel": gateway.channel,
        "features": features(gateway),
        "account_id": gateway.account_id,
        "default": gateway.is_default,
        "inherited": True,
    }


def config_of(gateway: Gateway) -> GatewayConfig:
    """The decrypted configuration a kind works with."""
    resolved = gateway.resolved()
    return GatewayConfig(
        id=gateway.id,
        account_id=gateway.account_id,
        kind=gateway.kind,
        channel=gateway.channel,
        settings=resolved["settings"],
        sender=gateway.sender,
        timeout=gateway.timeout,
        retry_on=tuple(gateway.retry_on),
        webhook_auth=resolved["webhook_auth"],
        webhook_url=webhook_url(gateway),
    )


def unsaved_config(prepared: Prepared, account_id: str | None) -> GatewayConfig:
    """A :class:`GatewayConfig` for a body that is checked but never stored."""
    fields = prepared.fields
    resolved = secrets.merged(prepared.plain, prepared.secret_values)
    return GatewayConfig(
        id=None,
        account_id=account_id,
        kind=fields["kind"],
        channel=fields["channel"],
        settings=resolved["settings"],
        sender=fields.get("sender", ""),
        timeout=fields.get("timeout"),
        retry_on=tuple(fields.get("retry_on", http.DEFAULT_RETRY_ON)),
        webhook_auth=resolved["webhook_auth"],
    )
