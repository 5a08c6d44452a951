"""Claiming and sending queued SMTP log rows; the only caller of the transport.

A row is sent at most once per claim: ``queued → sending`` is a conditional UPDATE that
only one worker can win. Transient failures put the row back to ``queued`` with an
exponential back-off; permanent ones (5xx) and exhausted attempts mark it ``failed``.
Rows stuck in ``sending`` longer than ``DELIVERY_STALE_AFTER`` (their worker died) are
put back to ``queued`` by ``reclaim_stale``.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
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


def claim(log_ids: list[str]) -> list[SmtpLog]:
    """Atomically take the due, queued rows among ``log_ids``; returns the rows won.

    One conditional UPDATE marks them with a fresh claim token, one SELECT reads them
    back: two queries per batch, whatever its size, and no row is ever won twice.
    """
    moment, token = now(), new_id()
    SmtpLog.objects.filter(pk__in=log_ids, status=Status.QUEUED).filter(
        Q(next_attempt__isnull=True) | Q(next_attempt__lte=moment)
    ).update(
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
    update = {"status": Status.SENT, "receipt": result.receipt, "error": "", "finished_at": now()}
    if result.refused:
        refused = [{"address": a, "code": c, "reason": r} for a, (c, r) in result.refused.items()]
        update["invalid_addresses"] = [*row.invalid_addresses, *refused]
    SmtpLog.objects.filter(pk=row.pk).update(**update)
    return None


def _record_failure(row: SmtpLog, exc: DeliveryError) -> Retry | None:
    error = str(exc)
    if exc.permanent or row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        SmtpLog.objects.filter(pk=row.pk).update(
            status=Status.FAILED, error=error, finished_at=now()
        )
        logger.warning("delivery failed", extra={"log_id": row.pk, "error": error})
        return None
    delay = backoff(row.attempts)
    SmtpLog.objects.filter(pk=row.pk).update(
        status=Status.QUEUED, error=error, next_attempt=now() + timedelta(seconds=delay)
    )
    return Retry(row.pk, delay)


def deliver_many(log_ids: list[str]) -> list[Retry]:
    """Claim and send a batch of rows over this thread's connection."""
    retries = []
    for row in claim(list(log_ids)):
        retry = send_claimed(row)
        if retry is not None:
            retries.append(retry)
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
    queryset = SmtpLog.objects.filter(status=Status.QUEUED).filter(
        Q(next_attempt__isnull=True) | Q(next_attempt__lte=moment)
    )
    if older_than:
        cutoff = moment - timedelta(seconds=older_than)
        queryset = queryset.filter(Q(next_attempt__isnull=False) | Q(created__lte=cutoff))
    return list(queryset.order_by("created").values_list("pk", flat=True)[:limit])
