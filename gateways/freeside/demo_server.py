"""A tiny Freeside-style external messaging server, for tests (like Freeside's
``bin/msg_template_http-demo.pl``).

``POST /prepare/<name>`` answers a JSON prepared document built from the substitution
variables, or **500 text** ``Username required`` when the ``username`` variable is missing
(Freeside servers report validation errors as 500). ``POST /send`` records the body and
answers 200 with an empty body. Both can be scripted to fail, and to demand HTTP Basic auth.

    with DemoServer(username="u", password="p") as demo:
        settings = demo.settings()          # prepare_url, send_url, username, password
        demo.fail("send", 503, "busy", times=1)

Standalone: ``python -m gateways.freeside.demo_server --port 3000``.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request the demo server got: its stage, path, headers and exact body bytes."""

    stage: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Failure:
    status: int
    body: str
    times: int | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, content_type, answer, extra = self.server.demo.handle(self, body)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer)


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> tuple:
    return status, "text/plain; charset=utf-8", text.encode("utf-8"), headers or {}


@dataclass
class DemoServer:
    """The demo service on 127.0.0.1; ``username`` set → HTTP Basic auth is required."""

    username: str | None = None
    password: str | None = None
    port: int = 0
    received: list[Received] = field(default_factory=list)
    base_url: str = ""

    def __post_init__(self) -> None:
        self._failures: dict[str, _Failure] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def prepares(self) -> list[Received]:
        return [r for r in self.received if r.stage == "prepare"]

    @property
    def sends(self) -> list[Received]:
        return [r for r in self.received if r.stage == "send"]

    def settings(self, name: str = "password_reset", **overrides: Any) -> dict[str, Any]:
        """Kind ``freeside`` settings pointing at this server."""
        return {
            "prepare_url": f"{self.base_url}/prepare/{name}",
            "send_url": f"{self.base_url}/send",
            "username": self.username or "",
            "password": self.password or "",
            "content": {},
            **overrides,
        }

    def fail(self, stage: str, status: int, body: str = "", *, times: int | None = 1) -> None:
        """Answer the next ``times`` requests of ``stage`` (None: all) with ``status`` text."""
        self._failures[stage] = _Failure(status, body, times)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> DemoServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.demo = self  # type: ignore[attr-defined]
        serve = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the service ------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple:
        path = request.path.split("?", 1)[0]
        stage = "send" if path == "/send" else "prepare" if path.startswith("/prepare/") else ""
        with self._lock:
            headers = {name: value for name, value in request.headers.items()}
            self.received.append(Received(stage or "other", path, headers, body))
        if not stage:
            return _text(404, "Not found")
        if not self._authorized(request.headers.get("Authorization", "")):
            return _text(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="demo"'})
        scripted = self._scripted(stage)
        if scripted:
            return scripted
        if stage == "send":
            return _text(200, "")
        return self._prepare(path.removeprefix("/prepare/"), body)

    def _authorized(self, header: str) -> bool:
        if not self.username:
            return True
        expected = f"{self.username}:{self.password or ''}".encode()
        return secrets.compare_digest(header, "Basic " + base64.b64encode(expected).decode())

    def _scripted(self, stage: str) -> tuple | None:
        failure = self._failures.get(stage)
        if failure is None or failure.times == 0:
            return None
        if failure.times is not None:
            failure.times -= 1
        return _text(failure.status, failure.body)

    def _prepare(self, name: str, body: bytes) -> tuple:
        try:
            variables = json.loads(body)
        except ValueError:
            return _text(500, "Malformed JSON")
        if not isinstance(variables, dict) or not variables.get("username"):
            return _text(500, "Username required")
        company = variables.get("company_name", "")
        prepared = {
            "msgname": name,
            "to": variables.get("invoicing_email") or variables.get("mobile"),
            "subject": f"Password reset for {variables['username']}",
            "body": variables.get("content")
            or f"To complete your {company} password reset, follow the link we sent.",
        }
        answer = json.dumps(prepared, sort_keys=True).encode("utf-8")
        return 200, "application/json", answer, {}


def main(argv: list[str] | None = None) -> None:
    """Run the demo until interrupted."""
    parser = argparse.ArgumentParser(description="Freeside-style external messaging demo")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--username", default=None)
    parser.add_argument("--password", default=None)
    args = parser.parse_args(argv)
    demo = DemoServer(args.username, args.password, args.port).start()
    print(json.dumps(demo.settings(), indent=2), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        demo.stop()


if __name__ == "__main__":
    main()
