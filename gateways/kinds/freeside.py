"""Kind ``freeside``: any Freeside-style prepare/send messaging service (SPEC-channels §5).

``settings = {prepare_url, send_url, username, password (secret), content: {}}``. A
delivery takes two HTTP stages: *prepare* POSTs the substitution variables and gets back
a prepared document; *send* POSTs that document byte for byte. The document is kept on
the row (``prepared_document``) so a retry after a failed send repeats only the send.

The prepared bytes travel back to the outbox on the result *or* the error
(``prepared_document`` attribute); :class:`gateways.transport.GatewayTransport` copies
them onto the row object. Building and reading the documents is the pure
:mod:`gateways.freeside` library; HTTP goes through :mod:`gateways.http`.
"""

from __future__ import annotations

from dataclasses import dataclass

from deliveries.transports import DeliveryError, SendResult
from gateways import freeside, http
from gateways.freeside.client import RecipientKey
from gateways.kinds.base import CheckResult, GatewayConfig, Kind, OutboundMessage
from gateways.secrets import Path


@dataclass(frozen=True)
class PreparedResult(SendResult):
    """A sent row plus the document its prepare stage produced in this attempt."""

    prepared_document: bytes | None = None


def _recipient_key(channel: str) -> RecipientKey:
    return "invoicing_email" if channel == "email" else "mobile"


class FreesideKind(Kind):
    name = "freeside"
    description = "A Freeside-style external messaging service (prepare, then send)."
    default_retry_on = freeside.DEFAULT_RETRY_ON  # Freeside servers send 500 for bad input

    def settings_schema(self) -> dict:
        url = {"type": "string", "format": "http-url", "maxLength": 2048}
        return {
            "type": "object",
            "required": ["prepare_url", "send_url"],
            "properties": {
                "prepare_url": url,
                "send_url": url,
                "username": {"type": "string", "maxLength": 256},
                "password": {"type": ["string", "null"], "maxLength": 4096, "x-secret": True},
                "content": {"type": "object"},
            },
        }

    def default_channel(self, settings: dict) -> str | None:
        return "email"  # Freeside's message templates are mail first

    def secret_paths(self, settings: dict) -> list[Path]:
        return [("password",)]

    def features(self, settings: dict) -> list[str]:
        return ["outgoing", "check_connection"]

    def fully_configured(self, settings: dict) -> bool:
        return bool(settings.get("prepare_url")) and bool(settings.get("send_url"))

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        """A prepare with ``msgname: "check_connection"``: side-effect-free by contract."""
        settings = gateway.settings
        document = freeside.check_connection_document(
            settings.get("content") or {}, _recipient_key(gateway.channel)
        )
        try:
            self._prepare(gateway, document, None)
        except DeliveryError as error:
            return CheckResult.from_error(error)
        return CheckResult(True)

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        fresh = None
        document = message.prepared_document
        if document is None:
            fresh = document = self._prepare(gateway, self._document(message, gateway), message)
        method, url, headers, body = freeside.build_send_request(gateway.settings, document)
        try:
            answer = http.exchange(
                method, url, _options(gateway, message), content=body, headers=headers
            )
            result = freeside.interpret_send(
                answer.status, answer.body, gateway.retry_on, headers=answer.headers
            )
        except DeliveryError as error:
            error.prepared_document = fresh  # type: ignore[attr-defined]
            raise
        return PreparedResult(
            provider_message_id=result.provider_message_id,
            status=result.status,
            receipt=result.receipt,
            detail=result.detail,
            prepared_document=fresh,
        )

    def _document(self, message: OutboundMessage, gateway: GatewayConfig) -> bytes:
        return freeside.build_prepare_document(
            message.template_id,
            message.msgtype,
            gateway.settings.get("content") or {},
            message.macros,
            _recipient_key(message.channel),
            message.to,
            message.text,
        )

    def _prepare(
        self, gateway: GatewayConfig, document: bytes, message: OutboundMessage | None
    ) -> bytes:
        method, url, headers, body = freeside.build_prepare_request(gateway.settings, document)
        options = _options(gateway, message)
        answer = http.exchange(method, url, options, content=body, headers=headers)
        return freeside.interpret_prepare(
            answer.status, answer.body, gateway.retry_on, headers=answer.headers
        )


def _options(gateway: GatewayConfig, message: OutboundMessage | None) -> http.Options:
    return gateway.http_options(message.delivery_id if message else None)
