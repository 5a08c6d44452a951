"""Relay messages over a reusable SMTP connection; the only module importing smtplib.

It imports nothing from Django (only the transport contract's error): callers pass an
:class:`SmtpSettings`. Messages are built
by :mod:`smtplog.message`. The server's final reply to DATA is the receipt; failures are
:class:`DeliveryError` classified as transient (retry) or permanent (5xx).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field

from deliveries.transports import DeliveryError as BaseDeliveryError
from smtplog.message import (
    Email,
    InvalidAddress,
    build_message,
    envelope_recipients,
    parse_address,
    render_message,
)

__all__ = [
    "DeliveryError",
    "Email",
    "InvalidAddress",
    "SendResult",
    "SmtpSettings",
    "SmtpTransport",
    "build_message",
]


class DeliveryError(BaseDeliveryError):
    """A failed delivery; ``permanent`` means retrying the same message is pointless.

    Permanent: 5xx replies and messages we refuse to build (invalid addresses).
    Transient: everything else (refused/reset connections, timeouts, DNS,
    disconnections, 4xx replies). ``unreachable``: no SMTP session could be opened at all
    (connection refused, DNS, TLS, connect timeout) — the outbox's circuit breaker case.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        smtp_code: int | None = None,
        refused: dict[str, tuple[int, str]] | None = None,
        unreachable: bool = False,
    ) -> None:
        code = str(smtp_code) if smtp_code else None
        super().__init__(message, permanent=permanent, code=code, unreachable=unreachable)
        self.smtp_code = smtp_code
        self.refused = refused or {}


@dataclass(frozen=True)
class SendResult:
    receipt: str  # final DATA reply without its code, e.g. "2.0.0 Ok: queued as B60E22044B"
    refused: dict[str, tuple[int, str]]  # recipients refused while others were accepted
    message_id: str


@dataclass
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float | None = 10.0
    local_hostname: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


# ------------------------------------------------------------------- transport


def _reply_error(stage: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = " ".join(text.split())
    return DeliveryError(f"{stage}: {code} {text}", permanent=500 <= code < 600, smtp_code=code)


def _all_refused(refused: dict[str, tuple[int, str]]) -> DeliveryError:
    temporary = [code for code, _ in refused.values() if not 500 <= code < 600]
    detail = "; ".join(f"{addr}: {code} {text}" for addr, (code, text) in refused.items())
    code = temporary[0] if temporary else next(iter(refused.values()))[0]
    return DeliveryError(
        f"all recipients refused: {detail}",
        permanent=not temporary,
        smtp_code=code,
        refused=refused,
    )


class SmtpTransport:
    """One lazily opened SMTP connection reused across :meth:`send` calls.

    Not thread-safe: use one transport per thread/worker.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, email: Email) -> SendResult:
        """Relay ``email`` to every To/Cc/Bcc address; raises :class:`DeliveryError`.

        A timeout after the message body was sent is reported as transient even
        though the server may have accepted the message: SMTP cannot tell.
        """
        try:
            data, message_id = render_message(email)
            sender = parse_address(email.from_addr)[1]
            recipients = envelope_recipients(email)
        except ValueError as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        if not recipients:
            raise DeliveryError("no recipients", permanent=True)
        try:
            return self._transaction(sender, recipients, data, message_id)
        except DeliveryError as err:  # an SMTP reply: the session itself is fine
            self._reset(closing=err.smtp_code == 421)
            raise
        except smtplib.SMTPResponseException as exc:
            self._reset(closing=exc.smtp_code == 421)
            raise _reply_error("SMTP", exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        except BaseException:
            self._drop()
            raise

    def verify(self) -> None:
        """Connect, EHLO, STARTTLS and login as configured, then QUIT: a connection check.

        Raises :class:`DeliveryError` (permanent for 5xx replies such as a refused login).
        """
        self._drop()
        try:
            self._smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise _reply_error("SMTP", exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        self.close()

    def close(self) -> None:
        """QUIT politely, ignoring any error."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                smtp.close()

    def _transaction(
        self, sender: str, recipients: list[str], data: bytes, message_id: str
    ) -> SendResult:
        smtp = self._start(sender, len(data))
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in recipients:
            code, reply = smtp.rcpt(rcpt)
            if code == 421:
                raise _reply_error(f"RCPT TO <{rcpt}>", code, reply)
            if code not in (250, 251):
                refused[rcpt] = (code, reply.decode("utf-8", "replace"))
        if len(refused) == len(recipients):
            raise _all_refused(refused)
        code, reply = smtp.data(data)  # SMTPDataError if DATA itself is refused
        if code != 250:
            raise _reply_error("DATA", code, reply)
        receipt = reply.decode("utf-8", "replace").replace("\r", "").replace("\n", " ")
        return SendResult(receipt=receipt, refused=refused, message_id=message_id)

    def _start(self, sender: str, size: int) -> smtplib.SMTP:
        """MAIL FROM, reconnecting once if the kept connection died while idle.

        Only this first command is retried: nothing of the message was sent yet,
        so the retry can never deliver twice.
        """
        smtp = self._smtp
        if smtp is not None and smtp.sock is not None:
            try:
                code, reply = smtp.mail(sender, self._mail_options(smtp, size))
                if code != 421:
                    return self._check_mail(smtp, sender, code, reply)
            except smtplib.SMTPServerDisconnected:
                pass
        self._drop()
        smtp = self._smtp = self._open()
        code, reply = smtp.mail(sender, self._mail_options(smtp, size))
        return self._check_mail(smtp, sender, code, reply)

    @staticmethod
    def _check_mail(smtp: smtplib.SMTP, sender: str, code: int, reply: bytes) -> smtplib.SMTP:
        if code != 250:
            raise _reply_error(f"MAIL FROM <{sender}>", code, reply)
        return smtp

    @staticmethod
    def _mail_options(smtp: smtplib.SMTP, size: int) -> list[str]:
        return [f"SIZE={size}"] if smtp.does_esmtp and smtp.has_extn("size") else []

    def _open(self) -> smtplib.SMTP:
        """A new session; a relay that cannot be reached at all is ``unreachable``."""
        try:
            return self._connect()
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError) as exc:
            detail = f"{type(exc).__name__}: {exc}"
            raise DeliveryError(detail, permanent=False, unreachable=True) from exc

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = s.ssl_context
        if context is None and (s.use_ssl or s.use_tls):
            context = ssl.create_default_context()
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                local_hostname=s.local_hostname, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(local_hostname=s.local_hostname, timeout=s.timeout)
        try:
            smtp.connect(s.host, s.port)
            smtp.ehlo_or_helo_if_needed()
            if s.use_tls and not s.use_ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _reset(self, *, closing: bool) -> None:
        """End a failed transaction: RSET, or drop the connection if that fails."""
        if closing or self._smtp is None:
            self._drop()
            return
        try:
            if self._smtp.rset()[0] == 250:
                return
        except (smtplib.SMTPException, OSError):
            pass
        self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()
