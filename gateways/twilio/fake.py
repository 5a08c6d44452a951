"""A local fake of the Twilio Messages API, for tests and demos (never for production).

It listens on 127.0.0.1 (stdlib ``http.server`` in a thread), checks Basic auth
``account_sid:auth_token`` like Twilio (401 + error JSON otherwise), answers
``Messages.json`` with a Twilio-shaped message (``SM…``, ``queued``) and
``Accounts/{sid}.json`` with an active account, records every request, and then plays
Twilio's part in the callbacks: it POSTs signed ``sent`` then ``delivered`` (or
``undelivered`` with an ``ErrorCode``) to the message's ``StatusCallback``. It can also POST
a signed inbound message to any URL.

    with FakeTwilio() as twilio:          # twilio.base_url, .account_sid, .auth_token
        twilio.reject("+15005550001", 21211)
        twilio.undeliver("+15005550002", error_code="30003")

Standalone: ``python -m gateways.twilio.fake --port 8499``.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .signature import SIGNATURE_HEADER, signature

API_PREFIX = "/2010-04-01/Accounts/"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
SERVICE_NUMBER = "+15005550006"  # the number a messaging service "picks" in callbacks


def new_sid(prefix: str) -> str:
    """A Twilio-looking id: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    """Twilio's REST error body."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def post_form(url: str, form: list[tuple[str, str]], headers: dict[str, str]) -> tuple[int, bytes]:
    """POST a form and return (status, body); HTTP errors are answers, not exceptions."""
    data = urlencode(form).encode("ascii")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_signed(url: str, form: list[tuple[str, str]], auth_token: str) -> tuple[int, bytes]:
    """POST a form the way Twilio does: with ``X-Twilio-Signature`` over URL + params."""
    params: dict[str, list[str]] = {}
    for name, value in form:
        params.setdefault(name, []).append(value)
    headers = {
        SIGNATURE_HEADER: signature(url, params, auth_token),
        "User-Agent": "TwilioProxy/1.1",
    }
    return post_form(url, form, headers)


@dataclass
class RecordedRequest:
    """One request the fake API received."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]
    authorized: bool


@dataclass
class Callback:
    """One webhook the fake posted, with the receiver's answer (``status`` 0: unreachable)."""

    url: str
    form: list[tuple[str, str]]
    status: int
    body: bytes = b""


@dataclass
class _Rule:
    code: int
    http_status: int
    message: str
    retry_after: str | None
    times: int | None


@dataclass
class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 running in a daemon thread."""

    handler: type[BaseHTTPRequestHandler]
    owner: Any
    host: str = "127.0.0.1"
    port: int = 0
    httpd: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    def start(self) -> str:
        self.httpd = ThreadingHTTPServer((self.host, self.port), self.handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self.owner  # type: ignore[attr-defined]
        # A short poll interval keeps shutdown (and so test teardown) fast.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: read the form, answer JSON, stay quiet."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def owner(self) -> Any:
        return self.server.owner  # type: ignore[attr-defined]

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode("utf-8") if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _TwilioHandler(_Handler):
    def do_GET(self) -> None:
        self.owner.handle(self, "GET", b"")

    def do_POST(self) -> None:
        self.owner.handle(self, "POST", self.read_body())


@dataclass
class FakeTwilio:
    """The fake API. ``callbacks=False`` stops status callbacks; ``callback_delay`` spaces them."""

    account_sid: str = field(default_factory=lambda: new_sid("AC"))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    port: int = 0
    callbacks: bool = True
    callback_delay: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    posted: list[Callback] = field(default_factory=list)
    base_url: str = ""

    def __post_init__(self) -> None:
        self._rules: dict[str, _Rule] = {}
        self._undeliverable: dict[str, tuple[str, str]] = {}
        self._lock = threading.Condition()
        self._server = _Server(_TwilioHandler, self, port=self.port)
        self._threads: list[threading.Thread] = []

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self.base_url = self._server.start()
        return self

    def stop(self) -> None:
        for thread in self._threads:
            thread.join(timeout=5)
        self._server.stop()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A vendor config pointing at this fake (``from`` by default)."""
        return {
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "from": "+15005550006",
            "base_url": self.base_url,
            **overrides,
        }

    # -- scripting --------------------------------------------------------------------

    def reject(
        self,
        to: str,
        code: int,
        *,
        http_status: int = 400,
        message: str | None = None,
        retry_after: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer sends to ``to`` with Twilio error ``code`` (``times`` answers, else always)."""
        text = message or f"Scripted error {code} for {to}"
        self._rules[to] = _Rule(code, http_status, text, retry_after, times)

    def undeliver(self, to: str, error_code: str = "30003", status: str = "undelivered") -> None:
        """Accept sends to ``to``, then call back ``sent`` and ``status`` with ``ErrorCode``."""
        self._undeliverable[to] = (status, error_code)

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[Callback]:
        """Block until ``count`` callbacks were posted (or the timeout); return them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.posted) < count and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self.posted)

    def send_inbound(
        self,
        url: str,
        *,
        from_: str,
        to: str,
        body: str,
        media_urls: tuple[str, ...] = (),
        auth_token: str | None = None,
    ) -> tuple[int, bytes]:
        """POST a signed inbound SMS/MMS webhook to ``url``, as Twilio would."""
        sid = new_sid("MM" if media_urls else "SM")
        form = [
            ("ToCountry", "US"),
            ("SmsMessageSid", sid),
            ("NumMedia", str(len(media_urls))),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("Body", body),
            ("To", to),
            ("NumSegments", "1"),
            ("MessageSid", sid),
            ("AccountSid", self.account_sid),
            ("From", from_),
            ("ApiVersion", "2010-04-01"),
        ]
        for index, media in enumerate(media_urls):
            form += [(f"MediaUrl{index}", media), (f"MediaContentType{index}", "image/png")]
        return post_signed(url, form, auth_token or self.auth_token)

    # -- the API ----------------------------------------------------------------------

    def handle(self, request: _Handler, method: str, body: bytes) -> None:
        path = urlsplit(request.path).path
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        authorized = self._authorized(request.headers.get("Authorization", ""))
        headers = {name: value for name, value in request.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, form, authorized))
        if not authorized:
            request.answer(*self._unauthorized())
            return
        request.answer(*self._route(method, path, form))

    def _authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(f"{user}:{password}", f"{self.account_sid}:{self.auth_token}")

    def _unauthorized(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        payload = twilio_error(20003, "Authenticate", 401)
        payload["detail"] = "Your AccountSid or AuthToken was incorrect."
        return 401, payload, {"WWW-Authenticate": 'Basic realm="Twilio API"'}

    def _route(self, method: str, path: str, form: dict[str, list[str]]) -> tuple:
        account = f"{API_PREFIX}{self.account_sid}"
        if method == "GET" and path == f"{account}.json":
            return 200, self._account()
        if method == "POST" and path == f"{account}/Messages.json":
            return self._create_message(form)
        if method == "GET" and path.startswith(f"{account}/Messages/"):
            sid = path.rsplit("/", 1)[-1].removesuffix(".json")
            if sid in self.messages:
                return 200, self.messages[sid]
        message = f"The requested resource {path} was not found"
        return 404, twilio_error(20404, message, 404)

    def _account(self) -> dict[str, Any]:
        return {
            "sid": self.account_sid,
            "friendly_name": "Fake Twilio account",
            "status": "active",
            "type": "Full",
            "date_created": formatdate(usegmt=True),
            "uri": f"{API_PREFIX}{self.account_sid}.json",
        }

    def _create_message(self, form: dict[str, list[str]]) -> tuple:
        one = {name: values[-1] for name, values in form.items()}
        to = one.get("To", "")
        problem = self._scripted(to) or self._invalid(one, form)
        if problem:
            return problem
        message = self._message(one, form.get("MediaUrl", []))
        with self._lock:
            self.messages[message["sid"]] = message
        if self.callbacks and one.get("StatusCallback"):
            self._schedule_callbacks(message, one["StatusCallback"])
        return 201, message

    def _scripted(self, to: str) -> tuple | None:
        rule = self._rules.get(to)
        if rule is None or rule.times == 0:
            return None
        if rule.times is not None:
            rule.times -= 1
        headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
        return rule.http_status, twilio_error(rule.code, rule.message, rule.http_status), headers

    def _invalid(self, one: dict[str, str], form: dict[str, list[str]]) -> tuple | None:
        to = one.get("To", "")
        if not to:
            return 400, twilio_error(21604, "A 'To' phone number is required.", 400)
        if not E164.match(to):
            return 400, twilio_error(
                21211, f"The 'To' number {to} is not a valid phone number.", 400
            )
        if not (one.get("From") or one.get("MessagingServiceSid")):
            return 400, twilio_error(21603, "A 'From' phone number is required.", 400)
        if not (one.get("Body") or form.get("MediaUrl")):
            return 400, twilio_error(21602, "Message body is required.", 400)
        if len(one.get("Body", "")) > 1600:
            text = "The concatenated message body exceeds the 1600 character limit."
            return 400, twilio_error(21617, text, 400)
        return None

    def _message(self, one: dict[str, str], media: list[str]) -> dict[str, Any]:
        sid = new_sid("MM" if media else "SM")
        now = formatdate(usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": one.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": one.get("From") or None,
            "messaging_service_sid": one.get("MessagingServiceSid") or None,
            "num_media": str(len(media)),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if one.get("MessagingServiceSid") else "queued",
            "to": one["To"],
            "uri": f"{API_PREFIX}{self.account_sid}/Messages/{sid}.json",
        }

    # -- callbacks --------------------------------------------------------------------

    def _schedule_callbacks(self, message: dict[str, Any], url: str) -> None:
        final, error_code = self._undeliverable.get(message["to"], ("delivered", ""))
        thread = threading.Thread(
            target=self._post_callbacks, args=(message, url, final, error_code), daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _post_callbacks(self, message: dict[str, Any], url: str, final: str, code: str) -> None:
        for status in ("sent", final):
            time.sleep(self.callback_delay)
            form = self._callback_form(message, status, code if status == final else "")
            try:
                answer, body = post_signed(url, form, self.auth_token)
            except OSError:
                answer, body = 0, b""
            with self._lock:
                self.posted.append(Callback(url, form, answer, body))
                self._lock.notify_all()

    def _callback_form(self, message: dict[str, Any], status: str, code: str) -> list[tuple]:
        form = [
            ("SmsSid", message["sid"]),
            ("SmsStatus", status),
            ("MessageStatus", status),
            ("To", message["to"]),
            ("MessageSid", message["sid"]),
            ("AccountSid", self.account_sid),
            ("From", message["from"] or SERVICE_NUMBER),
            ("ApiVersion", "2010-04-01"),
        ]
        if message["messaging_service_sid"]:
            form.append(("MessagingServiceSid", message["messaging_service_sid"]))
        if code:
            form.append(("ErrorCode", code))
        return form


class _SinkHandler(_Handler):
    def do_POST(self) -> None:
        self.owner.record(self, self.read_body())

    def do_GET(self) -> None:
        self.owner.record(self, b"")


@dataclass
class CallbackSink:
    """A webhook receiver for tests: records every request and answers ``status``."""

    status: int = 200
    received: list[RecordedRequest] = field(default_factory=list)
    base_url: str = ""

    def __post_init__(self) -> None:
        self._server = _Server(_SinkHandler, self)
        self._lock = threading.Condition()

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    def record(self, request: _Handler, body: bytes) -> None:
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        headers = {name: value for name, value in request.headers.items()}
        with self._lock:
            self.received.append(
                RecordedRequest(request.command, request.path, headers, form, True)
            )
            self._lock.notify_all()
        request.answer(self.status, {"status": "success"})

    def wait(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.received) < count and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self.received)

    def __enter__(self) -> CallbackSink:
        self.base_url = self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the fake until interrupted, printing the config to point a gateway at it."""
    parser = argparse.ArgumentParser(description="Local fake Twilio Messages API")
    parser.add_argument("--port", type=int, default=8499)
    parser.add_argument("--account-sid", default=None)
    parser.add_argument("--auth-token", default=None)
    parser.add_argument("--callback-delay", type=float, default=1.0)
    args = parser.parse_args(argv)
    fake = FakeTwilio(
        account_sid=args.account_sid or new_sid("AC"),
        auth_token=args.auth_token or secrets.token_hex(16),
        port=args.port,
        callback_delay=args.callback_delay,
    ).start()
    print(json.dumps(fake.config(), indent=2), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
