"""The vendor plug-in contract (SPEC-channels §6), after Spoke's service vendors.

A vendor is a Python class registered by dotted path. The ``vendor`` kind builds one
instance per use, passing the gateway (timeout, retry_on, from, webhook URL), and calls:

* ``send(message, config)`` → ``(provider_message_id, "sent"|"delivered")`` or raises
  ``deliveries.transports.DeliveryError``;
* ``check_connection(config)`` → ``(ok, error)``;
* ``verify_webhook(request_url, params, headers, config)`` → bool, before parsing (False:
  403, nothing applied);
* ``parse_webhook(body, headers, config)`` → events ``{"type": "status", "id", "status",
  "error_code", "error"}`` or ``{"type": "message", "id", "from", "to", "text",
  "media_url"}``.

Outbound HTTP goes through ``gateways.http`` (``self.http_options(message)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from deliveries.transports import SendResult
from gateways import http
from gateways.kinds.base import GatewayConfig, OutboundMessage


class Vendor:
    name: ClassVar[str] = ""
    channels: ClassVar[list[str]] = ["*"]  # "*": any channel
    config_schema: ClassVar[dict] = {"type": "object", "properties": {}}
    features: ClassVar[list[str]] = ["outgoing"]
    supports_account_config: ClassVar[bool] = True
    error_descriptions: ClassVar[dict[str, str]] = {}
    error_link: ClassVar[str | None] = None  # e.g. "https://…/errors/{code}"

    def __init__(self, gateway: GatewayConfig | None = None) -> None:
        self.gateway = gateway

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "channels": list(cls.channels),
            "features": list(cls.features),
            "supports_account_config": cls.supports_account_config,
            "config_schema": cls.config_schema,
        }

    @classmethod
    def serves(cls, channel: str) -> bool:
        return "*" in cls.channels or channel in cls.channels

    @classmethod
    def secret_fields(cls) -> list[str]:
        properties = cls.config_schema.get("properties", {})
        return [name for name, field in properties.items() if field.get("x-secret")]

    @classmethod
    def error_description(cls, code: str | int | None) -> dict | None:
        if code is None or str(code) not in cls.error_descriptions:
            return None
        link = cls.error_link.format(code=code) if cls.error_link else None
        return {"code": str(code), "description": cls.error_descriptions[str(code)], "link": link}

    def fully_configured(self, config: dict) -> bool:
        required = self.config_schema.get("required", [])
        return all(config.get(name) not in (None, "") for name in required)

    def check_connection(self, config: dict) -> tuple[bool, str | None]:
        """``(ok, error)``; may raise ``DeliveryError`` (its ``http_status`` is reported)."""
        return False, "check_connection is not supported"

    def send(self, message: OutboundMessage, config: dict) -> tuple[str | None, str] | SendResult:
        """``(provider_id, status)``, or a full ``SendResult`` (receipt, detail)."""
        raise NotImplementedError

    def verify_webhook(
        self, request_url: str, params: Mapping[str, Any], headers: Mapping[str, str], config: dict
    ) -> bool:
        """Whether a webhook request really comes from the provider (e.g. a signature).

        ``request_url`` is the public URL called (``PUBLIC_BASE_URL`` + path + query),
        ``params`` the form fields (lists of values; empty for JSON and GET). False → 403
        and nothing is applied. The default trusts the hook token in the URL.
        """
        return True

    def parse_webhook(self, body: Any, headers: dict, config: dict) -> list[dict]:
        return []

    def http_options(self, delivery_id: str | None = None) -> http.Options:
        if self.gateway is None:
            return http.Options(delivery_id=delivery_id)
        return self.gateway.http_options(delivery_id)
