"""The one e-mail address rule, shared by API validation and delivery.

An address the API accepts must be one the transport can send to: Django's syntax check
alone lets through quoted local parts (``"a,x@evil.test"@c2.test``, which a comma-splitting
hop delivers to ``x@evil.test``) and domain literals (``a@[10.0.0.1]``), both of which
``parse_address`` (what delivery uses for headers and the SMTP envelope) refuses.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from smtplog.message import InvalidAddress, parse_address

MAX_LENGTH = 254  # RFC 5321 path limit, and the size of the e-mail columns


def is_deliverable(address: object) -> bool:
    """A bare ``user@domain`` that passes Django's syntax check *and* that delivery can
    put in a header and the SMTP envelope (international domains are IDNA-encoded)."""
    if not isinstance(address, str) or len(address) > MAX_LENGTH or address.count("@") != 1:
        return False
    try:
        validate_email(address)
        parse_address(address)
    except (ValidationError, InvalidAddress):
        return False
    return True


def ascii_address(address: str) -> str:
    """``address`` as delivery writes it (IDNA domain); unchanged when not deliverable."""
    try:
        return parse_address(address)[1]
    except InvalidAddress:
        return address
