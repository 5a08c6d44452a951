"""A local fake provider for development and tests: a real HTTP server on 127.0.0.1.

It records every request (method, path, query, headers, body) and answers from a script:
a queue of answers per path (``status``, ``headers``, ``body`` as text or JSON,
``delay`` seconds), then the default answer (``200 {"id": "fake-<hex>", "status":
"sent"}`` unless changed). Stdlib only, so it runs anywhere.

In-process (tests)::

    with FakeProvider() as provider:
        provider.script("/hook", {"status": 503, "headers": {"Retry-After": "7"}})
        ... provider.url("/hook") ... provider.requests

As a process (black-box tests, development)::

    python -m gateways.fakeprovider --port 8025

Control API (same server, paths under ``/_``): ``GET /_requests`` (``?path=`` filters),
``DELETE /_requests``, ``POST /_script`` ``{"path", "answers": [...]}``, ``POST /_default``
``{answer}``, ``POST /_reset``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = dict[str, Any]


def _default_answer() -> Answer:
    return {"status": 200, "body": {"id": None, "status": "sent"}}


class _State:
    """Recorded requests and scripted answers, shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self.default: Answer = _default_answer()

    def record(self, entry: dict[str, Any]) -> Answer:
        with self.lock:
            self.requests.append(entry)
            queue = self.scripts.get(entry["path"])
            return queue.popleft() if queue else dict(self.default)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read /_requests
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        parts = urlsplit(self.path)
        if parts.path.startswith("/_"):
            return self._control(parts.path, parse_qs(parts.query), body)
        entry = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "at": time.time(),
        }
        try:
            entry["json"] = json.loads(body) if body else None
        except ValueError:
            entry["json"] = None
        self._answer(self.server.state.record(entry))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def _answer(self, answer: Answer) -> None:
        if answer.get("delay"):
            time.sleep(float(answer["delay"]))
        payload = answer.get("body", "")
        if isinstance(payload, dict) and payload.get("id", "") is None:
            payload = {**payload, "id": f"fake-{secrets.token_hex(8)}"}
        headers = dict(answer.get("headers") or {})
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            data = str(payload).encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self.send_response(int(answer.get("status", 200)))
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _control(self, path: str, query: dict, body: bytes) -> None:
        state = self.server.state
        data = json.loads(body) if body else {}
        with state.lock:
            if path == "/_requests" and self.command == "GET":
                wanted = query.get("path", [None])[0]
                found = [r for r in state.requests if wanted in (None, r["path"])]
                return self._answer({"body": found})
            if path == "/_requests" and self.command == "DELETE":
                state.requests.clear()
            elif path == "/_script" and self.command == "POST":
                state.scripts[data["path"]].extend(data.get("answers", []))
            elif path == "/_default" and self.command == "POST":
                state.default = data
            elif path == "/_reset" and self.command == "POST":
                state.requests.clear()
                state.scripts.clear()
                state.default = _default_answer()
            else:
                return self._answer({"status": 404, "body": {"error": "unknown control path"}})
        self._answer({"body": {"ok": True}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.state = _State()


class FakeProvider:
    """The server, run in a background thread; a context manager."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, port))
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    def start(self) -> FakeProvider:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def script(self, path: str, *answers: Answer) -> None:
        """Queue answers for ``path``, used once each, in order."""
        with self._server.state.lock:
            self._server.state.scripts[path].extend(answers)

    def set_default(self, answer: Answer) -> None:
        with self._server.state.lock:
            self._server.state.default = answer

    def reset(self) -> None:
        with self._server.state.lock:
            self._server.state.requests.clear()
            self._server.state.scripts.clear()
            self._server.state.default = _default_answer()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    provider = FakeProvider(args.port, args.host)
    print(f"fake provider on {provider.url()}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        provider._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        provider._server.server_close()


if __name__ == "__main__":
    main()
