"""The ``internal`` channel's transport: a delivery becomes a message in a user's inbox.

The internal channel needs no gateway and no network; its address (``delivery.to``) is the
recipient user's id. The row is read with ``getattr`` and defaults so the transport depends
only on the attributes named here, not on the outbox model:

- ``id``: the outbox row id (required; makes storing idempotent),
- ``to``: the user id,
- ``account_id`` (optional): the sending account; when set, the user must belong to it or
  to one of its descendants (a second fence behind audience selection: no tenant writes
  into another tenant's inboxes),
- ``subject``, ``template_id``: strings,
- ``body``: a dict by content type; ``text/plain`` is the text, ``text/html`` (optional)
  is sanitized before it is stored.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from config.ids import is_hex_id
from deliveries.transports import DeliveryError, SendResult
from inbox import services


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _recipient(delivery: Any) -> User:
    user_id = getattr(delivery, "to", None)
    user = None
    if is_hex_id(user_id):
        user = User.objects.select_related("account").filter(pk=user_id).first()
    if user is None:
        # The user was deleted after queueing (or never existed): retrying cannot help.
        raise DeliveryError(f"unknown user {user_id!r}", permanent=True)
    sender = getattr(delivery, "account_id", None)
    if sender and sender != user.account_id and sender not in user.account.ancestor_ids:
        raise DeliveryError(f"user {user_id} is outside account {sender}", permanent=True)
    return user


class InboxTransport:
    """Stores each delivery once in its recipient's inbox; the row ends ``delivered``."""

    name = "internal"

    def send(self, delivery: Any) -> SendResult:
        delivery_id = getattr(delivery, "id", None)
        if not delivery_id:
            raise DeliveryError("delivery has no id", permanent=True)
        user = _recipient(delivery)
        body = getattr(delivery, "body", None)
        body = body if isinstance(body, dict) else {}
        message = services.store(
            user,
            str(delivery_id),
            subject=_text(getattr(delivery, "subject", "")),
            text=_text(body.get("text/plain")),
            html=_text(body.get("text/html")),
            template_id=_text(getattr(delivery, "template_id", "")),
        )
        return SendResult(
            provider_message_id=message.id, status="delivered", receipt="stored in inbox"
        )

    def close(self) -> None:
        """Nothing to release: the database connection belongs to Django."""
