"""The kind contract: what every gateway kind (smtp, vendor, later http_json, freeside,
module) provides, and the plain values passed to it.

Kinds never touch the ORM: they get a :class:`GatewayConfig` (secrets already decrypted)
and an :class:`OutboundMessage`, and answer with ``deliveries.transports`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from deliveries.transports import DeliveryError, SendResult
from gateways import http
from gateways.secrets import Path

ALL_FEATURES = ["outgoing", "ingoing", "delivery_reports", "check_connection", "send_file"]


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway as a kind sees it: decrypted ``settings`` and ``webhook_auth``."""

    id: str | None
    account_id: str | None
    kind: str
    channel: str
    settings: dict
    sender: str = ""  # the document's "from"
    timeout: float | None = None
    retry_on: tuple[int, ...] = http.DEFAULT_RETRY_ON
    webhook_auth: dict | None = None
    webhook_url: str = ""

    def http_options(self, delivery_id: str | None = None) -> http.Options:
        return http.Options(timeout=self.timeout, retry_on=self.retry_on, delivery_id=delivery_id)


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one recipient (SPEC-channels §6's vendor message)."""

    delivery_id: str | None
    account_id: str | None
    channel: str
    to: str
    text: str = ""
    html: str = ""
    subject: str = ""
    sender: str = ""  # "from"
    media_url: str = ""
    template_id: str = ""
    attempt: int = 1
    macros: dict = field(default_factory=dict)
    msgtype: str = ""  # Freeside's cust_msg type of the send ("", invoice, receipt, admin)
    prepared_document: bytes | None = None  # Freeside: the row's stored prepare answer

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "account_id": self.account_id,
            "channel": self.channel,
            "to": self.to,
            "from": self.sender,
            "text": self.text,
            "subject": self.subject,
            "media_url": self.media_url,
            "template_id": self.template_id,
            "attempt": self.attempt,
            "macros": self.macros,
        }


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    error: str | None = None
    http_status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"ok": True}
        answer: dict[str, Any] = {"ok": False, "error": self.error}
        if self.http_status is not None:
            answer["http_status"] = self.http_status
        return answer

    @classmethod
    def from_error(cls, error: DeliveryError) -> CheckResult:
        return cls(False, str(error), error.http_status)


class Kind:
    """Base class: one gateway kind. Subclasses override what differs."""

    name: str = ""
    description: str = ""
    default_retry_on: tuple[int, ...] = http.DEFAULT_RETRY_ON

    @classmethod
    def available(cls) -> bool:
        """Whether new gateways of this kind may be created (settings may disable one)."""
        return True

    def settings_schema(self) -> dict:
        """Draft-04 schema of ``settings`` (``"x-secret": true`` marks encrypted fields)."""
        return {"type": "object"}

    def default_channel(self, settings: dict) -> str | None:
        return None

    def validate(self, settings: dict, channel: str) -> None:
        """Rules beyond the schema; raise ``ValidationFailed`` with ``settings.…`` paths."""

    def secret_paths(self, settings: dict) -> list[Path]:
        """Secret leaves of ``settings``, as paths relative to it."""
        return []

    def features(self, settings: dict) -> list[str]:
        return ["outgoing"]

    def fully_configured(self, settings: dict) -> bool:
        return True

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        return CheckResult(False, "check_connection is not supported")

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        raise DeliveryError(f"kind {self.name} cannot send", permanent=True)

    def verify_webhook(
        self, request_url: str, params: Mapping[str, Any], headers: dict, gateway: GatewayConfig
    ) -> bool:
        """Provider-specific webhook authentication beyond the hook token (False → 403)."""
        return True

    def parse_webhook(self, body: Any, headers: dict, gateway: GatewayConfig) -> list[dict]:
        return []

    def describe(self) -> dict:
        """This kind's entry in ``GET /v2/gateway_kinds``."""
        return {
            "name": self.name,
            "description": self.description,
            "features": self.features({}),
            "settings_schema": self.settings_schema(),
            "retry_on": list(self.default_retry_on),
        }
