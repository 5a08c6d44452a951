"""The outbox loop: claim due rows under a lease, send each through its transport, and
record the outcome only while the claim is still held.

Exactly once per row (SPEC §6):

* **Claim = lease.** ``queued → sending`` is one conditional UPDATE that stamps a fresh
  ``claim_token`` and ``claimed_at`` (the lease start) on the rows it wins.
* **Renew before each message.** Before sending a row the worker makes sure the lease is
  fresh: once a quarter of ``DELIVERY_STALE_AFTER`` has passed since the last renewal it
  pushes ``claimed_at`` of every row its batch still holds (one statement) and skips a row
  it no longer holds (the sweep took it back, so another worker may own it). A lease
  renewed less than a quarter-lease ago cannot have been taken, so the statement is not
  repeated for every message of a fast batch.
* **Record only while held.** Every outcome is an UPDATE ``WHERE id = … AND claim_token =
  … AND status = 'sending'``: a worker that lost its lease cannot overwrite anything.
* **The sweep only takes expired leases** (``claimed_at`` older than
  ``DELIVERY_STALE_AFTER``). So only a process killed during the exchange itself can
  leave a row sent twice, and both copies carry the row's Message-ID.

A transport that cannot be reached at all trips its circuit breaker
(:mod:`deliveries.breaker`): the row goes back to ``queued`` with its attempt refunded, so
an outage of any length spends nothing and delivery resumes by itself.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.timezone import now

from config.ids import new_id
from deliveries import breaker, receipts, transports
from deliveries.transports import DeliveryError, SendResult
from smtplog.models import Failure, SmtpLog, Status

logger = logging.getLogger(__name__)

Row = SmtpLog  # the outbox row of every channel (one table, see the README's design notes)
CLAIM_ORDER = ("-priority", "created")
MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class Retry:
    log_id: str
    delay: float
    priority: int = 5
    released: bool = False  # given back unsent: its transport was unreachable


def backoff(attempts: int) -> float:
    """Delay before the next try after ``attempts`` failed ones: base·2ⁿ⁻¹, capped."""
    delay = settings.DELIVERY_RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, settings.DELIVERY_RETRY_CAP)


@contextmanager
def bookkeeping():
    """Connection set-up for status changes: commits do not wait for the WAL flush.

    On PostgreSQL every commit otherwise waits for an fsync (~2 ms) — per message, more
    than the SMTP exchange. If the *database server* crashes, status changes of its last
    fraction of a second are lost, so a few rows may be sent again; none is lost (rows are
    created with synchronous commits).
    """
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        if not getattr(raw, "_notify_async_commit", False):
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")
            raw._notify_async_commit = True
    yield


def due(moment) -> Q:
    """Rows waiting for a worker: queued, not held, and their time has come."""
    return Q(status=Status.QUEUED, held=False) & (
        Q(next_attempt__isnull=True) | Q(next_attempt__lte=moment)
    )


# ------------------------------------------------------------------------- claim and lease


def claim(log_ids: list[str] | None, limit: int = 0) -> list[SmtpLog]:
    """Atomically take due rows — those among ``log_ids``, or else up to ``limit`` in
    ``priority DESC, created ASC`` order — and return the rows won, in that order."""
    moment, token = now(), new_id()
    with bookkeeping(), transaction.atomic():
        if log_ids is None:
            rows = Row.objects.filter(due(moment)).order_by(*CLAIM_ORDER)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            log_ids = list(rows.values_list("pk", flat=True)[:limit])
        Row.objects.filter(due(moment), pk__in=log_ids).update(
            status=Status.SENDING, claimed_at=moment, claim_token=token, attempts=F("attempts") + 1
        )
        won = Row.objects.filter(claim_token=token, status=Status.SENDING)
        return list(won.order_by(*CLAIM_ORDER))


_RENEW = f"UPDATE {Row._meta.db_table} SET claimed_at = %s WHERE claim_token = %s AND status = %s"


def renew(row: SmtpLog, unsent: int) -> bool:
    """Extend the lease of the batch's unsent rows; whether ``row`` is still ours.

    One statement renews the whole batch; only when it touched fewer rows than the batch
    still holds does a second query ask about ``row`` itself.
    """
    with bookkeeping(), connection.cursor() as cursor:
        cursor.execute(_RENEW, [now(), row.claim_token, Status.SENDING])
        renewed = cursor.rowcount
    if renewed >= unsent:
        return True
    return Row.objects.filter(
        pk=row.pk, claim_token=row.claim_token, status=Status.SENDING
    ).exists()


def _held(row: SmtpLog):
    return Row.objects.filter(pk=row.pk, claim_token=row.claim_token, status=Status.SENDING)


def _record(row: SmtpLog, **fields) -> bool:
    """Write an outcome if ``row`` is still claimed by us; False (and a log line) if not."""
    with bookkeeping():
        updated = _held(row).update(**fields)
    if not updated:
        logger.warning("lease lost before recording", extra={"log_id": row.pk})
    return bool(updated)


# ------------------------------------------------------------------------------- sending


def send_claimed(row: SmtpLog, unsent: int = 1, *, fresh: bool = False) -> Retry | None:
    """Send one claimed row and record the outcome; a ``Retry`` if it should be tried later.

    ``fresh``: the caller claimed or renewed the lease less than a quarter-lease ago.
    """
    if not fresh and not renew(row, unsent):
        logger.warning("lease lost before sending; skipped", extra={"log_id": row.pk})
        return None
    name = transports.name_for(row)
    if breaker.is_open(name):
        return release(row, breaker.remaining(name))
    row._prepared_at_claim = row.prepared_document  # a transport may replace it (Freeside)
    try:
        transport = transports.get(name)
        result = transport.send(row)
    except transports.UnknownTransport as exc:
        return record_failure(row, DeliveryError(str(exc), permanent=True))
    except DeliveryError as exc:
        if exc.unreachable:
            return release(row, breaker.trip(name), str(exc))
        breaker.reset(name)
        return record_failure(row, exc)
    except Exception as exc:  # a transport bug must not stall the batch: retry later
        logger.exception("transport crashed", extra={"log_id": row.pk, "transport": name})
        return record_failure(row, DeliveryError(f"{type(exc).__name__}: {exc}"))
    breaker.reset(name)
    retry = record_success(row, result)
    # Receipts that overtook this answer, then the provider-id hook. record_success only
    # writes a row still 'sending', so it never regresses one a receipt already moved.
    receipts.recorded(row, result)
    return retry


_MARK_SENT = (
    f"UPDATE {Row._meta.db_table} SET status = %s, receipt = %s, error = '', "
    "provider_message_id = %s, finished_at = %s, sent_at = %s "
    "WHERE id = %s AND claim_token = %s AND status = %s"
)


# ------------------------------------------------------------- channel rows' attempt log


def keeps_events(row: SmtpLog) -> bool:
    """Rows other than relay email log every attempt in ``events`` (SPEC-channels §8);
    relay email keeps its one-statement fast path and the SMTP log's shape."""
    return row.channel != "email" or bool(row.gateway_id)


def attempt_fields(row: SmtpLog, status: str, detail: str = "") -> dict:
    """The columns a channel row's outcome adds: the attempt's event and, when the
    transport set a new ``prepared_document`` on the row (Freeside's prepare stage), that
    document, so a retry repeats only the stage that failed."""
    if not keeps_events(row):
        return {}
    event = {
        "at": now().isoformat(),
        "source": "worker",
        "status": status,
        "applied": True,
        "detail": detail,
    }
    fields: dict = {"events": [*(row.events or []), event]}
    document = getattr(row, "prepared_document", None)
    if document is not row.__dict__.get("_prepared_at_claim", document):
        fields["prepared_document"] = document
    return fields


def record_success(row: SmtpLog, result: SendResult) -> Retry | None:
    if result.refused or result.retry_recipients or row.body.get("retry_recipients"):
        return _record_partial(row, result)
    moment = now()
    if result.status == Status.DELIVERED or keeps_events(row):
        status = Status.DELIVERED if result.status == Status.DELIVERED else Status.SENT
        _record(
            row,
            status=status,
            receipt=result.receipt,
            error="",
            finished_at=moment,
            provider_message_id=result.provider_message_id or "",
            sent_at=moment,
            delivered_at=moment if status == Status.DELIVERED else None,
            **attempt_fields(row, status, result.detail),
        )
        return None
    # The one statement run for every email: plain SQL costs a fraction of the ORM's.
    with bookkeeping(), connection.cursor() as cursor:
        cursor.execute(
            _MARK_SENT,
            [
                Status.SENT,
                result.receipt,
                result.provider_message_id or "",
                moment,
                moment,
                row.pk,
                row.claim_token,
                Status.SENDING,
            ],
        )
        if not cursor.rowcount:
            logger.warning("lease lost before recording", extra={"log_id": row.pk})
    return None


def _record_partial(row: SmtpLog, result: SendResult) -> Retry | None:
    """Some recipients accepted it: report those refused for good, retry the deferred ones."""
    refused = [*row.invalid_addresses, *result.refused]
    body = {k: v for k, v in row.body.items() if k != "retry_recipients"}
    if not result.retry_recipients:
        _record(
            row,
            status=Status.SENT,
            receipt=result.receipt,
            error="",
            body=body,
            invalid_addresses=refused,
            finished_at=now(),
            sent_at=now(),
        )
        return None
    error = result.detail or "recipients deferred: " + ", ".join(result.retry_recipients)
    if row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        _record(
            row,
            status=Status.FAILED,
            receipt=result.receipt,
            error=error,
            body=body,
            invalid_addresses=refused,
            failure=Failure.TECHNICAL,
            finished_at=now(),
        )
        return None
    delay = backoff(row.attempts)
    body["retry_recipients"] = list(result.retry_recipients)
    _record(
        row,
        status=Status.QUEUED,
        receipt=result.receipt,
        error=error,
        body=body,
        invalid_addresses=refused,
        next_attempt=now() + timedelta(seconds=delay),
    )
    return Retry(row.pk, delay, row.priority)


def record_failure(row: SmtpLog, exc: DeliveryError) -> Retry | None:
    error = str(exc)
    if exc.permanent or row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        failure = Failure.PERMANENT if exc.permanent else Failure.TECHNICAL
        _record(
            row,
            status=Status.FAILED,
            error=error,
            error_code=exc.code or "",
            failure=failure,
            finished_at=now(),
            **attempt_fields(row, Status.FAILED, error),
        )
        logger.warning("delivery failed", extra={"log_id": row.pk, "error": error})
        return None
    delay = min(max(backoff(row.attempts), exc.retry_after or 0), MAX_RETRY_AFTER)
    _record(
        row,
        status=Status.QUEUED,
        error=error,
        error_code=exc.code or "",
        next_attempt=now() + timedelta(seconds=delay),
        **attempt_fields(row, Status.QUEUED, error),
    )
    return Retry(row.pk, delay, row.priority)


def release(row: SmtpLog, delay: float, error: str | None = None) -> Retry:
    """Give a claimed row back unsent, its attempt refunded (the far end was unreachable)."""
    fields = {"error": error, **attempt_fields(row, Status.QUEUED, error)} if error else {}
    _record(
        row,
        status=Status.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt=now() + timedelta(seconds=delay),
        **fields,
    )
    return Retry(row.pk, delay, row.priority, released=True)


# ---------------------------------------------------------------------------------- loop


def deliver_many(log_ids: list[str], drain_for: float | None = None) -> list[Retry]:
    """Send ``log_ids``, then keep draining due rows for up to ``drain_for`` seconds.

    A task usually carries one row (one per API send); draining other due rows in
    batches of ``DELIVERY_BATCH_SIZE`` makes the per-task overhead vanish under load.
    Retries of rows given back because their transport is unreachable are collapsed into
    one: a single later task (or the sweep) probes the transport again.
    """
    drain_for = settings.DELIVERY_DRAIN_SECONDS if drain_for is None else drain_for
    deadline = time.monotonic() + drain_for
    retries: dict[str, Retry] = {}
    rows = claim(list(log_ids)) if log_ids else []
    while True:
        leased_at = time.monotonic()
        for index, row in enumerate(rows):
            fresh = time.monotonic() - leased_at < settings.DELIVERY_STALE_AFTER / 4
            if not fresh:
                leased_at = time.monotonic()  # send_claimed renews the batch's lease
            retry = send_claimed(row, unsent=len(rows) - index, fresh=fresh)
            if retry is not None:
                retries[row.pk] = retry
        unreachable = any(retry.released for retry in retries.values())
        if unreachable or time.monotonic() >= deadline:
            return _collapse(retries)
        rows = claim(None, limit=settings.DELIVERY_BATCH_SIZE)
        if not rows:
            return _collapse(retries)


def _collapse(retries: dict[str, Retry]) -> list[Retry]:
    released = [retry for retry in retries.values() if retry.released]
    return [retry for retry in retries.values() if not retry.released] + released[:1]


def reclaim_stale() -> int:
    """Put rows whose lease expired (their worker died) back in the queue."""
    cutoff = now() - timedelta(seconds=settings.DELIVERY_STALE_AFTER)
    return Row.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.QUEUED, next_attempt=None, claim_token=""
    )


def due_rows(limit: int = 1000, older_than: float = 0) -> list[tuple[str, int]]:
    """``(id, priority)`` of due rows (optionally only those that waited ``older_than``)."""
    moment = now()
    queryset = Row.objects.filter(due(moment))
    if older_than:
        cutoff = moment - timedelta(seconds=older_than)
        queryset = queryset.filter(Q(next_attempt__isnull=False) | Q(created__lte=cutoff))
    return list(queryset.order_by(*CLAIM_ORDER).values_list("pk", "priority")[:limit])


def due_ids(limit: int = 1000, older_than: float = 0) -> list[str]:
    return [pk for pk, _ in due_rows(limit, older_than)]
