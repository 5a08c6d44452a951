"""customer_update at scale: a reseller with 1,000 customers × 10 admins (10,000 recipients).

    .venv/bin/python bench/broadcast.py [--db postgres|sqlite] [--workers 4]
    .venv/bin/python bench/broadcast.py --multi [--users 10000] [--db …] [--workers 2]

Prints four figures (needs Redis on 127.0.0.1:6379 and django-post_office installed,
``pip install '.[bench]'``):

(a) API answer time of the broadcast at 100, 1,000 and 10,000 recipients — it must not grow
    with N (``broadcast_api_10k_vs_100`` = time at 10,000 / time at 100, target ≤ 1.5);
(b) emails/s until all 10,000 reached a local SMTP sink, fan-out included, with
    ``--workers`` Celery worker processes, against raw smtplib over as many connections;
(c) the peak resident memory of a worker process at 10,000 vs 1,000 recipients (flat: ≤ 1.2);
(d) django-post_office sending 10,000 comparable messages to the same sink with as many
    processes (we should be ≥ 2× faster).

``--multi`` runs the multi-channel broadcast instead (SPEC-channels §13.4): ``--users``
users (default 10,000) × (email, sms through a ``fake`` vendor gateway of the reseller,
internal), so 3 × N rows. It prints the API answer time at N/10 and N users (median of 3,
before any worker runs), the rows written per second by the fan-out (broadcast created →
fan-out finished, database timestamps; the workers deliver at the same time) and the
workers' peak RSS at N/10 vs N users (flat: ``broadcast_multi_worker_memory`` ≤ 1.2).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    PYTHON,
    REPO,
    Api,
    Gunicorn,
    create_master_account,
    migrate,
    server_env,
    temp_database,
)
from bench.delivery import raw_smtplib, start_worker, stop_worker
from smtplog.sink import MailSink

BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
AUDIENCES = {"r100": 10, "r1k": 100, "r10k": 1000}  # reseller → customer accounts (×10)


def run_module(env: dict, module: str, *args: str) -> dict:
    done = subprocess.run(
        [PYTHON, "-m", module, *map(str, args)], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def broadcast(api: Api, reseller_id: str) -> tuple[float, dict]:
    path = f"/v2/accounts/{reseller_id}/notifications/customer_update/message"
    body = {"subject": "Maintenance for {{user.first_name}} ({{customer.name}})"}
    started = time.perf_counter()
    envelope = api.call("POST", path, body)
    return time.perf_counter() - started, envelope["data"]


def answer_times(api: Api, resellers: dict, repeats: int = 5) -> dict:
    """Median API answer time per audience. No worker runs yet: nothing is delivered."""
    return {
        name: statistics.median(broadcast(api, rid)[0] for _ in range(repeats))
        for name, rid in resellers.items()
    }


def peak_rss_kb(group_leader: int) -> int:
    """The largest peak RSS (VmHWM) among the processes of a process group."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            if os.getpgid(int(status.parent.name)) != group_leader:
                continue
        except (OSError, ProcessLookupError):
            continue
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


def deliver(env: dict, api: Api, sink: MailSink, reseller_id: str, workers: int):
    """Broadcast, start the workers, wait for every email; (seconds, recipients, peak kB)."""
    sink.clear()
    _, counts = broadcast(api, reseller_id)
    worker = start_worker(env, workers)
    try:
        sink.wait_for(1, timeout=120)
        started = time.perf_counter()
        sink.wait_for(counts["recipients"], timeout=900)
        seconds = time.perf_counter() - started
        return seconds, counts["recipients"], peak_rss_kb(worker.pid)
    finally:
        stop_worker(worker)


def post_office(sink: MailSink, count: int, processes: int) -> float:
    with temp_database("sqlite") as db:
        env = server_env(
            db.url,
            DJANGO_SETTINGS_MODULE="bench.postoffice_settings",
            EMAIL_HOST=sink.host,
            EMAIL_PORT=str(sink.port),
        )
        sink.clear()
        seconds = run_module(env, "bench._postoffice_run", count, processes)["seconds"]
        sink.wait_for(count, timeout=60)
        return seconds


def measure(args) -> dict:
    results: dict = {}
    with MailSink() as sink, temp_database(args.db) as db:
        queue = f"bench-{os.getpid()}"
        env = server_env(
            db.url,
            DELIVERY_MODE="celery",
            CELERY_BROKER_URL=BROKER,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_HOST=sink.host,
            EMAIL_PORT=str(sink.port),
        )
        migrate(env)
        master = create_master_account(env)
        resellers = {
            name: run_module(env, "bench._broadcast_world", name, customers, 10)["reseller_id"]
            for name, customers in AUDIENCES.items()
        }
        with Gunicorn(env, workers=2) as server:
            api = Api(server.base_url)
            api.login(master["api_key"])
            results["answer"] = answer_times(api, resellers)
            subprocess.run(["redis-cli", "-u", BROKER, "del", queue], capture_output=True)
            run_module(env, "bench._drop_pending")
            small = deliver(env, api, sink, resellers["r1k"], args.workers)
            large = deliver(env, api, sink, resellers["r10k"], args.workers)
        sent = large[1]
        results.update(ours=sent / large[0], peak_small=small[2], peak_large=large[2])
        sink.clear()
        results["raw"] = sent / raw_smtplib(sink, sent, args.workers, 2200)
        sink.wait_for(sent, timeout=120)
        results["post_office"] = sent / post_office(sink, sent, args.workers)
    return results


# --- multi-channel run ----------------------------------------------------------------------

MULTI_CHANNELS = ["email", "sms", "internal"]
MULTI_MESSAGE = {
    "subject": "Maintenance for {{user.first_name}} ({{customer.name}})",
    "plain": "Dear {{user.first_name}}, {{customer.name}} is down tonight.",
    "sms": "{{customer.name}}: maintenance tonight.",
    "channels": MULTI_CHANNELS,
}
FAKE_SMS = {"name": "Fake SMS", "kind": "vendor", "settings": {"vendor": "fake"}}


def multi_world(env: dict, api: Api, name: str, users: int) -> str:
    """A reseller with ``users`` customer admins (10 per customer), phones and a fake gateway."""
    reseller = run_module(env, "bench._broadcast_world", name, max(users // 10, 1), 10, "--phones")
    api.call("PUT", f"/v2/accounts/{reseller['reseller_id']}/gateways", FAKE_SMS, expect=(201,))
    return reseller["reseller_id"]


def multi_path(reseller_id: str) -> str:
    return f"/v2/accounts/{reseller_id}/notifications/customer_update/message"


def multi_answer_time(api: Api, reseller_id: str, repeats: int = 3) -> float:
    """Median answer time of the 3-channel broadcast; no worker runs, nothing is sent."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        api.call("POST", multi_path(reseller_id), MULTI_MESSAGE)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def multi_broadcast(env: dict, api: Api, reseller_id: str, workers: int) -> dict:
    """One 3-channel broadcast with the workers already up; its fan-out figures."""
    worker = start_worker(env, workers)
    try:
        time.sleep(5)  # the worker is up and idle before the broadcast is made
        answer = api.call("POST", multi_path(reseller_id), MULTI_MESSAGE)["data"]
        deadline = time.monotonic() + 1800
        while True:
            stats = run_module(env, "bench._fanout_stats", answer["broadcast_id"])
            if stats["finished"] or time.monotonic() > deadline:
                break
            time.sleep(2)
        peak = peak_rss_kb(worker.pid)
        return {**stats, "expected": answer["recipients"], "peak_kb": peak}
    finally:
        stop_worker(worker)


def measure_multi(args) -> dict:
    small_users, large_users = max(args.users // 10, 10), args.users
    with MailSink() as sink, temp_database(args.db) as db:
        queue = f"bench-multi-{os.getpid()}"
        env = server_env(
            db.url,
            DELIVERY_MODE="celery",
            CELERY_BROKER_URL=BROKER,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_HOST=sink.host,
            EMAIL_PORT=str(sink.port),
        )
        migrate(env)
        master = create_master_account(env)
        with Gunicorn(env, workers=2) as server:
            api = Api(server.base_url)
            api.login(master["api_key"])
            small_id = multi_world(env, api, "m-small", small_users)
            large_id = multi_world(env, api, "m-large", large_users)
            for _ in range(6):  # warm every gunicorn worker before timing an answer
                api.call("GET", f"/v2/accounts/{small_id}/notifications")
            answers = [multi_answer_time(api, small_id), multi_answer_time(api, large_id)]
            subprocess.run(["redis-cli", "-u", BROKER, "del", queue], capture_output=True)
            run_module(env, "bench._drop_pending")  # the probes' broadcasts and rows
            small = multi_broadcast(env, api, small_id, args.workers)
            subprocess.run(["redis-cli", "-u", BROKER, "del", queue], capture_output=True)
            large = multi_broadcast(env, api, large_id, args.workers)
            subprocess.run(["redis-cli", "-u", BROKER, "del", queue], capture_output=True)
    small["answer"], large["answer"] = answers
    return {"small_users": small_users, "large_users": large_users, "small": small, "large": large}


def report_multi(r: dict) -> None:
    small, large = r["small"], r["large"]
    for users, run in ((r["small_users"], small), (r["large_users"], large)):
        rate = run["rows"] / run["seconds"] if run["seconds"] else float("nan")
        print(
            f"multi-channel, {users:>6} users: answer {run['answer'] * 1000:6.1f} ms, "
            f"{run['rows']}/{run['expected']} rows {run['by_channel']} "
            f"in {run['seconds'] or float('nan'):.1f} s = {rate:6.0f} rows/s, "
            f"worker peak RSS {run['peak_kb'] / 1024:.0f} MB"
        )
    small_rate = small["rows"] / small["seconds"] if small["seconds"] else float("nan")
    large_rate = large["rows"] / large["seconds"] if large["seconds"] else float("nan")
    n, m = r["large_users"], r["small_users"]
    answer_ratio = large["answer"] / small["answer"]
    print(f"broadcast_multi_api_{n}_vs_{m}: ratio={answer_ratio:.2f} target=1.5")
    print(f"broadcast_multi_rows_per_s_{n}_vs_{m}: ratio={large_rate / small_rate:.2f} target=0.8")
    print(
        f"broadcast_multi_worker_memory_{n}_vs_{m}: "
        f"ratio={large['peak_kb'] / small['peak_kb']:.2f} target=1.2"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=4, help="worker processes = connections")
    parser.add_argument("--multi", action="store_true", help="the email+sms+internal run")
    parser.add_argument("--users", type=int, default=10_000, help="--multi: users in the big run")
    args = parser.parse_args()
    if args.multi:
        report_multi(measure_multi(args))
        return
    r = measure(args)
    answer = r["answer"]
    for name, seconds in answer.items():
        print(f"API answer, {AUDIENCES[name] * 10:>6} recipients: {seconds * 1000:7.1f} ms")
    print(f"delivered (fan-out + SMTP): {r['ours']:7.0f} emails/s")
    print(f"raw smtplib, same sink:     {r['raw']:7.0f} emails/s")
    print(f"django-post_office:         {r['post_office']:7.0f} emails/s")
    print(
        f"worker peak RSS: {r['peak_small'] / 1024:.0f} MB at 1,000, "
        f"{r['peak_large'] / 1024:.0f} MB at 10,000 recipients"
    )
    print(f"broadcast_api_10k_vs_100: ratio={answer['r10k'] / answer['r100']:.2f} target=1.5")
    print(f"broadcast_delivery: ratio={r['ours'] / r['raw']:.2f} target=0.7")
    print(
        f"broadcast_worker_memory_10k_vs_1k: ratio={r['peak_large'] / r['peak_small']:.2f} "
        "target=1.2"
    )
    print(f"broadcast_vs_post_office: ratio={r['ours'] / r['post_office']:.2f} target=2")


if __name__ == "__main__":
    main()
