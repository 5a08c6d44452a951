"""Kind ``smtp``: an account's own relay for the ``email`` channel (SPEC-channels §7).

Everything SMTP goes through ``smtplog.transport`` (the only module importing smtplib);
this kind maps gateway settings onto its ``SmtpSettings`` and its errors onto the
transport contract.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from config.errors import field_error
from deliveries.transports import DeliveryError, SendResult
from gateways.kinds.base import CheckResult, GatewayConfig, Kind, OutboundMessage
from gateways.secrets import Path
from smtplog import transport as smtp

SETTINGS_SCHEMA = {
    "type": "object",
    "required": ["host"],
    "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 253},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 25},
        "username": {"type": "string", "maxLength": 254},
        "password": {"type": "string", "maxLength": 1024, "x-secret": True},
        "use_tls": {"type": "boolean", "default": False},
        "use_ssl": {"type": "boolean", "default": False},
        "timeout": {"type": "number", "minimum": 1, "maximum": 60, "default": 10},
    },
}


def smtp_settings(settings: dict, timeout: float | None = None) -> smtp.SmtpSettings:
    return smtp.SmtpSettings(
        host=settings.get("host", ""),
        port=settings.get("port", 25),
        username=settings.get("username") or None,
        password=settings.get("password") or None,
        use_tls=bool(settings.get("use_tls")),
        use_ssl=bool(settings.get("use_ssl")),
        timeout=settings.get("timeout") or timeout or 10.0,
    )


def translate(error: smtp.DeliveryError) -> DeliveryError:
    """smtplog's error as the transport contract's: no SMTP code means no answer at all."""
    return DeliveryError(
        str(error),
        permanent=error.permanent,
        code=str(error.smtp_code) if error.smtp_code else None,
        unreachable=not error.permanent and error.smtp_code is None,
    )


class SmtpKind(Kind):
    name = "smtp"
    description = "An SMTP relay for the email channel (host, port, login, TLS)."

    def settings_schema(self) -> dict:
        return SETTINGS_SCHEMA

    def default_channel(self, settings: dict) -> str | None:
        return "email"

    def validate(self, settings: dict, channel: str) -> None:
        if channel != "email":
            message = "Value not found in enumerated list of values"
            raise field_error("channel", "enum", message, target=["email"], value=channel)

    def secret_paths(self, settings: dict) -> list[Path]:
        return [("password",)]

    def features(self, settings: dict) -> list[str]:
        return ["outgoing", "check_connection"]

    def fully_configured(self, settings: dict) -> bool:
        return bool(settings.get("host"))

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        try:
            smtp.SmtpTransport(smtp_settings(gateway.settings, gateway.timeout)).verify()
        except smtp.DeliveryError as error:
            return CheckResult(False, str(error))
        return CheckResult(True)

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        email = smtp.Email(
            from_addr=gateway.sender or django_settings.DEFAULT_NOTIFICATION_FROM,
            to=[message.to],
            cc=[],
            bcc=[],
            subject=message.subject,
            text=message.text or None,
            html=message.html or None,
        )
        with smtp.SmtpTransport(smtp_settings(gateway.settings, gateway.timeout)) as relay:
            try:
                result = relay.send(email)
            except smtp.DeliveryError as error:
                raise translate(error) from None
        return SendResult(provider_message_id=result.message_id, receipt=result.receipt)

    def send_email_row(self, delivery: Any, gateway: GatewayConfig) -> SendResult:
        """An email row (one mail, every To/Cc/Bcc, its Message-ID and headers) relayed
        through this gateway's server instead of ``EMAIL_*``, under the SMTP log's rules."""
        from smtplog.email import send_row

        with smtp.SmtpTransport(smtp_settings(gateway.settings, gateway.timeout)) as relay:
            try:
                return send_row(relay, delivery)
            except smtp.DeliveryError as error:
                raise translate(error) from None
