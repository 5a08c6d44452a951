"""Vendor ``twilio``: Spoke's default service (SPEC-channels §13.2).

A thin wrapper: ``gateways.twilio`` builds the requests and interprets the answers as
plain data, ``gateways.http`` performs them. Status callbacks go to the gateway's
absolute ``webhook_url`` (so ``PUBLIC_BASE_URL`` must be set for receipts), and every
webhook must carry a valid ``X-Twilio-Signature`` keyed by the account's auth token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from deliveries.transports import DeliveryError, SendResult
from gateways import http, twilio
from gateways.kinds.base import OutboundMessage
from gateways.vendors.base import Vendor


class TwilioVendor(Vendor):
    name = "twilio"
    channels = list(twilio.metadata()["channels"])
    features = list(twilio.metadata()["features"])
    config_schema = twilio.config_schema
    error_descriptions = dict(twilio.error_descriptions)
    error_link = "https://www.twilio.com/docs/api/errors/{code}"

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {**twilio.metadata(), "config_schema": cls.config_schema}

    @classmethod
    def error_description(cls, code: str | int | None) -> dict | None:
        """``{code, description, link}``; the docs link also for codes not in the table."""
        return twilio.error_description(code)

    def fully_configured(self, config: dict) -> bool:
        return twilio.fully_configured(config)

    def send(self, message: OutboundMessage, config: dict) -> SendResult:
        if not twilio.fully_configured(config):
            raise DeliveryError("gateway not fully configured", permanent=True)
        request = twilio.build_send_request(config, message.as_dict(), self.status_callback())
        answer = self._perform(request, message.delivery_id)
        return twilio.interpret_send_response(answer.status, answer.headers, answer.body)

    def check_connection(self, config: dict) -> tuple[bool, str | None]:
        """GET Accounts/{sid}.json; a non-2xx raises so its HTTP status is reported."""
        answer = self._perform(twilio.build_check_request(config), None)
        ok, error, status = twilio.interpret_check_response(
            answer.status, answer.headers, answer.body
        )
        if not ok and not 200 <= status < 300:
            raise DeliveryError(error or "check failed", permanent=True, http_status=status)
        return ok, error

    def verify_webhook(
        self, request_url: str, params: Mapping[str, Any], headers: Mapping[str, str], config: dict
    ) -> bool:
        """``X-Twilio-Signature`` over the public URL and the form, keyed by the token."""
        given = {k.lower(): v for k, v in headers.items()}.get(twilio.SIGNATURE_HEADER.lower())
        token = str(config.get("auth_token") or "")
        return twilio.validate_signature(request_url, params, given, token)

    def parse_webhook(self, body: Any, headers: dict, config: dict) -> list[dict]:
        return twilio.parse_webhook(body) if isinstance(body, dict) else []

    def status_callback(self) -> str | None:
        """The gateway's absolute webhook URL; None without ``PUBLIC_BASE_URL``."""
        if not settings.PUBLIC_BASE_URL or self.gateway is None:
            return None
        return self.gateway.webhook_url or None

    def _perform(self, request: tuple, delivery_id: str | None) -> http.Answer:
        method, url, headers, body = request
        return http.exchange(
            method, url, self.http_options(delivery_id), content=body or None, headers=headers
        )
