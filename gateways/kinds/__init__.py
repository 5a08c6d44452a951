"""The registry of gateway kinds, by name.

Like healthchecks' ``TRANSPORTS``: one class per kind, looked up by the gateway's ``kind``.
Later kinds (``http_json``, ``freeside``, ``module``) plug in by adding a line here.
"""

from __future__ import annotations

import functools

from django.utils.module_loading import import_string

from gateways.kinds.base import Kind

KINDS: dict[str, str] = {
    "freeside": "gateways.kinds.freeside.FreesideKind",
    "http_json": "gateways.kinds.http_json.HttpJsonKind",
    "smtp": "gateways.kinds.smtp.SmtpKind",
    "vendor": "gateways.kinds.vendor.VendorKind",
    "module": "gateways.kinds.module.ModuleKind",
}


@functools.cache
def get_kind(name: str) -> Kind:
    """The kind registered as ``name``; KeyError when there is none."""
    return import_string(KINDS[name])()


def kind_names() -> list[str]:
    """Kinds offered for new gateways (``module`` only with ``CHANNELS_MODULE_DIR``)."""
    return sorted(name for name in KINDS if get_kind(name).available())
