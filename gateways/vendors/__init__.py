"""The vendor registry: the built-ins plus the dotted paths in ``CHANNELS_VENDORS``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from gateways.vendors.base import Vendor

BUILTIN_VENDORS = [
    "gateways.vendors.fake.FakeVendor",
    "gateways.vendors.webhook.WebhookVendor",
    "gateways.vendors.twilio.TwilioVendor",
]

_cache: dict[tuple[str, ...], dict[str, type[Vendor]]] = {}


def vendors() -> dict[str, type[Vendor]]:
    """Vendor classes by name (re-read when ``CHANNELS_VENDORS`` changes, as tests do)."""
    paths = (*BUILTIN_VENDORS, *settings.CHANNELS_VENDORS)
    if paths not in _cache:
        found: dict[str, type[Vendor]] = {}
        for path in paths:
            try:
                cls = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"CHANNELS_VENDORS: cannot import {path}") from exc
            if not (isinstance(cls, type) and issubclass(cls, Vendor) and cls.name):
                raise ImproperlyConfigured(f"{path} is not a named gateways Vendor subclass")
            found[cls.name] = cls
        _cache[paths] = found
    return _cache[paths]


def get_vendor(name: str) -> type[Vendor] | None:
    return vendors().get(name)
