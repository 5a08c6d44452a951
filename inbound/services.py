"""Storing inbound messages (SPEC-channels §9): de-duplicated, matched to a user, STOP/START.

``store_message`` is what the webhook path (and module polling, and the ``fake`` vendor's
``autorespond``) calls for each ``{"type": "message", ...}`` event of a gateway.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Account, User
from gateways.models import Gateway
from inbound.models import InboundMessage
from preferences import services as preferences
from preferences.models import Reason

STORED = "stored"
DUPLICATE = "duplicate"
IGNORED = "ignored"


def _text(event: dict, key: str, limit: int | None = None) -> str:
    """A string field of the event ("" if absent or not a scalar), cut to ``limit``."""
    value = event.get(key)
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = str(value).replace("\x00", "")
    return text[:limit] if limit else text


def owner_of(gateway: Gateway) -> Account | None:
    """The account whose messages these are: the gateway's, None for a system gateway."""
    return gateway.account


def suppression_account(gateway: Gateway) -> Account | None:
    """Where STOP lands: the owner, or for a system gateway the master account.

    The master is every account's ancestor, so its suppression covers every send that can
    go through a system gateway.
    """
    return gateway.account or Account.objects.filter(is_master=True).first()


def match_user(owner: Account | None, channel: str, sender: str) -> User | None:
    """The first user in the owner's subtree (everyone for the system) with this address.

    E-mail compares with the user's ``email`` (case-insensitively), other channels with
    ``contacts.{channel}`` (stored normalized, so the sender is normalized too).
    """
    if not sender:
        return None
    users = User.objects.all()
    if owner is not None:
        users = users.filter(
            Q(account=owner) | Q(account__path__startswith=owner.descendant_prefix)
        )
    if channel == "email":
        users = users.filter(email__iexact=sender)
    else:
        address = preferences.normal_address(channel, sender)
        users = users.filter(**{f"contacts__{channel}": address})
    return users.order_by("created", "id").first()


def _keyword(text: str, keywords: object) -> bool:
    """Whether the whole text is one of ``keywords`` (trimmed, case-insensitive)."""
    if not isinstance(keywords, list):
        return False
    said = text.strip().casefold()
    return bool(said) and any(
        isinstance(word, str) and word.strip().casefold() == said for word in keywords
    )


def apply_keywords(gateway: Gateway, message: InboundMessage) -> None:
    """STOP adds an ``inbound_stop`` suppression; START lifts it (never a manual one)."""
    if not message.sender:
        return
    account = suppression_account(gateway)
    if account is None:
        return
    if _keyword(message.text, gateway.stop_keywords):
        preferences.add_suppression(account, message.channel, message.sender, Reason.INBOUND_STOP)
    elif _keyword(message.text, gateway.start_keywords):
        preferences.remove_suppression(
            account, message.channel, message.sender, reason=Reason.INBOUND_STOP
        )


def _existing(gateway: Gateway, provider_id: str) -> InboundMessage | None:
    if not provider_id:
        return None
    return InboundMessage.objects.filter(gateway=gateway, provider_message_id=provider_id).first()


def store_message(gateway: Gateway, event: dict) -> tuple[InboundMessage | None, str]:
    """Store one message event; ``(message, "stored" | "duplicate")``.

    The same (gateway, provider id) again is a ``duplicate`` returning the first message:
    providers resend. Two concurrent deliveries of one id are settled by the unique
    constraint. An event with neither text nor media is ``(None, "ignored")``.
    """
    provider_id = _text(event, "id", 255)
    found = _existing(gateway, provider_id)
    if found is not None:
        return found, DUPLICATE
    message = InboundMessage(
        account=owner_of(gateway),
        gateway=gateway,
        channel=gateway.channel,
        sender=_text(event, "from", 254).strip(),
        recipient=_text(event, "to", 254).strip(),
        text=_text(event, "text"),
        media_url=_text(event, "media_url"),
        provider_message_id=provider_id,
    )
    if not message.text and not message.media_url:
        return None, IGNORED
    message.user = match_user(message.account, message.channel, message.sender)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            apply_keywords(gateway, message)
    except IntegrityError:
        return _existing(gateway, provider_id), DUPLICATE
    return message, STORED
