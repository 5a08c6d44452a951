"""Helpers shared by the HTTP benchmarks under ``bench/``.

Everything here drives the product from the outside, the way an operator would: ``manage.py``
subprocesses, a gunicorn process, real HTTP. Nothing imports Django, so a benchmark can run
several databases one after the other in the same Python process.

Typical use::

    with temp_database("postgres") as db:          # or "sqlite"
        env = server_env(db.url)
        migrate(env)
        master = create_master_account(env)
        with Gunicorn(env, workers=2) as server:
            api = Api(server.base_url)
            api.login(master["api_key"])
            result = run_load(server.base_url + "/v2/...", {"X-Auth-Token": api.token})
"""

import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The maintenance database used to CREATE/DROP the bench databases.
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- databases -------------------------------------------------------------------------------
@dataclass
class Database:
    """A throw-away database: ``kind`` is "sqlite" or "postgres", ``url`` a DATABASE_URL."""

    kind: str
    url: str
    name: str = ""  # the PostgreSQL database name

    def backend_pids(self) -> list[int]:
        """PIDs of the PostgreSQL backends serving this database (none for SQLite)."""
        if self.kind != "postgres":
            return []
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            ).fetchall()
        return [pid for (pid,) in rows]


@contextlib.contextmanager
def temp_database(kind: str) -> Iterator[Database]:
    """A fresh empty database, removed on exit (temp dir for SQLite, ``bench_<hex>`` for PG)."""
    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix="bench_sqlite_")
        try:
            yield Database(kind, f"sqlite:///{directory}/db.sqlite3")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"bench_{secrets.token_hex(6)}"
    admin = urlsplit(PG_ADMIN_URL)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Database(kind, admin._replace(path=f"/{name}").geturl(), name)
    finally:
        drop_pg_database(name)


def drop_pg_database(name: str) -> None:
    """DROP the database, disconnecting any session still attached (PostgreSQL 13+)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the product: management commands and gunicorn ------------------------------------------
def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for manage.py and gunicorn: bench settings, no mail, quiet logs, no 429."""
    env = dict(os.environ)
    env.update(
        SECRET_KEY="bench-" + secrets.token_hex(16),
        DATABASE_URL=database_url,
        DELIVERY_MODE="inline",
        LOG_LEVEL="WARNING",  # the per-request INFO log line would add I/O to every request
        # One token drives all the load: the product's 6000/minute would answer 429 past
        # 100 req/s per process. A huge rate keeps the throttle's per-request cost (a cache
        # add/incr) in the measurement without ever refusing a request.
        THROTTLE_TOKEN_RATE="100000/second",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(REPO),
    )
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run ``manage.py *args`` in the repo root; return its stdout, raise on failure."""
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", "-v", "0")


def create_master_account(env: dict[str, str]) -> dict:
    """Create the master account; returns ``{"account_id", "user_id", "api_key"}``."""
    out = manage(
        env,
        "create_master_account",
        "--name=Bench Master",
        "--realm=m.example",
        "--username=admin",
        "--password=pw",
    )
    return json.loads(out.strip().splitlines()[-1])


class Gunicorn:
    """``gunicorn config.wsgi:application`` on a free port; a context manager that stops it."""

    def __init__(self, env: dict[str, str], workers: int = 2, *extra_args: str):
        self.env, self.workers, self.extra_args = env, workers, extra_args
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in stop())

    def start(self, timeout: float = 30) -> "Gunicorn":
        command = [PYTHON, "-m", "gunicorn", "config.wsgi:application"]
        command += ["-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", *self.extra_args]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.output()}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not listen within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after 10 s; only our own process is signalled."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [self.process.pid, *map(int, children.read_text().split())]
        return [self.process.pid]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-5000:]

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- CPU accounting (Linux) ------------------------------------------------------------------
def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (vanished ones count 0).

    Throughput on a shared machine moves with the neighbours' load; the server's CPU time
    per request moves much less, so benchmarks report both.
    """
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


# --- HTTP ------------------------------------------------------------------------------------
class Api:
    """A tiny Kazoo API client: JSON envelopes in and out, ``X-Auth-Token`` once logged in."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base = urlsplit(base_url)
        self.token = token

    def request(
        self, method: str, path: str, body=None, *, content_type: str | None = None, **headers
    ) -> tuple[int, dict, bytes]:
        """Send one request; ``body`` is JSON-encoded unless a ``content_type`` is given."""
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.token:
            headers.setdefault("X-Auth-Token", self.token)
        if body is not None and content_type is None:
            body, content_type = json.dumps(body), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=30)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def call(self, method: str, path: str, data=None, expect=(200, 201), **kwargs) -> dict:
        """A JSON call wrapped as ``{"data": data}``; returns the decoded envelope."""
        body = None if data is None else {"data": data}
        status, _, raw = self.request(method, path, body, **kwargs)
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {raw[:500]!r}")
        return json.loads(raw)

    def login(self, api_key: str) -> dict:
        """``PUT /v2/api_auth``; keeps the token for later calls and returns the envelope."""
        envelope = self.call("PUT", "/v2/api_auth", {"api_key": api_key})
        self.token = envelope["auth_token"]
        return envelope


# --- load generation -------------------------------------------------------------------------
@dataclass
class LoadResult:
    """Outcome of one load run; latencies in milliseconds, ``errors`` = non-2xx + socket."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str
    server_cpu_ms: float | None = None  # server CPU per request, when the caller measured it

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_WRK_SCRIPT = """\
wrk.headers = {HEADERS}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %.1f %.1f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_headers(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"


def run_wrk(url: str, headers: dict, duration: float, connections: int, threads: int):
    """Run wrk with a generated Lua script (headers, machine-readable summary)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_SCRIPT.replace("{HEADERS}", _lua_headers(headers)))
        script.flush()
        command = [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(duration))}s",
        ]
        out = subprocess.run(
            [*command, "--timeout", "10s", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    count, micros, p50, p99, status_errors, socket_errors = line.split()[1:]
    return LoadResult(
        requests=int(count),
        seconds=int(micros) / 1e6,
        p50_ms=float(p50) / 1000,
        p99_ms=float(p99) / 1000,
        errors=int(status_errors) + int(socket_errors),
        tool="wrk",
    )


def run_python_load(url: str, headers: dict, duration: float, connections: int) -> LoadResult:
    """Fallback load generator: one thread per connection, http.client with keep-alive
    (it reconnects by itself when the server closes, as gunicorn's sync workers do)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + duration

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while (started := time.perf_counter()) < deadline:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
            latencies[index].append(time.perf_counter() - started)
        conn.close()

    begin = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - begin
    merged = sorted(value for per_thread in latencies for value in per_thread) or [0.0]
    return LoadResult(
        requests=len(merged),
        seconds=elapsed,
        p50_ms=merged[len(merged) // 2] * 1000,
        p99_ms=merged[min(len(merged) - 1, int(len(merged) * 0.99))] * 1000,
        errors=sum(errors),
        tool="python",
    )


def run_load(
    url: str,
    headers: dict | None = None,
    duration: float = 10,
    connections: int = 8,
    threads: int = 2,
    force_python: bool = False,
) -> LoadResult:
    """GET ``url`` as fast as possible for ``duration`` s: wrk if installed, else Python."""
    headers = headers or {}
    if shutil.which("wrk") and not force_python:
        return run_wrk(url, headers, duration, connections, threads)
    return run_python_load(url, headers, duration, connections)
