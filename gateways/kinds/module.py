"""Kind ``module``: a BILLmanager gateway executable (SPEC-channels §13.1).

``settings = {"module": name, "params": {<form field>: value}}``. The operator installs
modules under ``CHANNELS_MODULE_DIR`` (unset: the kind is not offered); tenants only pick
one from that list, so a name is always re-checked against the directory
(``gateways.modules.load_module`` refuses ``..``, absolute paths and escaping symlinks).
The module's form decides the required params and which are secret (``password``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from accounts.models import Account
from config.errors import ValidationFailed, field_error
from config.validation import validate
from deliveries.transports import DeliveryError, SendResult
from gateways import modules
from gateways.kinds.base import CheckResult, GatewayConfig, Kind, OutboundMessage
from gateways.secrets import Path

DEFAULT_CHANNEL = "sms"


def module_dir() -> str | None:
    """``CHANNELS_MODULE_DIR``, or None when the kind is disabled."""
    return str(django_settings.CHANNELS_MODULE_DIR or "") or None


def installed() -> list[modules.ModuleInfo]:
    directory = module_dir()
    return modules.discover(directory) if directory else []


def find(settings: dict) -> modules.ModuleInfo | None:
    """The installed module named by ``settings.module``, or None."""
    directory, name = module_dir(), settings.get("module")
    if not directory or not isinstance(name, str):
        return None
    try:
        return modules.load_module(directory, name)
    except modules.ModuleNotFound:
        return None


def module_features(module: modules.ModuleInfo) -> modules.Features | None:
    """The module's ``features`` answer (cached by the library per path and mtime)."""
    try:
        return modules.features(module)
    except modules.ModuleError:
        return None


def _unknown_module(name: Any) -> ValidationFailed:
    names = [m.name for m in installed()]
    return field_error(
        "settings.module",
        "enum",
        "Value not found in enumerated list of values",
        target=names,
        value=name,
    )


class ModuleKind(Kind):
    name = "module"
    description = "A BILLmanager gateway module installed in CHANNELS_MODULE_DIR."

    @classmethod
    def available(cls) -> bool:
        return module_dir() is not None

    def settings_schema(self) -> dict:
        names = [m.name for m in installed()]
        module: dict[str, Any] = {"type": "string"}
        if names:
            module["enum"] = names
        return {
            "type": "object",
            "required": ["module"],
            "properties": {"module": module, "params": {"type": "object"}},
            "additionalProperties": False,
        }

    def default_channel(self, settings: dict) -> str | None:
        module = find(settings)
        answer = module_features(module) if module else None
        return (answer.channel if answer else None) or DEFAULT_CHANNEL

    def validate(self, settings: dict, channel: str) -> None:
        module = find(settings)
        if module is None:
            raise _unknown_module(settings.get("module"))
        schema = {"properties": {"settings": {"properties": {"params": module.params_schema()}}}}
        validate(schema, {"settings": {"params": settings.get("params", {})}})
        answer = module_features(module)
        if answer and answer.channel and channel != answer.channel:
            raise field_error(
                "channel",
                "enum",
                "Value not found in enumerated list of values",
                target=[answer.channel],
                value=channel,
            )

    def secret_paths(self, settings: dict) -> list[Path]:
        module = find(settings)
        return [("params", name) for name in module.secret_params] if module else []

    def features(self, settings: dict) -> list[str]:
        if not settings:
            return list(modules.KNOWN_FEATURES)
        module = find(settings)
        answer = module_features(module) if module else None
        return list(answer.features) if answer else []

    def fully_configured(self, settings: dict) -> bool:
        module = find(settings)
        if module is None:
            return False
        params = settings.get("params") or {}
        return all(params.get(name) not in (None, "") for name in module.required_params)

    def check_connection(self, gateway: GatewayConfig) -> CheckResult:
        module = find(gateway.settings)
        if module is None:
            return CheckResult(False, "module not installed")
        ok, error = modules.check_connection(module, _params(gateway), _timeout(gateway))
        return CheckResult(ok, error)

    def send(self, message: OutboundMessage, gateway: GatewayConfig) -> SendResult:
        module = find(gateway.settings)
        if module is None:
            raise DeliveryError("module not installed", permanent=True)
        return modules.outgoing(
            module,
            _params(gateway),
            message.text,
            recipient(message),
            project(message.account_id),
            _timeout(gateway),
            subject=message.subject or None,
            contact=(message.channel, message.to),
        )

    def ingoing(self, gateway: GatewayConfig) -> list[modules.InboundMessage]:
        """Poll the module once (raises ``ModuleError``)."""
        module = find(gateway.settings)
        if module is None:
            raise modules.ModuleNotFound("module not installed")
        return modules.ingoing(module, _params(gateway), _timeout(gateway))

    def describe(self) -> dict:
        entry = super().describe()
        entry["modules"] = [self._module_entry(m) for m in installed()]
        return entry

    @staticmethod
    def _module_entry(module: modules.ModuleInfo) -> dict:
        """The module's form (labels, hints, secrets), its channel and features."""
        answer = module_features(module)
        entry = module.as_dict()
        entry["form"] = [
            {
                "name": f.name,
                "input": f.input,
                "required": f.required,
                "secret": f.secret,
                "label": f.label or f.name,
                "hint": f.hint,
                "choices": list(f.choices),
            }
            for f in module.form
        ]
        entry["channel"] = answer.channel if answer else None
        entry["features"] = list(answer.features) if answer else []
        return entry


def _params(gateway: GatewayConfig) -> dict:
    return dict(gateway.settings.get("params") or {})


def _timeout(gateway: GatewayConfig) -> float:
    return float(gateway.timeout or django_settings.CHANNELS_HTTP_TIMEOUT)


def recipient(message: OutboundMessage) -> dict[str, Any]:
    """``<user>``: the address under its channel's name, plus the user's name and id
    when the send's macros carry the recipient user (Kazoo's ``user`` macro)."""
    user = message.macros.get("user") if isinstance(message.macros, dict) else None
    user = user if isinstance(user, dict) else {}
    name = " ".join(str(user[key]) for key in ("first_name", "last_name") if user.get(key)) or str(
        user.get("name") or ""
    )
    return modules.recipient(
        message.channel, message.to, name=name, id=str(user.get("id") or user.get("user_id") or "")
    )


def project(account_id: str | None) -> dict[str, str]:
    """``<project>``: the sending account (BILLmanager's provider project)."""
    account = Account.objects.filter(pk=account_id).values("id", "name", "realm").first()
    if account is None:
        return {"name": "", "id": account_id or "", "realm": ""}
    return {"name": account["name"], "id": account["id"], "realm": account["realm"]}
