"""Which channels a template may name, the new public template fields and their checks.

The JSON schema checks types and ranges (``priority`` 0..9, booleans, 32-hex gateway
ids); what depends on the account or on the channel is checked here, after it, with the
same error shape: ``channels.N`` ``enum``, ``gateways.<C>`` and ``to.contacts.<C>``
``wrong_format``, ``to.contacts.<C>.N`` ``wrong_format``, ``to.contacts.email``
``forbidden`` (e-mail recipients stay in ``to.email_addresses``).
"""

from typing import Any

from accounts.models import Account
from config.errors import ValidationFailed
from gateways.selection import visible_channels
from notifications.addresses import InvalidAddress, is_channel_name, validate_address

BUILT_IN_CHANNELS = frozenset({"email", "sms", "internal"})

# Effective values of the new public fields when a document does not set them.
FIELD_DEFAULTS: dict[str, Any] = {"channels": ["email"], "priority": 5, "opt_out_allowed": True}


def known_channels(account: Account | None) -> set[str]:
    """Channel names a template of ``account`` (None: a system template) may use.

    The built-in channels plus the channels of the gateways visible to the account (for a
    system template, the system's own gateways).
    """
    return set(BUILT_IN_CHANNELS) | visible_channels(account)


def with_defaults(document: dict) -> dict:
    """``document`` with the effective value of every new public field it leaves out."""
    return {**FIELD_DEFAULTS, **document}


def _key(name: object) -> str:
    return str(name).replace(".", "%2E")  # as config.validation spells paths


def _enum_errors(account: Account | None, channels: object) -> dict:
    if not isinstance(channels, list):
        return {}
    known = known_channels(account)
    return {
        f"channels.{index}": {
            "enum": {
                "message": "Value not found in enumerated list of values",
                "target": sorted(known),
                "value": name,
            }
        }
        for index, name in enumerate(channels)
        if name not in known
    }


def _wrong_channel_name(path: str, name: object) -> dict:
    message = "Channel names match ^[a-z][a-z0-9_]{0,31}$"
    return {path: {"wrong_format": {"message": message, "value": name}}}


def _gateway_errors(gateways: object) -> dict:
    if not isinstance(gateways, dict):
        return {}
    errors: dict = {}
    for name in gateways:
        if not is_channel_name(name):
            errors.update(_wrong_channel_name(f"gateways.{_key(name)}", name))
    return errors


def clean_contacts(contacts: object, prefix: str) -> tuple[dict, dict]:
    """``{channel: [addresses]}`` normalized, and the errors under ``prefix``."""
    if not isinstance(contacts, dict):
        return {}, {}
    cleaned: dict[str, list[str]] = {}
    errors: dict = {}
    for name, addresses in contacts.items():
        path = f"{prefix}.{_key(name)}"
        if not is_channel_name(name):
            errors.update(_wrong_channel_name(path, name))
            continue
        if name == "email":
            message = "E-mail recipients go in email_addresses"
            errors[path] = {"forbidden": {"message": message, "value": name}}
            continue
        cleaned[name] = []
        for index, address in enumerate(addresses if isinstance(addresses, list) else []):
            try:
                cleaned[name].append(validate_address(name, address))
            except InvalidAddress as exc:
                detail = {"message": str(exc), "value": address}
                errors[f"{path}.{index}"] = {"wrong_format": detail}
    return cleaned, errors


def clean_template_fields(account: Account | None, document: dict) -> dict:
    """Check the channel fields of a schema-valid template ``document``; normalize them.

    Returns the document to store (``to.contacts`` addresses in normal form); raises
    ValidationFailed with every error found.
    """
    errors = {
        **_enum_errors(account, document.get("channels")),
        **_gateway_errors(document.get("gateways")),
    }
    to = document.get("to")
    if isinstance(to, dict) and "contacts" in to:
        contacts, contact_errors = clean_contacts(to["contacts"], "to.contacts")
        errors.update(contact_errors)
        document = {**document, "to": {**to, "contacts": contacts}}
    if errors:
        raise ValidationFailed(errors)
    return document
