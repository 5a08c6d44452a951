"""Benchmark: sms sends through an ``http_json`` gateway vs raw httpx.

Run from the repository root: ``python bench/http_json.py``. Both sides POST the same JSON
bodies with the same headers to the same local fake provider (``gateways.fakeprovider``, in
its own process) from the same number of threads over pools of the same size. Ours goes
through ``GatewayTransport.send``: the gateway row (cached), the Ringotel definition's
placeholder substitution, ``gateways/http.py`` and the ``response_map`` capture. The
last lines printed are the engine's own cost per message and
``http_json: ratio=<ours/ceiling> target=0.7``.
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
_work = tempfile.mkdtemp(prefix="bench-http-json-")
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

from gateways import ringotel, services
from gateways.transport import GatewayTransport

SENDS = int(os.environ.get("BENCH_SENDS", "5000"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
ENGINE_ROUNDS = int(os.environ.get("BENCH_ENGINE_ROUNDS", "20000"))
API_KEY = "bench-api-key"
PROPERTIES = {"API key": API_KEY, "Sender ID": "ACME"}


def definition(url: str) -> dict:
    """A typical SMS provider file: Bearer key property, JSON body, captured message id."""
    return {
        "class": "sms",
        "properties": ["API key", "Sender ID"],
        "auth": {"type": "Bearer", "token": "$API key$"},
        "API": {
            "SendMessage": {
                "request_method": "POST",
                "request_url": url,
                "request_content_type": "application/json",
                "request_parameters": {
                    "from": "$Sender ID$",
                    "to": "$to$",
                    "text": "$content$",
                    "reference": "$delivery_id$",
                },
                "response_map": {"id": "$messageid$", "status": "$status$"},
            }
        },
    }


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def provider_process():
    """The fake provider in its own process, so it does not share our GIL or CPU clock."""
    port = free_port()
    command = [sys.executable, "-m", "gateways.fakeprovider", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/sms"
    finally:
        process.terminate()
        process.wait(10)


def engine_cost(spec: dict) -> float:
    """Microseconds per message for substitution + response_map alone (no I/O)."""
    properties = PROPERTIES
    answer = b'{"id": "fake-0123456789abcdef", "status": "sent"}'
    response_map = spec["API"]["SendMessage"]["response_map"]
    start = time.perf_counter()
    for n in range(ENGINE_ROUNDS):
        variables = {"to": f"+1555{n:07d}", "content": f"Your code is {n:06d}", "delivery_id": "d"}
        ringotel.build_request(spec, "SendMessage", variables, properties)
        ringotel.interpret_response(response_map, 200, answer).to_result()
    return (time.perf_counter() - start) / ENGINE_ROUNDS * 1e6


def main() -> None:
    call_command("migrate", verbosity=0)
    with provider_process() as url:
        spec = definition(url)
        document = {
            "name": "Bench",
            "kind": "http_json",
            "settings": {"definition": spec, "properties": PROPERTIES},
        }
        gateway = services.create(None, document)
        items = rows(gateway.id)
        transport = GatewayTransport()
        transport.CACHE_SECONDS = 3600.0  # the worker's steady state: the row is cached
        run(transport.send, items[:200])  # warm-up: connections, caches
        ours_wall, ours_cpu = run(transport.send, items)

        client = httpx.Client(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            trust_env=False,
        )

        def raw(row) -> None:
            body = {
                "from": "ACME",
                "to": row.to,
                "text": row.body["text/x-sms"],
                "reference": row.id,
            }
            headers = {
                "Authorization": f"Bearer {API_KEY}",
                "Idempotency-Key": row.id,
                "X-Notify-Delivery-Id": row.id,
            }
            response = client.post(url, json=body, headers=headers)
            response.raise_for_status()
            response.json()

        run(raw, items[:200])
        raw_wall, raw_cpu = run(raw, items)
    ours, ceiling = SENDS / ours_wall, SENDS / raw_wall
    print(f"ours: {ours:,.0f} sends/s, CPU {ours_cpu / SENDS * 1000:.2f} ms/send")
    print(f"raw httpx: {ceiling:,.0f} posts/s, CPU {raw_cpu / SENDS * 1000:.2f} ms/post")
    print(f"http_json engine: substitution + response_map {engine_cost(spec):.1f} µs/message")
    print(f"http_json: ratio={ours / ceiling:.2f} target=0.7")


if __name__ == "__main__":
    main()
