"""Putting messages in inboxes the way the outbox does: through the ``internal`` transport."""

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from config.ids import new_id
from inbox.models import InboxMessage
from inbox.transport import InboxTransport


def delivery(user_id: str, subject: str = "Hello", **fields) -> SimpleNamespace:
    """An outbox row as the transport sees it (only the attributes it reads)."""
    row = {
        "id": new_id(),
        "account_id": None,
        "channel": "internal",
        "to": user_id,
        "subject": subject,
        "body": {"text/plain": f"{subject} (text)"},
        "template_id": "customer_update",
        "priority": 0,
    }
    return SimpleNamespace(**{**row, **fields})


def deliver(user, subject: str = "Hello", **fields) -> InboxMessage:
    fields.setdefault("account_id", user.account_id)
    result = InboxTransport().send(delivery(user.id, subject, **fields))
    return InboxMessage.objects.get(pk=result.provider_message_id)


def deliver_many(user, count: int) -> list[InboxMessage]:
    """``count`` messages one minute apart, oldest first (subjects "m0", "m1", …)."""
    start = timezone.now() - timedelta(hours=1)
    messages = []
    for index in range(count):
        message = deliver(user, f"m{index}")
        message.created_at = start + timedelta(minutes=index)
        message.save(update_fields=["created_at"])
        messages.append(message)
    return messages
