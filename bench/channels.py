"""Benchmark: whole sms sends (send API + outbox + ``webhook`` vendor) vs raw httpx.

Run from the repository root: ``python bench/channels.py``. Ours: ``BENCH_SENDS`` (5,000)
``POST /v2/accounts/{A}/notifications/{id}/send`` requests on the ``sms`` channel, each
authenticated, rendered, planned (gateway selection, subscriptions, suppressions), saved
and delivered inline by the outbox (claim, ``GatewayTransport``, record) to the local fake
provider in its own process. The ceiling: raw ``httpx`` posting the same JSON bodies to
the same provider over the same single connection, one after the other, as ours does.
The last line printed is ``channels: ratio=<ours/ceiling> target=0.7``.

SQLite, ``DELIVERY_MODE=inline``: each send's delivery runs when its request commits,
so one thread is one connection on both sides.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_work = tempfile.mkdtemp(prefix="bench-channels-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    SECRET_KEY="bench-secret",
    DATABASE_URL=f"sqlite:///{_work}/db.sqlite3",
    VAR_DIR=_work,
    LOG_LEVEL="WARNING",
    DELIVERY_MODE="inline",
    ALLOWED_HOSTS="testserver",
    THROTTLE_TOKEN_RATE="10000000/minute",
)

import django

django.setup()

import httpx
from django.core.management import call_command
from django.test import Client

from accounts import services as accounts
from accounts.models import AuthToken
from gateways import services as gateways
from smtplog.models import SmtpLog

SENDS = int(os.environ.get("BENCH_SENDS", "5000"))
WARM_UP = 200
TEMPLATE = "voicemail_to_email"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def provider_process():
    """The fake provider in its own process: it shares neither our GIL nor our CPU clock."""
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


def world(url: str) -> tuple[str, str]:
    """A master account with an API key, its SMS body and a system webhook gateway."""
    master = accounts.create_account(
        None, {"name": "Bench", "realm": "bench.example"}, is_master=True
    )
    token = AuthToken.issue(master, None, AuthToken.API_KEY)[1]
    client = Client(HTTP_X_AUTH_TOKEN=token)
    path = f"/v2/accounts/{master.id}/notifications/{TEMPLATE}"
    document = {"id": TEMPLATE, "from": "noc@bench.example", "subject": "Voicemail"}
    client.put(f"/v2/accounts/{master.id}/notifications", {"data": document}, "application/json")
    response = client.post(path, "Voicemail from {{caller_id.name}}", "text/x-sms")
    assert response.status_code == 200, response.content
    gateways.create(
        None,
        {
            "name": "Bench",
            "kind": "vendor",
            "channel": "sms",
            "from": "+15550001111",
            "settings": {"vendor": "webhook", "config": {"url": url, "token": "t"}},
        },
    )
    return master.id, token


def phone(n: int) -> str:
    return f"+1415555{n:04d}"  # valid for phonenumbers (the 555 exchange of a real area)


def ours(account_id: str, token: str, count: int, offset: int) -> tuple[float, float]:
    client = Client(HTTP_X_AUTH_TOKEN=token)
    path = f"/v2/accounts/{account_id}/notifications/{TEMPLATE}/send"
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(offset, offset + count):
        body = {
            "data": {
                "channels": ["sms"],
                "contacts": {"sms": [phone(n)]},
                "macros": {"caller_id.name": f"Caller {n}"},
            }
        }
        response = client.post(path, body, "application/json")
        assert response.status_code == 202, response.content
    return time.perf_counter() - wall, time.process_time() - cpu


def raw(url: str, rows: list[SmtpLog]) -> tuple[float, float]:
    """The same bodies the webhook vendor posted, over one kept-alive connection."""
    with httpx.Client(limits=httpx.Limits(max_connections=1)) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        for row in rows:
            body = {
                "id": row.pk,
                "channel": "sms",
                "to": row.to,
                "from": "+15550001111",
                "text": row.body["text/x-sms"],
                "subject": row.subject,
                "media_url": "",
                "template_id": row.template_id,
                "account_id": row.account_id,
            }
            response = client.post(url, json=body, headers={"Authorization": "Bearer t"})
            response.raise_for_status()
        return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    call_command("migrate", verbosity=0)
    with provider_process() as url:
        account_id, token = world(url)
        ours(account_id, token, WARM_UP, 0)
        ours_wall, ours_cpu = ours(account_id, token, SENDS, WARM_UP)
        rows = list(SmtpLog.objects.filter(channel="sms").order_by("created")[WARM_UP:])
        statuses = {s: SmtpLog.objects.filter(status=s).count() for s in ("sent", "queued")}
        raw(url, rows[:WARM_UP])
        raw_wall, raw_cpu = raw(url, rows)
    assert statuses["sent"] == SENDS + WARM_UP, statuses
    mine, ceiling = SENDS / ours_wall, len(rows) / raw_wall
    print(f"ours: {mine:,.0f} sends/s, CPU {ours_cpu / SENDS * 1000:.2f} ms/delivery")
    print(f"raw httpx: {ceiling:,.0f} posts/s, CPU {raw_cpu / len(rows) * 1000:.2f} ms/post")
    print(f"channels: ratio={mine / ceiling:.2f} target=0.7")


if __name__ == "__main__":
    main()
