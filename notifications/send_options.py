"""The send API's channel options, checked beyond what its JSON schema can say.

The schema checks types and ranges (``priority`` 0..9 → ``maximum``/``minimum``); here
come the checks that depend on the account: ``channels.N`` ``enum`` (known channels),
``contacts.<C>`` channel names, ``media_url`` http(s) (``wrong_format``). ``user_ids``
are checked where they are used (``user_ids.N`` ``not_found``). Addresses invalid for
their channel are not an error: they get no row and are reported (SPEC-channels §8).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from accounts.models import Account
from config.errors import ValidationFailed
from notifications.addresses import is_channel_name
from notifications.channels import BUILT_IN_CHANNELS, known_channels
from notifications.dispatch import SendOptions

ENUM = "Value not found in enumerated list of values"
# E-mail has its own recipient fields; the inbox is addressed by user id (``user_ids``, which
# are checked against the account's subtree), never by a listed address.
FORBIDDEN_CONTACTS = {
    "email": "E-mail recipients go in to/cc/bcc email_addresses",
    "internal": "In-app recipients are users: use user_ids",
}


def _channel_errors(account: Account, channels: list | None) -> dict:
    if channels is None or set(channels) <= BUILT_IN_CHANNELS:
        return {}  # the common case needs no look-up of the account's gateways
    known = known_channels(account)
    return {
        f"channels.{index}": {"enum": {"message": ENUM, "target": sorted(known), "value": name}}
        for index, name in enumerate(channels)
        if name not in known
    }


def _contact_errors(contacts: dict) -> dict:
    errors: dict = {}
    for name in contacts:
        path = "contacts." + str(name).replace(".", "%2E")
        if not is_channel_name(name):
            message = "Channel names match ^[a-z][a-z0-9_]{0,31}$"
            errors[path] = {"wrong_format": {"message": message, "value": name}}
        elif name in FORBIDDEN_CONTACTS:
            errors[path] = {"forbidden": {"message": FORBIDDEN_CONTACTS[name], "value": name}}
    return errors


def _media_url_errors(url: str) -> dict:
    parts = urlsplit(url)
    if not url or (parts.scheme in ("http", "https") and parts.netloc):
        return {}
    message = "media_url must be an http(s) URL"
    return {"media_url": {"wrong_format": {"message": message, "value": url}}}


def send_options(account: Account, data: dict) -> SendOptions:
    """The options of a schema-valid send body; ValidationFailed lists every error."""
    options = SendOptions(
        channels=data.get("channels"),
        contacts=dict(data.get("contacts") or {}),
        user_ids=list(data.get("user_ids") or []),
        priority=data.get("priority"),
        gateway_ids=dict(data.get("gateway_ids") or {}),
        force=bool(data.get("force", False)),
        msgtype=data.get("msgtype") or "",
        media_url=data.get("media_url") or "",
    )
    errors = {
        **_channel_errors(account, options.channels),
        **_contact_errors(options.contacts),
        **_media_url_errors(options.media_url),
    }
    if errors:
        raise ValidationFailed(errors)
    return options
