"""Kind ``http_json``: a Ringotel no-code definition pasted as a gateway (SPEC-channels §4).

``settings = {"definition": {...}, "properties": {"<Name>": value}, "secret_properties":
[...]}``. The pure engine in :mod:`gateways.ringotel` validates, builds requests, reads
answers and matches webhooks; this wrapper owns what the engine must not: secrets, HTTP
(through :mod:`gateways.http`, so timeouts, size cap, private-network blocking and the §8
classification are the same as every other kind), and the OAuth2 token round trips.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings

from config.errors import ValidationFailed
from deliveries.transports import DeliveryError, SendResult
from gateways import http, ringotel
from gateways.kinds.base import ALL_FEATURES, CheckResult, GatewayConfig, Kind, OutboundMessage
from gateways.ringotel.definition import action
from gateways.ringotel.oauth import TOKENS, OAuthClient, OAuthError, TokenCache
from gateways.ringotel.requests import ACTIONS
from gateways.secrets import Path

ROOT = "settings.definition"
DEFAULT_CHANNEL = "sms"  # Ringotel's only class; a definition without one means SMS


def _definition(settings: dict) -> dict:
    definition = settings.get("definition") if isinstance(settings, dict) else None
    return definition if isinstance(definition, dict) else {}


def _properties(settings: dict) -> dict:
    properties = settings.get("properties") if isinstance(settings, dict) else None
    return properties if isinstance(properties, dict) else {}


def _literal(value: Any) -> bool:
    """A credential typed into the definition itself, not a ``$Property$`` reference."""
    return isinstance(value, str) and bool(value) and "$" not in value


def _is_2xx(status: int) -> bool:
    return 200 <= status < 300


class HttpJsonKind(Kind):
    name = "http_json"
    description = "Any HTTP messaging API described by a Ringotel JSON definition."

    def __init__(self) -> None:
        # fully_configured runs for every send; validating the definition each time would
        # dominate the cost. Keyed by the settings object, kept alive while cached.
        self._configured: dict[int, tuple[dict, bool]] = {}
        self._lock = threading.Lock()

    # --- the document -----------------------------------------------------------------------

    def settings_schema(self) -> dict:
        return {
            "type": "object",
            "required": ["definition"],
            "properties": {
                "definition": {
                    "type": "object",
                    "description": "A Ringotel integration file: API, auth or OAuth2, "
                    "properties, Webhook, class.",
                },
                "properties": {
                    "type": "object",
                    "description": "Values of the definition's properties, by exact name.",
                },
                "secret_properties": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Properties stored encrypted; default: names matching "
                    "key|secret|token|password.",
                },
            },
        }

    def default_channel(self, settings: dict) -> str | None:
        return ringotel.default_channel(_definition(settings)) or DEFAULT_CHANNEL

    def validate(self, settings: dict, channel: str) -> None:
        errors = ringotel.validate_settings(settings)
        if not errors:
            errors = _private_targets(_definition(settings))
        if errors:
            raise ValidationFailed(errors)

    def secret_paths(self, settings: dict) -> list[Path]:
        """Secret properties, ``OAuth2.client_secret`` and literal ``auth`` credentials."""
        paths: list[Path] = [
            ("properties", name) for name in ringotel.secret_property_names(settings)
        ]
        definition = _definition(settings)
        if isinstance(definition.get("OAuth2"), dict):
            paths.append(("definition", "OAuth2", "client_secret"))
        auth = definition.get("auth")
        if isinstance(auth, dict):
            for field in ("token", "password"):
                if _literal(auth.get(field)):
                    paths.append(("definition", "auth", field))
        return paths

    def features(self, settings: dict) -> list[str]:
        return ringotel.features(_definition(settings))

    def fully_configured(self, settings: dict) -> bool:
        key = id(settings)
        with self._lock:
            cached = self._configured.get(key)
        if cached is not None and cached[0] is settings:
            return cached[1]
        result = ringotel.fully_configured(_definition(settings), _properties(settings))
        with self._lock:
            if len(self._configured) > 256:
                self._configured.clear()
            self._configured[key] = (settings, result)
        return result

    def describe(self) -> dict:
        entry = super().describe()
        entry["features"] = list(ALL_FEATURES)
        return entry

    # --- sending ----------------------------------------------------------------------------

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        definition = _definition(gateway.settings)
        name = "SendFile" if message.media_url and action(definition, "SendFile") else "SendMessage"
        answer = self._call(gateway, name, _variables(message, gateway), message.macros)
        spec = action(definition, name) or {}
        outcome = ringotel.interpret_response(spec.get("response_map"), answer.status, answer.body)
        if not _is_2xx(answer.status):
            http.classify(answer, gateway.retry_on, outcome.error_code)
        return outcome.to_result()

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        """``API.CheckConnection`` must answer 2xx; with only OAuth2, a fresh token must come."""
        definition = _definition(gateway.settings)
        try:
            if action(definition, "CheckConnection"):
                answer = self._call(gateway, "CheckConnection", _check_variables(gateway), {})
                http.classify(answer, ())
                return CheckResult(True)
            oauth = self._oauth(gateway)
            if oauth is None:
                return CheckResult(False, "check_connection is not supported")
            oauth.invalidate()
            _authorization(oauth)
            return CheckResult(True)
        except DeliveryError as error:
            return CheckResult.from_error(error)

    def parse_webhook(self, body: Any, headers: dict, gateway: GatewayConfig) -> list[dict]:
        """Events for the receipt machinery: the first matching Webhook model per body."""
        return ringotel.parse_webhook(_definition(gateway.settings), body)

    # --- HTTP -------------------------------------------------------------------------------

    def _call(
        self, gateway: GatewayConfig, name: str, variables: dict, macros: dict
    ) -> http.Answer:
        """One API request, any status back; an OAuth2 401 refreshes the token and repeats
        the request once, inside this attempt (so it never counts as one)."""
        oauth = self._oauth(gateway)
        answer = self._exchange(gateway, name, variables, macros, oauth)
        if answer.status == 401 and oauth is not None:
            oauth.invalidate()
            answer = self._exchange(gateway, name, variables, macros, oauth)
        return answer

    def _exchange(
        self,
        gateway: GatewayConfig,
        name: str,
        variables: dict,
        macros: dict,
        oauth: OAuthClient | None,
    ) -> http.Answer:
        request = ringotel.build_request(
            _definition(gateway.settings),
            name,
            variables,
            _properties(gateway.settings),
            auth_header=_authorization(oauth) if oauth else None,
            macros=macros,
        )
        options = gateway.http_options(variables.get("delivery_id") or None)
        return http.exchange(
            request.method, request.url, options, content=request.body, headers=request.headers
        )

    def _oauth(self, gateway: GatewayConfig) -> OAuthClient | None:
        definition = _definition(gateway.settings)
        if not isinstance(definition.get("OAuth2"), dict):
            return None
        # An unsaved gateway (check on a body) must not leave tokens in the shared cache.
        cache = TOKENS if gateway.id else TokenCache()
        options = gateway.http_options()

        def post(url: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
            answer = http.exchange("POST", url, options, content=body, headers=dict(headers))
            return answer.status, answer.headers, answer.body

        return OAuthClient(
            str(gateway.id), definition, _properties(gateway.settings), post, cache=cache
        )


def _authorization(oauth: OAuthClient) -> str:
    """The ``Authorization`` value; a refused token request is a :class:`DeliveryError`."""
    try:
        return oauth.header()
    except OAuthError as error:
        raise DeliveryError(
            str(error), permanent=error.permanent, http_status=error.http_status
        ) from None


def _variables(message: OutboundMessage, gateway: GatewayConfig) -> dict[str, Any]:
    """The built-in ``$variables$`` of SPEC §4 for one message.

    ``extension`` and ``domain`` come from the ``user.username`` and ``account.realm``
    macros when the template had them.
    """
    macros = message.macros if isinstance(message.macros, dict) else {}
    user = macros.get("user") if isinstance(macros.get("user"), dict) else {}
    account = macros.get("account") if isinstance(macros.get("account"), dict) else {}
    return {
        "from": gateway.sender,
        "to": message.to,
        "content": message.text,
        "html": message.html,
        "text": "",
        "extension": str(user.get("username") or ""),
        "domain": str(account.get("realm") or ""),
        "account_id": message.account_id or "",
        "template_id": message.template_id,
        "delivery_id": message.delivery_id or "",
        "subject": message.subject,
        "media_url": message.media_url,
    }


def _check_variables(gateway: GatewayConfig) -> dict[str, Any]:
    return {"from": gateway.sender, "to": "", "content": "", "account_id": gateway.account_id}


def _private_targets(definition: dict) -> dict:
    """With ``CHANNELS_BLOCK_PRIVATE_NETWORKS``, literal hosts must not be private.

    Hosts built from placeholders are judged at send time, by :mod:`gateways.http`.
    """
    if not django_settings.CHANNELS_BLOCK_PRIVATE_NETWORKS:
        return {}
    urls = [
        (f"{ROOT}.API.{name}.request_url", (action(definition, name) or {}).get("request_url"))
        for name in ACTIONS
    ]
    oauth = definition.get("OAuth2")
    if isinstance(oauth, dict):
        urls.append((f"{ROOT}.OAuth2.token_endpoint", oauth.get("token_endpoint")))
    errors = {}
    for path, url in urls:
        if not isinstance(url, str) or "$" in urlsplit(url).netloc:
            continue
        if http.private_target(url) is True:
            message = "target address not allowed (private network)"
            errors[path] = {"wrong_format": {"message": message}}
    return errors
