"""Benchmark: GatewayTransport.send through the ``webhook`` vendor vs raw httpx.

Run from the repository root: ``python bench/gateway_transport.py``. Both sides POST the
same JSON bodies to the same local fake provider (``gateways.fakeprovider``) from the same
number of threads; ours also loads the gateway row, decrypts its secrets, validates
nothing and classifies the answer per delivery. The last line printed is
``gateway_transport: ratio=<ours/raw> target=0.7``.

(The issue's ``bench/channels.py`` measures whole sends through the API and the outbox; it
needs the send API and is written after the merge. This measures the part built here.)
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_work = tempfile.mkdtemp(prefix="bench-gw-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    SECRET_KEY="bench-secret",
    DATABASE_URL=f"sqlite:///{_work}/db.sqlite3",
    VAR_DIR=_work,
    LOG_LEVEL="WARNING",
)

import django

django.setup()

import httpx
from django.core.management import call_command

from gateways import services
from gateways.transport import GatewayTransport

SENDS = int(os.environ.get("BENCH_SENDS", "3000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


def rows(gateway_id: str) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            id=f"{n:032x}",
            gateway_id=gateway_id,
            account_id=None,
            channel="sms",
            to=f"+1555{n:07d}",
            body={"text/x-sms": f"Your code is {n:06d}"},
            attempts=1,
        )
        for n in range(SENDS)
    ]


def run(work, items) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) to do ``work(item)`` for every item."""
    chunks = [items[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=lambda c=c: [work(x) for x in c]) for c in chunks]
    wall, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - wall, time.process_time() - cpu


class _Remote:
    def __init__(self, port: int) -> None:
        self.port = port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def provider_process():
    """The fake provider in its own process, so it does not share our GIL or CPU clock."""
    port = free_port()
    command = [sys.executable, "-m", "gateways.fakeprovider", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        time.sleep(0.2)
        yield _Remote(port)
    finally:
        process.terminate()
        process.wait(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    call_command("migrate", verbosity=0)
    with provider_process() as provider:
        document = {
            "name": "Bench",
            "kind": "vendor",
            "channel": "sms",
            "settings": {
                "vendor": "webhook",
                "config": {"url": provider.url("/sms"), "token": "t"},
            },
        }
        gateway = services.create(None, document)
        items = rows(gateway.id)
        transport = GatewayTransport()
        run(transport.send, items[:200])  # warm-up: connections, caches
        ours_wall, ours_cpu = run(transport.send, items)

        client = httpx.Client(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20)
        )

        def raw(row) -> None:
            body = {"id": row.id, "channel": "sms", "to": row.to, "text": row.body["text/x-sms"]}
            response = client.post(
                provider.url("/sms"), json=body, headers={"Authorization": "Bearer t"}
            )
            response.raise_for_status()

        run(raw, items[:200])
        raw_wall, raw_cpu = run(raw, items)
    ours, theirs = SENDS / ours_wall, SENDS / raw_wall
    print(f"ours: {ours:,.0f} sends/s, CPU {ours_cpu / SENDS * 1000:.2f} ms/send")
    print(f"raw httpx: {theirs:,.0f} posts/s, CPU {raw_cpu / SENDS * 1000:.2f} ms/post")
    print(f"gateway_transport: ratio={ours / theirs:.2f} target=0.7")


if __name__ == "__main__":
    main()
