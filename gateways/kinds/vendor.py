"""Kind ``vendor``: a Python plug-in from the vendor registry (SPEC-channels §6).

``settings = {"vendor": name, "config": {...}}``; ``config`` is validated against the
vendor's draft-04 ``config_schema`` and its ``"x-secret": true`` fields are encrypted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config.errors import field_error
from config.validation import validate
from deliveries.transports import DeliveryError, SendResult
from gateways.kinds.base import CheckResult, GatewayConfig, Kind, OutboundMessage
from gateways.secrets import Path
from gateways.vendors import get_vendor, vendors
from gateways.vendors.base import Vendor


def _vendor(settings: dict, gateway: GatewayConfig | None = None) -> Vendor | None:
    cls = get_vendor(str(settings.get("vendor", "")))
    return cls(gateway) if cls else None


class VendorKind(Kind):
    name = "vendor"
    description = (
        "A Python vendor plug-in (built-ins: fake, webhook, twilio; more via CHANNELS_VENDORS)."
    )

    def settings_schema(self) -> dict:
        return {
            "type": "object",
            "required": ["vendor"],
            "properties": {
                "vendor": {"type": "string", "enum": sorted(vendors())},
                "config": {"type": "object"},
            },
        }

    def default_channel(self, settings: dict) -> str | None:
        cls = get_vendor(str(settings.get("vendor", "")))
        if cls is None:
            return None
        return "sms" if "*" in cls.channels else cls.channels[0]

    def validate(self, settings: dict, channel: str) -> None:
        cls = get_vendor(settings["vendor"])
        assert cls is not None  # the schema's enum checked the name
        config = settings.get("config", {})
        validate(
            {"properties": {"settings": {"properties": {"config": cls.config_schema}}}},
            {"settings": {"config": config}},
        )
        if not cls.serves(channel):
            raise field_error(
                "channel",
                "enum",
                "Value not found in enumerated list of values",
                target=list(cls.channels),
                value=channel,
            )

    def secret_paths(self, settings: dict) -> list[Path]:
        cls = get_vendor(str(settings.get("vendor", "")))
        return [("config", name) for name in cls.secret_fields()] if cls else []

    def features(self, settings: dict) -> list[str]:
        cls = get_vendor(str(settings.get("vendor", "")))
        return list(cls.features) if cls else ["outgoing"]

    def fully_configured(self, settings: dict) -> bool:
        vendor = _vendor(settings)
        return vendor is not None and vendor.fully_configured(settings.get("config", {}))

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        vendor = _vendor(gateway.settings, gateway)
        if vendor is None:
            return CheckResult(False, "unknown vendor")
        try:
            ok, error = vendor.check_connection(gateway.settings.get("config", {}))
        except DeliveryError as exc:
            return CheckResult.from_error(exc)
        return CheckResult(bool(ok), None if ok else (error or "check failed"))

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        vendor = _vendor(gateway.settings, gateway)
        if vendor is None:
            raise DeliveryError("unknown vendor", permanent=True)
        result = vendor.send(message, gateway.settings.get("config", {}))
        if isinstance(result, SendResult):
            return result
        provider_id, status = result
        detail = "" if provider_id else "no provider message id"
        return SendResult(provider_message_id=provider_id, status=status, detail=detail)

    def verify_webhook(
        self, request_url: str, params: Mapping[str, Any], headers: dict, gateway: GatewayConfig
    ) -> bool:
        vendor = _vendor(gateway.settings, gateway)
        config = gateway.settings.get("config", {})
        return vendor is not None and vendor.verify_webhook(request_url, params, headers, config)

    def parse_webhook(self, body: Any, headers: dict, gateway: GatewayConfig) -> list[dict]:
        vendor = _vendor(gateway.settings, gateway)
        return (
            vendor.parse_webhook(body, headers, gateway.settings.get("config", {}))
            if vendor
            else []
        )

    def describe(self) -> dict:
        entry = super().describe()
        entry["features"] = [
            "outgoing",
            "ingoing",
            "delivery_reports",
            "check_connection",
            "send_file",
        ]
        entry["vendors"] = [cls.metadata() for _, cls in sorted(vendors().items())]
        return entry
