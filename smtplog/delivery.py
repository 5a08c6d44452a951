"""Claiming and sending queued SMTP log rows; the only caller of the transport.

A row is sent at most once per claim: ``queued → sending`` is a conditional UPDATE that
only one worker can win. Transient failures put the row back to ``queued`` with an
exponential back-off; permanent ones (5xx) and exhausted attempts mark it ``failed``.
Rows stuck in ``sending`` longer than ``DELIVERY_STALE_AFTER`` (their worker died) are
put back to ``queued`` by ``reclaim_stale``.
"""

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.timezone import now

from config.ids import new_id
from smtplog.models import SmtpLog, Status
from smtplog.transport import DeliveryError, Email, SmtpSettings, SmtpTransport

logger = logging.getLogger(__name__)
_local = threading.local()


@dataclass(frozen=True)
class Retry:
    log_id: str
    delay: float


def smtp_settings() -> SmtpSettings:
    return SmtpSettings(
        host=settings.EMAIL_HOST,
        port=settings.EMAIL_PORT,
        username=settings.EMAIL_HOST_USER or None,
        password=settings.EMAIL_HOST_PASSWORD or None,
        use_tls=settings.EMAIL_USE_TLS,
        use_ssl=settings.EMAIL_USE_SSL,
        timeout=settings.EMAIL_TIMEOUT,
    )


def transport() -> SmtpTransport:
    """This thread's SMTP connection, kept open between messages; rebuilt if settings change."""
    wanted = smtp_settings()
    current = getattr(_local, "transport", None)
    if current is None or _local.settings != wanted:
        if current is not None:
            current.close()
        _local.transport, _local.settings = SmtpTransport(wanted), wanted
    return _local.transport


def backoff(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failed ones: base·2ⁿ⁻¹, capped."""
    delay = settings.DELIVERY_RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, settings.DELIVERY_RETRY_CAP)


@contextmanager
def bookkeeping():
    """Connection set-up for delivery status changes: commits do not wait for the WAL flush.

    On PostgreSQL every commit otherwise waits for an fsync (~2 ms here) — per email, more
    than the SMTP exchange itself. ``synchronous_commit=off`` is set once per connection;
    only background (delivery) code paths come through here. The trade-off: if the
    *database server* crashes, status changes of its last fraction of a second are lost,
    so a few rows may be sent again after the crash. No row is lost: rows are created by
    the API with normal, synchronous commits, and a broadcast's rows are written in the
    same transaction as its fan-out cursor, so they are lost and re-written together.
    """
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        if not getattr(raw, "_notify_async_commit", False):
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
            raw._notify_async_commit = True
    yield


def _due(moment) -> Q:
    return Q(status=Status.QUEUED) & (Q(next_attempt__isnull=True) | Q(next_attempt__lte=moment))


def claim(log_ids: list[str] | None, limit: int = 0) -> list[SmtpLog]:
    """Atomically take due, queued rows — those among ``log_ids``, or else up to ``limit``
    of the oldest — and return the rows won.

    One conditional UPDATE marks them with a fresh claim token, one SELECT reads them
    back: a fixed number of queries per batch, and no row is ever won twice.
    """
    moment, token = now(), new_id()
    with bookkeeping(), transaction.atomic():
        if log_ids is None:
            due = SmtpLog.objects.filter(_due(moment)).order_by("created")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            log_ids = list(due.values_list("pk", flat=True)[:limit])
        SmtpLog.objects.filter(_due(moment), pk__in=log_ids).update(
            status=Status.SENDING, claimed_at=moment, claim_token=token, attempts=F("attempts") + 1
        )
        return list(SmtpLog.objects.filter(claim_token=token, status=Status.SENDING))


def as_email(row: SmtpLog) -> Email:
    emails = row.emails
    return Email(
        from_addr=emails["from"],
        to=list(emails.get("to", [])),
        cc=list(emails.get("cc", [])),
        bcc=list(emails.get("bcc", [])),
        reply_to=emails.get("reply_to"),
        subject=row.subject,
        text=row.rendered_templates.get("text/plain"),
        html=row.rendered_templates.get("text/html"),
        message_id=row.message_id or None,
        headers=row.headers,
    )


def send_claimed(row: SmtpLog) -> Retry | None:
    """Send one claimed row and record the outcome; a ``Retry`` if it should be tried later."""
    try:
        result = transport().send(as_email(row))
    except DeliveryError as exc:
        return _record_failure(row, exc)
    with bookkeeping():
        if result.refused:
            refused = [
                {"address": a, "code": c, "reason": r} for a, (c, r) in result.refused.items()
            ]
            SmtpLog.objects.filter(pk=row.pk).update(
                invalid_addresses=[*row.invalid_addresses, *refused]
            )
        _mark_sent(row.pk, result.receipt)
    return None


_MARK_SENT = (
    f"UPDATE {SmtpLog._meta.db_table} SET status = %s, receipt = %s, error = '', "
    "finished_at = %s WHERE id = %s"
)


def _mark_sent(log_id: str, receipt: str) -> None:
    # The one statement run for every email: plain SQL costs a fraction of the ORM's
    # query compilation, which showed up in delivery profiles.
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SENT, [Status.SENT, receipt, now(), log_id])


def _record_failure(row: SmtpLog, exc: DeliveryError) -> Retry | None:
    error = str(exc)
    if exc.permanent or row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        with bookkeeping():
            SmtpLog.objects.filter(pk=row.pk).update(
                status=Status.FAILED, error=error, finished_at=now()
            )
        logger.warning("delivery failed", extra={"log_id": row.pk, "error": error})
        return None
    delay = backoff(row.attempts)
    with bookkeeping():
        SmtpLog.objects.filter(pk=row.pk).update(
            status=Status.QUEUED, error=error, next_attempt=now() + timedelta(seconds=delay)
        )
    return Retry(row.pk, delay)


def deliver_many(log_ids: list[str], drain_for: float | None = None) -> list[Retry]:
    """Send ``log_ids`` over this thread's connection, then keep draining the queue.

    A task usually carries a single row (one per API send); draining other due rows for up
    to ``drain_for`` seconds (``DELIVERY_DRAIN_SECONDS``) in batches of
    ``DELIVERY_BATCH_SIZE`` makes the per-task overhead vanish under load. The tasks of
    rows taken this way find nothing left to do.
    """
    drain_for = settings.DELIVERY_DRAIN_SECONDS if drain_for is None else drain_for
    deadline = time.monotonic() + drain_for
    retries = []
    rows = claim(list(log_ids)) if log_ids else []
    while True:
        for row in rows:
            retry = send_claimed(row)
            if retry is not None:
                retries.append(retry)
        if time.monotonic() >= deadline:
            return retries
        rows = claim(None, limit=settings.DELIVERY_BATCH_SIZE)
        if not rows:
            return retries


def reclaim_stale() -> int:
    """Put rows whose worker vanished mid-send back in the queue."""
    cutoff = now() - timedelta(seconds=settings.DELIVERY_STALE_AFTER)
    return SmtpLog.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.QUEUED, next_attempt=None
    )


def due_ids(limit: int = 1000, older_than: float = 0) -> list[str]:
    """Queued rows whose time has come (and, optionally, that have waited ``older_than``)."""
    moment = now()
    queryset = SmtpLog.objects.filter(_due(moment))
    if older_than:
        cutoff = moment - timedelta(seconds=older_than)
        queryset = queryset.filter(Q(next_attempt__isnull=False) | Q(created__lte=cutoff))
    return list(queryset.order_by("created").values_list("pk", flat=True)[:limit])
