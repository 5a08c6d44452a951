"""One place that says whether an address is valid for a channel, and normalizes it.

Used by user ``contacts``, template ``to.contacts`` and the send API alike, so an address
accepted in one place is accepted everywhere (SPEC-channels §8 "Contacts and recipients").

* ``email``: an e-mail address (Django's validator, exactly one ``@``).
* ``sms``: E.164 (``+`` then 7..15 digits, no leading 0) that the ``phonenumbers``
  library also considers a valid number; returned in E.164 form.
* ``internal``: the in-app inbox is addressed by user id (32 lowercase hex).
* any other channel named ``^[a-z][a-z0-9_]{0,31}$``: 1..254 characters, kept as given.
"""

import re

import phonenumbers

from config.errors import ValidationFailed
from smtplog.addresses import is_deliverable

CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
USER_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_ADDRESS_LENGTH = 254


class InvalidAddress(ValueError):
    """``address`` is not valid for ``channel``; ``str(exc)`` says why."""

    def __init__(self, channel: str, address: object, message: str):
        super().__init__(message)
        self.channel = channel
        self.address = address


def is_channel_name(name: object) -> bool:
    return isinstance(name, str) and CHANNEL_NAME.fullmatch(name) is not None


def validate_address(channel: str, address: object) -> str:
    """The normalized ``address`` for ``channel``; raises InvalidAddress if it is not one."""
    if not is_channel_name(channel):
        raise InvalidAddress(channel, address, f"unknown channel name {channel!r}")
    if not isinstance(address, str):
        raise InvalidAddress(channel, address, "an address must be a string")
    if channel == "email":
        return _email(address)
    if channel == "sms":
        return _phone_number(address)
    if channel == "internal":
        if USER_ID.fullmatch(address) is None:
            raise InvalidAddress(channel, address, "an in-app address is a 32-hex user id")
        return address
    if not 1 <= len(address) <= MAX_ADDRESS_LENGTH:
        raise InvalidAddress(channel, address, "an address has 1 to 254 characters")
    return address


def _email(address: str) -> str:
    if not is_deliverable(address):
        raise InvalidAddress("email", address, "not an e-mail address")
    return address


def _phone_number(address: str) -> str:
    message = "an sms address is an E.164 phone number such as +14155552671"
    if E164.fullmatch(address) is None:
        raise InvalidAddress("sms", address, message)
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        raise InvalidAddress("sms", address, message) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidAddress("sms", address, "not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _path(name: object) -> str:
    return "contacts." + str(name).replace(".", "%2E")  # as config.validation spells paths


def clean_user_contacts(data: dict) -> dict:
    """Validated user data with ``contacts`` normalized; ValidationFailed on bad entries.

    ``contacts.email`` and ``contacts.internal`` are refused (``forbidden``): a user's
    e-mail address stays in ``email``, and the in-app inbox is addressed by the user id.
    """
    contacts = data.get("contacts")
    if not isinstance(contacts, dict):
        return data
    cleaned: dict[str, str] = {}
    errors: dict = {}
    for name, address in contacts.items():
        if name in ("email", "internal"):
            where = "the user's email field" if name == "email" else "the user id"
            message = f"The {name} address is {where}, not a contact"
            errors[_path(name)] = {"forbidden": {"message": message, "value": name}}
            continue
        try:
            cleaned[name] = validate_address(name, address)
        except InvalidAddress as exc:
            errors[_path(name)] = {"wrong_format": {"message": str(exc), "value": address}}
    if errors:
        raise ValidationFailed(errors)
    return {**data, "contacts": cleaned}
