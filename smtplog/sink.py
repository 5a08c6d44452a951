"""A development and test SMTP sink built on aiosmtpd.

Keeps every received message in memory (and optionally as ``.eml`` files),
answers DATA like a real MTA (``250 2.0.0 Ok: queued as 3F2A9C01B7E4``) and can
inject faults: temporary/permanent DATA failures, refused recipients, and the
server being down (``stop()`` then ``start()`` on the same port).

Run it in the foreground with ``python -m smtplog.sink --port 1025 --maildir var/mail``.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import os
import secrets
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    queue_id: str
    received_at: float = field(default_factory=time.time)

    @property
    def message(self) -> EmailMessage:
        """The data parsed with the modern email policy (a new object on each access)."""
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class _Handler:
    """aiosmtpd hooks; they run on the controller's event-loop thread."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        stall = self.sink._take_stall()
        if stall:
            await asyncio.sleep(stall)
        refusal = self.sink._refusal(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.data_delay:
            await asyncio.sleep(self.sink.data_delay)
        return self.sink._accept(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)


class MailSink:
    """An SMTP server on ``host``:``port`` that keeps what it receives.

    ``port`` 0/None picks a free port once; later restarts reuse it.
    """

    def __init__(
        self, port: int | None = 0, *, host: str = "127.0.0.1", maildir: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.maildir = Path(maildir) if maildir is not None else None
        self._cond = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._fail: list[str] = []  # replies for the next DATA commands
        self._refused: dict[str, str] = {}  # lower-cased address -> reply
        self._stalls: list[float] = []  # seconds to hang in the next RCPT commands
        self._greylist: dict[str, list[str]] = {}  # lower-cased address -> next replies
        self.data_delay = 0.0  # seconds every DATA answer takes (a slow relay)
        self._counter = itertools.count(1)
        self._controller: Controller | None = None

    # ------------------------------------------------------------- lifecycle

    def start(self) -> MailSink:
        if self._controller is None:
            if self.maildir is not None:
                self.maildir.mkdir(parents=True, exist_ok=True)
            controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, server_hostname="sink.local"
            )
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening and drop every open connection (clients see a disconnect)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -------------------------------------------------------------- messages

    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot of the messages received so far, oldest first."""
        with self._cond:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least ``count`` messages arrived; TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} messages after {timeout}s")
            return list(self._messages)

    def clear(self) -> None:
        """Forget received messages and pending faults."""
        with self._cond:
            self._messages.clear()
            self._fail.clear()
            self._refused.clear()
            self._stalls.clear()
            self._greylist.clear()
            self.data_delay = 0.0

    # -------------------------------------------------------- fault injection

    def fail_next(
        self, n: int = 1, code: int = 451, message: str = "4.3.0 Try again later"
    ) -> None:
        """Answer the next ``n`` DATA commands (after the body) with ``code message``."""
        with self._cond:
            self._fail.extend([f"{code} {message}"] * n)

    def reject_recipient(
        self, address: str, code: int = 550, message: str = "5.1.1 Recipient address rejected"
    ) -> None:
        """Refuse ``RCPT TO`` for ``address`` (case-insensitive) until :meth:`clear`."""
        with self._cond:
            self._refused[address.lower()] = f"{code} {message}"

    def greylist(
        self, address: str, times: int = 1, code: int = 451, message: str = "4.7.1 Greylisted"
    ) -> None:
        """Refuse ``RCPT TO`` for ``address`` with ``code`` the next ``times`` times only."""
        with self._cond:
            self._greylist[address.lower()] = [f"{code} {message}"] * times

    def stall_next_rcpt(self, seconds: float, n: int = 1) -> None:
        """Hang for ``seconds`` before answering the next ``n`` RCPT commands.

        A client killed while it waits has not sent DATA, so nothing was delivered —
        the situation of a worker dying mid-send.
        """
        with self._cond:
            self._stalls.extend([seconds] * n)

    # ------------------------------------------------------------- internals

    def _take_stall(self) -> float:
        with self._cond:
            return self._stalls.pop(0) if self._stalls else 0.0

    def _refusal(self, address: str) -> str | None:
        with self._cond:
            pending = self._greylist.get(address.lower())
            if pending:
                return pending.pop(0)
            return self._refused.get(address.lower())

    def _accept(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> str:
        with self._cond:
            if self._fail:
                return self._fail.pop(0)
            queue_id = secrets.token_hex(6).upper()
            received = ReceivedMessage(mail_from, rcpt_tos, data, queue_id)
            if self.maildir is not None:
                self._write(received, next(self._counter))
            self._messages.append(received)
            self._cond.notify_all()
        return f"250 2.0.0 Ok: queued as {queue_id}"

    def _write(self, received: ReceivedMessage, n: int) -> None:
        """Write ``<timestamp>-<n>.eml`` atomically, envelope first as trace headers."""
        assert self.maildir is not None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(received.received_at))
        path = self.maildir / f"{stamp}-{n}.eml"
        trace = (
            f"Return-Path: <{received.mail_from}>\r\n"
            f"X-Envelope-To: {', '.join(received.rcpt_tos)}\r\n"
            f"X-Queue-ID: {received.queue_id}\r\n"
        ).encode("utf-8", "replace")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(trace + received.data)
        os.replace(tmp, path)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m smtplog.sink", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025, help="0 picks a free port")
    parser.add_argument("--maildir", type=Path, help="also write each message there as .eml")
    args = parser.parse_args(argv)

    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    with MailSink(args.port, host=args.host, maildir=args.maildir) as sink:
        where = f", writing to {args.maildir}" if args.maildir else ""
        print(f"smtplog.sink listening on {sink.host}:{sink.port}{where}", flush=True)
        while not done.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
