"""Benchmark: delivery receipts posted to the webhook vs a bare one-query view.

    .venv/bin/python bench/receipts.py [--receipts 20000] [--clients 16] [--db postgres]

A fresh database gets a system ``webhook``-vendor gateway and ``--receipts`` sms rows
already ``sent`` with provider ids ``bench-<n>`` (seeded in one bulk insert: the sends
themselves are measured by other benches). Under gunicorn, ``--clients`` concurrent
clients then POST one ``delivered`` receipt per row to the gateway's webhook URL — each
request authenticates the hook token, parses, locks and moves the row, appends its
``events`` entry and keeps the request in the gateway's events. The ceiling is the same
server answering ``GET /bench/bare/<account>`` (one query) the same number of times from
the same clients. Printed last:

    receipts: ratio=<ours/ceiling> target=0.5
    check: rows=N delivered=N applied_once=N ok

The check reads every row back: each must be ``delivered`` with exactly one applied
webhook entry in its ``events``.
"""

import argparse
import http.client
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Gunicorn,
    create_master_account,
    manage,
    migrate,
    server_env,
    temp_database,
)

TARGET = 0.5

SEED = """
import json
from gateways import services
from notifications.channel_rows import new_channel_row
from smtplog.models import SmtpLog
from accounts.models import Account
from django.utils.timezone import now

account = Account.objects.get(pk="{account}")
gateway = services.create(None, {{"name": "Bench hook", "kind": "vendor", "channel": "sms",
    "settings": {{"vendor": "webhook", "config": {{"url": "http://127.0.0.1:9/"}}}}}})
rows = []
for n in range({count}):
    row = new_channel_row(account, "bench", channel="sms", to=f"+1555{{n:07d}}", subject="",
        body={{"text/x-sms": "code {{n}}"}}, macros={{}}, gateway=gateway)
    row.status, row.attempts, row.provider_message_id = "sent", 1, f"bench-{{n}}"
    row.sent_at = row.finished_at = now()
    rows.append(row)
SmtpLog.objects.bulk_create(rows, batch_size=2000)
print(json.dumps({{"gateway_id": gateway.id, "hook_token": gateway.hook_token}}))
"""

CHECK = """
import json
from smtplog.models import SmtpLog
rows = SmtpLog.objects.filter(template_id="bench").values_list("status", "events")
total = delivered = once = 0
for status, events in rows.iterator():
    total += 1
    delivered += status == "delivered"
    applied = [e for e in events if e.get("source") == "webhook" and e.get("applied")]
    once += len(applied) == 1
print(json.dumps({"rows": total, "delivered": delivered, "applied_once": once}))
"""


def receipt_body(n: int) -> bytes:
    return json.dumps({"type": "status", "id": f"bench-{n}", "status": "delivered"}).encode()


def drive(base_url: str, requests: list[tuple[str, str, bytes | None]], clients: int) -> tuple:
    """Send ``requests`` (method, path, body) from ``clients`` keep-alive connections;
    answer (seconds, non-200 answers, answers whose result was not ``applied``)."""
    host, port = base_url.removeprefix("http://").split(":")
    failures, unapplied = [0] * clients, [0] * clients

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for method, path, body in requests[index::clients]:
            headers = {"Content-Type": "application/json"} if body else {}
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                failures[index] += 1
                continue
            if response.status != 200:
                failures[index] += 1
            elif body and b'"applied"' not in raw:
                unapplied[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(failures), sum(unapplied)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--receipts", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    with temp_database(args.db) as db:
        # One client address posts every receipt: lift the per-IP webhook limit the same
        # way server_env lifts the token limit (its per-request cost stays measured).
        env = server_env(db.url, THROTTLE_WEBHOOK_RATE="100000/second")
        migrate(env)
        master = create_master_account(env)
        seed = SEED.format(account=master["account_id"], count=args.receipts)
        hook = json.loads(manage(env, "shell", "-c", seed).strip().splitlines()[-1])
        path = f"/v2/webhooks/{hook['gateway_id']}/{hook['hook_token']}"
        receipts = [
            (
                "POST",
                path,
                json.dumps({"type": "status", "id": f"bench-{n}", "status": "delivered"}).encode(),
            )
            for n in range(args.receipts)
        ]
        bare = [("GET", f"/bench/bare/{master['account_id']}", None)] * args.receipts
        with Gunicorn(env, args.workers) as server:
            drive(server.base_url, bare[:500], args.clients)  # warm-up: imports, connections
            ceiling_s, ceiling_errors, _ = drive(server.base_url, bare, args.clients)
            ours_s, errors, unapplied = drive(server.base_url, receipts, args.clients)
        check = json.loads(manage(env, "shell", "-c", CHECK).strip().splitlines()[-1])
    ours, ceiling = args.receipts / ours_s, args.receipts / ceiling_s
    print(f"ceiling (bare one-query view): {ceiling:,.0f} req/s, errors={ceiling_errors}")
    print(f"receipts: {ours:,.0f} receipts/s, errors={errors}, not applied={unapplied}")
    print(f"receipts: ratio={ours / ceiling:.2f} target={TARGET}")
    n = args.receipts
    ok = check == {"rows": n, "delivered": n, "applied_once": n} and not errors
    print(
        f"check: rows={check['rows']} delivered={check['delivered']} "
        f"applied_once={check['applied_once']} {'ok' if ok else 'FAILED'}"
    )


if __name__ == "__main__":
    main()
