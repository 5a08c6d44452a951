"""Mixed-workload soak: template reads, body reads, override writes and sends at once.

    .venv/bin/python bench/load.py [--duration 60] [--connections 16] [--threads 1]
                                   [--relay-delay 0.2] [--stale-after 3]

Sets up a fresh PostgreSQL database, gunicorn, two Celery worker processes (Redis db 13, a
private queue) and an in-process SMTP sink. Gunicorn runs 2 sync workers, the default worker
class, as in the other benchmarks: measured on 2 cores, ``--threads 4`` (gthread, keep-alive)
raised the bare ceiling by 25-50% and left the mixed figure unchanged, and ``--workers 4``
lowered both. Builds master → reseller R (html + plain
``voicemail_to_email`` override) → customer C (a few JSON overrides) through the API, then
loads 127.0.0.1 with wrk and ``bench/_load.lua`` (a Python thread pool if wrk is missing):
70% template JSON reads, 15% ``Accept: text/html`` body reads (both across ids, R and C), 10%
override writes (POST JSON on C), 5% sends (each to a unique recipient). Then it waits until
every logged send has reached the sink exactly once, and measures the ``/bench/bare/{C}``
ceiling with the same tool and connections. Ends with ``load_mixed_vs_bare: ratio=...`` and
``load_duplicates_per_10000_sends`` (Message-IDs received more than once; with a slow relay,
``--relay-delay``, and a short lease, ``--stale-after``, it must stay 0).
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    Api,
    Gunicorn,
    LoadResult,
    create_master_account,
    migrate,
    run_load,
    server_env,
    temp_database,
)
from bench.delivery import start_worker, stop_worker
from smtplog.sink import MailSink

TARGET = 0.5
BROKER = "redis://127.0.0.1:6379/13"
LUA = Path(__file__).with_name("_load.lua")
WEIGHTS = {"read": 70, "html": 15, "write": 10, "send": 5}
SEND_ID = "voicemail_to_email"
C_OVERRIDES = ["voicemail_to_email", "voicemail_full", "missed_call", "new_user", "low_balance"]
READ_IDS = [*C_OVERRIDES, "deregister", "fax_inbound_to_email"]
TO = {"to": {"type": "original"}}
HTML = "<p>Hi {{user.first_name}}, a voicemail from <b>{{caller_id.name_number}}</b>.</p>\n"
PLAIN = "Hi {{user.first_name}},\nA voicemail from {{caller_id.name_number}}.\n"


def build_tenants(api: Api, master_id: str) -> tuple[str, str]:
    """master → R (reseller; voicemail_to_email with both bodies) → C (JSON overrides)."""
    reseller = api.call("PUT", f"/v2/accounts/{master_id}", {"name": "Reseller R"})["data"]["id"]
    api.call("PUT", f"/v2/accounts/{reseller}/reseller")
    customer = api.call("PUT", f"/v2/accounts/{reseller}", {"name": "Customer C"})["data"]["id"]
    subject = "Voicemail from {{caller_id.name_number}}"
    override = {"id": SEND_ID, "from": "vm@r.example", "subject": subject, **TO}
    api.call("PUT", f"/v2/accounts/{reseller}/notifications", override)
    for content_type, body in (("text/html", HTML), ("text/plain", PLAIN)):
        path = f"/v2/accounts/{reseller}/notifications/{SEND_ID}"
        status, _, raw = api.request("POST", path, body, content_type=content_type)
        if status != 200:
            raise RuntimeError(f"upload {content_type} -> {status}: {raw[:300]!r}")
    for template_id in C_OVERRIDES:
        override = {"id": template_id, "from": "c@c.example", "subject": "C's", **TO}
        api.call("PUT", f"/v2/accounts/{customer}/notifications", override)
    return reseller, customer


def workload(token: str, reseller: str, customer: str) -> list[dict]:
    """The request mix: each kind's weight is shared by its requests; "@N@" = a unique tag."""
    auth, spec = {"X-Auth-Token": token}, []
    as_json = {**auth, "Content-Type": "application/json"}

    def add(kind: str, method: str, paths: list[str], headers: dict, data=None) -> None:
        body = None if data is None else json.dumps({"data": data})
        entry = {"kind": kind, "method": method, "headers": headers, "body": body}
        spec.extend({**entry, "path": path, "weight": WEIGHTS[kind] / len(paths)} for path in paths)

    notifications = [f"/v2/accounts/{a}/notifications" for a in (reseller, customer)]
    reads = [f"{base}/{i}" for base in notifications for i in READ_IDS]
    add("read", "GET", reads, auth)
    add("html", "GET", reads, {**auth, "Accept": "text/html"})
    writes = [f"{notifications[1]}/{i}" for i in C_OVERRIDES]
    add("write", "POST", writes, as_json, {"from": "a@b.example", "subject": "S @N@", **TO})
    send = {
        "to": {"email_addresses": ["u@N@@load.example"]},
        "macros": {"caller_id.name_number": "@N@"},
    }
    add("send", "POST", [f"{notifications[1]}/{SEND_ID}/send"], as_json, send)
    return spec


def lua(value) -> str:
    """A Python value as a Lua literal (JSON string escapes are valid Lua for ASCII)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    return "nil" if value is None else json.dumps(value)


def mixed_wrk(url: str, spec: list, duration: float, connections: int):
    """wrk + ``_load.lua``; returns (LoadResult, responses by status, requests by kind)."""
    with tempfile.NamedTemporaryFile("w", prefix="_load_spec", suffix=".lua") as spec_file:
        spec_file.write(f"return {lua(spec)}\n")
        spec_file.flush()
        command = ["wrk", "-t2", f"-c{connections}", f"-d{round(duration)}s", "--timeout", "10s"]
        command += ["-s", str(LUA), url, "--", spec_file.name]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    statuses, issued = Counter(), Counter()
    for tag, *fields in (line.split()[1:] for line in out.splitlines() if line.startswith("LOAD")):
        if tag == "total":
            count, micros, p50, p99, socket_errors = fields
        else:
            (statuses if tag == "status" else issued)[fields[0]] += int(fields[1])
    statuses = Counter({int(code): n for code, n in statuses.items()})
    errors = int(socket_errors) + sum(n for code, n in statuses.items() if code not in (200, 202))
    times = int(micros) / 1e6, float(p50) / 1000, float(p99) / 1000
    return LoadResult(int(count), *times, errors, "wrk"), statuses, issued


def mixed_python(url: str, spec: list, duration: float, connections: int):
    """Fallback: one thread and one keep-alive http.client connection per connection."""
    host, port = url.split("/")[2].split(":")
    statuses, issued, latencies, lock = Counter(), Counter(), [], threading.Lock()
    deadline = time.perf_counter() + duration

    def worker(tid: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        seen, kinds, mine = Counter(), Counter(), []
        while (started := time.perf_counter()) < deadline:
            r = random.choices(spec, [r["weight"] for r in spec])[0]
            kinds[r["kind"]] += 1
            body = r["body"] and r["body"].replace("@N@", f"{tid}-{len(mine)}")
            try:
                conn.request(r["method"], r["path"], body=body, headers=r["headers"])
                with conn.getresponse() as response:
                    response.read()
                    seen[response.status] += 1
            except (OSError, http.client.HTTPException):
                seen[0] += 1  # a socket error
                conn.close()
            mine.append(time.perf_counter() - started)
        with lock:
            statuses.update(seen)
            issued.update(kinds)
            latencies.extend(mine)

    begin = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed, lat = time.perf_counter() - begin, sorted(latencies) or [0.0]
    errors = sum(n for code, n in statuses.items() if code not in (200, 202))
    p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
    return LoadResult(len(latencies), elapsed, p50, p99, errors, "python"), statuses, issued


def soak(api: Api, customer: str, sink: MailSink, timeout: float) -> dict:
    """Wait (bounded) until every logged send is ``sent`` and in the sink, then count."""
    deadline = time.monotonic() + timeout
    while True:
        rows = api.call("GET", f"/v2/accounts/{customer}/notifications/smtplog?paginate=false")
        unsent = sum(row["status"] != "sent" for row in rows["data"])
        done = not unsent and len(sink.messages) >= len(rows["data"])
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    time.sleep(2)  # a late duplicate would arrive now
    messages = sink.messages
    unique = len({address for message in messages for address in message.rcpt_tos})
    ids = {message.message["Message-ID"] for message in messages}
    return dict(
        logged=len(rows["data"]), unsent=unsent, delivered=len(messages), unique=unique,
        duplicates=len(messages) - len(ids), lost=len(rows["data"]) - len(ids),
    )  # fmt: skip


def drop_queue(queue: str) -> None:
    """Remove the queue and kombu's bindings for it from the broker database."""
    with contextlib.closing(redis.Redis.from_url(BROKER)) as client:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.zrem("_kombu.binding_deadlines", queue)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of mixed load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads; 1 = sync")
    parser.add_argument("--bare-duration", type=float, default=15)
    parser.add_argument("--python", action="store_true", help="use the Python load generator")
    parser.add_argument("--relay-delay", type=float, default=0, help="seconds per DATA answer")
    parser.add_argument(
        "--stale-after", type=float, help="DELIVERY_STALE_AFTER (lease) for workers"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: the cleanups run
    use_wrk = bool(shutil.which("wrk")) and not args.python
    queue = f"load-{os.getpid()}"
    with contextlib.ExitStack() as stack:  # try/finally for everything, in reverse order
        sink = stack.enter_context(MailSink())
        sink.data_delay = args.relay_delay
        db = stack.enter_context(temp_database("postgres"))
        mail = dict(EMAIL_HOST=sink.host, EMAIL_PORT=str(sink.port))
        if args.stale_after:
            mail["DELIVERY_STALE_AFTER"] = str(args.stale_after)
        celery = dict(CELERY_BROKER_URL=BROKER, CELERY_TASK_DEFAULT_QUEUE=queue)
        env = server_env(db.url, DELIVERY_MODE="celery", **celery, **mail)
        migrate(env)
        master = create_master_account(env)
        threads = ("--threads", str(args.threads)) if args.threads > 1 else ()
        server = stack.enter_context(Gunicorn(env, args.workers, *threads))
        stack.callback(drop_queue, queue)
        stack.callback(stop_worker, start_worker(env, 2))
        api = Api(server.base_url)
        api.login(master["api_key"])
        spec = workload(api.token, *build_tenants(api, master["account_id"]))
        customer = spec[-1]["path"].split("/")[3]
        for r in spec:  # every request once by hand: the mix must be all 2xx before loading
            headers = {k: v for k, v in r["headers"].items() if k != "Content-Type"}
            body = r["body"] and r["body"].replace("@N@", "check")
            kwargs = dict(content_type="application/json", **headers)
            status, _, raw = api.request(r["method"], r["path"], body, **kwargs)
            if status != (202 if r["kind"] == "send" else 200):
                raise RuntimeError(f"{r['method']} {r['path']} -> {status}: {raw[:300]!r}")
        print(f"mixed load: {args.duration:g}s, {args.connections} connections", flush=True)
        run = mixed_wrk if use_wrk else mixed_python
        mixed, statuses, issued = run(server.base_url, spec, args.duration, args.connections)
        soaked = soak(api, customer, sink, timeout=120 + 60 * args.duration * args.relay_delay)
        bare_url = f"{server.base_url}/bench/bare/{customer}"
        bare = run_load(
            bare_url, {}, args.bare_duration, args.connections, force_python=not use_wrk
        )
        if mixed.errors or bare.errors:
            print("--- gunicorn log (tail) ---\n" + server.output())
    kind = f"gthread x{args.threads}" if args.threads > 1 else "sync"
    print(f"\n{mixed.tool}, {args.connections} connections, gunicorn -w {args.workers} ({kind}),")
    print("2 Celery worker processes (prefork), PostgreSQL, LOG_LEVEL=WARNING")
    print(f"{'run':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in (("mixed", mixed), ("bare", bare)):
        print(f"{name:<6} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}")
    print(f"requests issued by kind {dict(issued)}, responses by status {dict(statuses)}")
    accepted = statuses[202] + 1  # + the checking send
    s = soaked
    print(
        f"sends: {accepted} answered 202 (+{s['logged'] - accepted} cut off in flight at the end)"
    )
    print(f"       {s['logged']} logged, {s['delivered']} delivered, {s['unique']} distinct")
    print(f"       recipients, {s['unsent']} log rows not 'sent'")
    matched = s["logged"] == s["delivered"] == s["unique"] and not s["unsent"]
    matched = matched and accepted <= s["logged"] <= accepted + args.connections
    if not matched:
        print("WARNING: sends accepted and emails delivered do not match")
    print(f"load_mixed_vs_bare: ratio={mixed.rps / bare.rps:.2f} target={TARGET}")
    print(f"load_errors: ratio={mixed.errors} target=0")
    per_10k = 10_000 * s["duplicates"] / max(s["logged"], 1)
    print(f"relay delay {args.relay_delay:g}s: {s['duplicates']} duplicated, {s['lost']} lost")
    print(f"load_duplicates_per_10000_sends: ratio={per_10k:.1f} target=0")
    return 1 if (mixed.errors or not matched or s["duplicates"] or s["lost"]) else 0


if __name__ == "__main__":
    sys.exit(main())
