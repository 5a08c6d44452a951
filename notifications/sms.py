"""SMS specifics: how many segments a text costs, and the source length limit.

Carriers bill per segment. A text made only of GSM 03.38 characters travels as 7-bit
septets (160 in one segment, 153 each once split, since the concatenation header takes
the rest); extension-table characters are sent as ESC + character and cost two septets.
Any other character forces UCS-2 for the whole text: 70 UTF-16 code units in one
segment, 67 each once split (SPEC-channels §8).

An empty text is 0 segments: there is nothing to send, and a send with an empty SMS body
should not be billed as one message.
"""

from math import ceil

from django.conf import settings

from config.errors import field_error

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def gsm_septets(text: str) -> int | None:
    """Septets ``text`` needs in GSM-7, or None when some character is not in GSM 03.38."""
    septets = 0
    for char in text:
        if char in GSM_BASIC:
            septets += 1
        elif char in GSM_EXTENSION:
            septets += 2
        else:
            return None
    return septets


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """Number of SMS segments ``text`` is sent in (0 for an empty text)."""
    if not text:
        return 0
    septets = gsm_septets(text)
    if septets is not None:
        return 1 if septets <= GSM_SINGLE else ceil(septets / GSM_PART)
    units = utf16_units(text)
    return 1 if units <= UCS2_SINGLE else ceil(units / UCS2_PART)


def check_source_length(source: str, field: str) -> None:
    """A text/x-sms source longer than ``SMS_MAX_LENGTH`` characters is a 400 on ``field``."""
    limit = settings.SMS_MAX_LENGTH
    if len(source) > limit:
        raise field_error(
            field,
            "maxLength",
            f"String must not be more than {limit} characters",
            target=limit,
            value=len(source),
        )
