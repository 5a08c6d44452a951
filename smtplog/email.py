"""Email as a channel: composing queued email rows and the outbox's ``email`` transport.

``new_email`` is how notifications (sends, previews, broadcasts) put an email in the
outbox: it builds the row — addresses, Message-ID, List-Unsubscribe — without knowing
anything about templates. ``EmailTransport`` sends a claimed row through the ``EMAIL_*``
relay over a connection kept open per thread.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.timezone import now

from deliveries.transports import SendResult
from smtplog.addresses import ascii_address
from smtplog.models import SmtpLog, Status
from smtplog.transport import Email, SmtpSettings, SmtpTransport


def _domain(address: str) -> str:
    # ASCII (IDNA) as delivery writes it; bounded so "<32-hex-id@domain>" fits the column.
    return ascii_address(address).rpartition("@")[2][:200] or "localhost"


def new_email(
    account: Any,
    template_id: str,
    *,
    from_addr: str,
    to: list[str],
    cc: list[str] = (),
    bcc: list[str] = (),
    reply_to: str | None = None,
    subject: str,
    bodies: dict[str, str],
    macros: dict,
    invalid: list[str] = (),
    **extra: Any,
) -> SmtpLog:
    """An unsaved queued email row holding exactly what will be sent.

    With no valid recipient the row is created ``failed`` at once, so the log shows it.
    """
    emails = {"from": from_addr, "to": list(to), "cc": list(cc), "bcc": list(bcc)}
    if reply_to:
        emails["reply_to"] = reply_to
    row = SmtpLog(
        account=account,
        template_id=template_id,
        channel="email",
        subject=subject,
        rendered_templates=bodies,
        emails=emails,
        recipients=" ".join([*to, *cc, *bcc]),
        macros=macros,
        invalid_addresses=list(invalid),
        created=now(),
        **extra,
    )
    row.message_id = f"<{row.id}@{_domain(from_addr)}>"
    unsubscribe = ascii_address(from_addr)
    row.headers = {"List-Unsubscribe": f"<mailto:{unsubscribe}?subject=unsubscribe>"}
    if not (to or cc or bcc):
        row.status, row.error, row.finished_at = Status.FAILED, "no valid recipients", row.created
    return row


def queue_emails(rows: list[SmtpLog]) -> None:
    """Save new email rows and hand the queued ones to the workers once the caller commits."""
    from deliveries.rows import queue_rows

    queue_rows(rows)


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


def as_email(row: SmtpLog) -> Email:
    """The row as a message; a retry of deferred recipients goes to them alone.

    The headers still name every recipient: it is the same message, completed.
    """
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
        envelope_to=list(row.body.get("retry_recipients") or ()) or None,
    )


class EmailTransport:
    """The ``email`` transport: the ``EMAIL_*`` relay, one kept-open connection per thread."""

    name = "email"

    def __init__(self) -> None:
        self._settings: SmtpSettings | None = None
        self._smtp: SmtpTransport | None = None

    def send(self, delivery: SmtpLog) -> SendResult:
        return as_send_result(self._connection().send(as_email(delivery)))

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _connection(self) -> SmtpTransport:
        """The kept connection, rebuilt if the ``EMAIL_*`` settings changed."""
        wanted = smtp_settings()
        if self._smtp is None or self._settings != wanted:
            self.close()
            self._smtp, self._settings = SmtpTransport(wanted), wanted
        return self._smtp


def send_row(relay: SmtpTransport, delivery: SmtpLog) -> SendResult:
    """Send an email row through ``relay`` (the ``EMAIL_*`` one or an smtp gateway's)."""
    return as_send_result(relay.send(as_email(delivery)))


def as_send_result(result: Any) -> SendResult:
    """The relay's answer in the transport contract: 4xx-refused recipients are retried
    alone on the next attempt, 5xx-refused ones reported on the row."""
    deferred = {a: r for a, r in result.refused.items() if not 500 <= r[0] < 600}
    refused = tuple(
        {"address": a, "code": code, "reason": reason}
        for a, (code, reason) in result.refused.items()
        if a not in deferred
    )
    detail = "; ".join(f"{a}: {code} {' '.join(r.split())}" for a, (code, r) in deferred.items())
    return SendResult(
        receipt=result.receipt,
        retry_recipients=tuple(deferred),
        refused=refused,
        detail=f"recipients deferred: {detail}" if detail else "",
    )
