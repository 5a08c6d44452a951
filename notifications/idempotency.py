"""One idempotency key for a send on every channel, kept on the rows themselves.

The first row of a send carries the caller's key (the ``(account, idempotency_key)``
unique constraint makes a concurrent repeat fail its insert); the send's other rows carry
a key derived from it, so a repeat finds them all and answers the same without a table of
its own. What a send left out (``skipped``, ``suppressed``, ``invalid_addresses``) is
kept as an ``api`` event on the first row. A send that created no row has nothing to
repeat: its repeat is planned again and creates nothing either.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.utils.timezone import now

from accounts.models import Account
from smtplog.models import SmtpLog

if TYPE_CHECKING:
    from notifications.services import SendOutcome

SEND_EVENT = "send"


def sibling_prefix(key: str) -> str:
    """The key prefix of a send's rows after the first (bounded, whatever the key's length).

    It starts with a control character no API caller can send in a JSON string key
    without meaning to, so it cannot collide with a caller's own key by accident.
    """
    return "\x1f" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + ":"


def mark(rows: list[SmtpLog], key: str, outcome: SendOutcome) -> None:
    """Stamp unsaved ``rows`` (in answer order) with the send's key and what it left out."""
    if not rows:
        return
    rows[0].idempotency_key = key
    for index, row in enumerate(rows[1:], start=1):
        row.idempotency_key = f"{sibling_prefix(key)}{index:05d}"
    left_out = {
        "skipped": outcome.skipped,
        "suppressed": outcome.suppressed,
        "invalid_addresses": outcome.invalid_addresses,
    }
    event = {"at": now().isoformat(), "source": "api", "status": rows[0].status}
    rows[0].events = [
        *rows[0].events,
        {**event, "applied": True, "detail": SEND_EVENT, **left_out},
    ]


def previous_outcome(account: Account, key: str) -> SendOutcome | None:
    """The answer the first send with ``key`` gave, or None if there was none."""
    from notifications import dispatch
    from notifications.services import SendOutcome

    first = SmtpLog.objects.filter(account=account, idempotency_key=key).first()
    if first is None:
        return None
    siblings = SmtpLog.objects.filter(
        account=account, idempotency_key__startswith=sibling_prefix(key)
    ).order_by("idempotency_key")
    rows = [first, *siblings]
    sent = next((e for e in first.events if e.get("source") == "api"), None)
    return SendOutcome(
        status="queued",
        log_ids=[row.pk for row in rows],
        invalid_addresses=sent["invalid_addresses"] if sent else first.invalid_addresses,
        deliveries=[dispatch.delivery_entry(row) for row in rows],
        suppressed=sent["suppressed"] if sent else [],
        skipped=sent["skipped"] if sent else [],
    )
