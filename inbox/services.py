"""Inbox business logic: storing delivered messages and marking them read.

Plain functions, callable from the transport, the API, the shell or a test.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from inbox.models import InboxMessage
from notifications.sanitizing import sanitize_html


def store(
    user: User,
    delivery_id: str,
    *,
    subject: str = "",
    text: str = "",
    html: str = "",
    template_id: str = "",
) -> InboxMessage:
    """The message for ``delivery_id``, created on first call and found on every later one.

    A retry after a crash (the message stored, the outcome not yet recorded) must not show
    the user the same notification twice; ``get_or_create`` also absorbs a concurrent insert.
    """
    message, _ = InboxMessage.objects.get_or_create(
        delivery_id=delivery_id,
        defaults={
            "account_id": user.account_id,
            "user": user,
            "template_id": template_id,
            "subject": subject,
            "text": text,
            "html": sanitize_html(html),
        },
    )
    return message


def messages_of(user: User, *, unread_only: bool = False) -> QuerySet[InboxMessage]:
    queryset = InboxMessage.objects.filter(user=user)
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def unread_count(user: User) -> int:
    return messages_of(user, unread_only=True).count()


def mark(message: InboxMessage, read: bool) -> InboxMessage:
    """Set one message read or unread; marking a read message read keeps its first read_at."""
    if read and message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    elif not read and message.read_at is not None:
        message.read_at = None
        message.save(update_fields=["read_at"])
    return message


def mark_all_read(user: User) -> int:
    """Mark every unread message of ``user`` read in one UPDATE; returns how many changed."""
    return messages_of(user, unread_only=True).update(read_at=timezone.now())
