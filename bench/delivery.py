"""Delivery throughput: N sends through the send API, delivered by Celery workers to a local
SMTP sink, against raw smtplib pushing the same number of messages over the same number of
connections to the same sink.

    .venv/bin/python bench/delivery.py [--count 2000] [--db postgres|sqlite] [--workers 4]

Two phases, so the figure isolates the delivery pipeline:
1. the sends are submitted through ``POST /v2/accounts/{A}/notifications/{id}/send`` while no
   worker runs (the API's accept rate is reported on its own);
2. a ``celery -A config worker`` with ``--workers`` threads (one SMTP connection each) is
   started and timed until the sink has received every message.
The ceiling is raw ``smtplib`` with ``--workers`` threads, each reusing one connection,
sending a pre-built message of the same size. Needs Redis on 127.0.0.1:6379.
"""

import argparse
import contextlib
import os
import signal
import smtplib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import SMTP
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
from smtplog.sink import MailSink

BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
TEMPLATE = "voicemail_to_email"


def submit_sends(api: Api, account_id: str, count: int, clients: int = 8) -> float:
    """POST ``count`` sends with ``clients`` threads; returns the elapsed seconds."""
    path = f"/v2/accounts/{account_id}/notifications/{TEMPLATE}/send"

    def one(index: int) -> None:
        body = {
            "data": {
                "to": {"email_addresses": [f"user{index}@bench.example"]},
                "macros": {"caller_id": {"name_number": f"Caller {index}"}},
            }
        }
        status, _, raw = api.request("POST", path, body)
        if status != 202:
            raise RuntimeError(f"send -> {status}: {raw[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - started


def start_worker(env: dict, threads: int) -> subprocess.Popen:
    command = [PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "prefork"]
    command += ["--concurrency", str(threads), "--loglevel", "WARNING", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> None:
    """Cold-stop the worker's whole process group: the measurement is over."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its live children (Linux ``/proc``)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid, *map(int, children.read_text().split())] if children.exists() else [pid]
    for one in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_for(sink: MailSink, count: int, timeout: float) -> float:
    """Seconds from now until the sink holds ``count`` messages."""
    started = time.perf_counter()
    sink.wait_for(count, timeout=timeout)
    return time.perf_counter() - started


def raw_smtplib(sink: MailSink, count: int, connections: int, size: int) -> float:
    """``count`` pre-built messages over ``connections`` reused connections; seconds taken."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@bench.example", "b@bench.example", "x"
    message.set_content("\n".join(["x" * 70] * max(size // 71, 1)))
    data = message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire
    share = [count // connections + (i < count % connections) for i in range(connections)]

    def run(n: int) -> None:
        with smtplib.SMTP(sink.host, sink.port) as smtp:
            for _ in range(n):
                smtp.sendmail("a@bench.example", ["b@bench.example"], data)

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(run, share))  # re-raises a thread's error
    return time.perf_counter() - started


def measure(args) -> dict:
    with MailSink() as sink, temp_database(args.db) as db:
        env = server_env(
            db.url,
            DELIVERY_MODE="celery",
            CELERY_BROKER_URL=BROKER,
            CELERY_TASK_DEFAULT_QUEUE=f"bench-{os.getpid()}",
            EMAIL_HOST=sink.host,
            EMAIL_PORT=str(sink.port),
        )
        migrate(env)
        master = create_master_account(env)
        with Gunicorn(env, workers=2) as server:
            api = Api(server.base_url)
            api.login(master["api_key"])
            api_seconds = submit_sends(api, master["account_id"], args.count)
            print(f"submitted {args.count} sends in {api_seconds:.1f}s", flush=True)
        worker = start_worker(env, args.workers)
        try:
            # Timed from the first delivery, so the worker's start-up is not counted.
            sink.wait_for(1, timeout=120)
            cpu_before = cpu_seconds(worker.pid)
            deliver_seconds = wait_for(sink, args.count, timeout=600)
            worker_cpu = cpu_seconds(worker.pid) - cpu_before
        finally:
            stop_worker(worker)
        size = len(sink.messages[0].data)
        sink.clear()
        raw_seconds = raw_smtplib(sink, args.count, args.workers, size)
        sink.wait_for(args.count, timeout=60)
    return {
        "api": args.count / api_seconds,
        "ours": (args.count - 1) / deliver_seconds,
        "raw": args.count / raw_seconds,
        "size": size,
        "cpu_ms": 1000 * worker_cpu / (args.count - 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=4, help="worker processes = connections")
    args = parser.parse_args()
    figures = measure(args)
    print(f"messages: {args.count} of ~{figures['size']} bytes, {args.workers} connections")
    print(f"send API accepted:        {figures['api']:8.0f} sends/s (2 gunicorn workers)")
    print(f"delivered by the workers: {figures['ours']:8.0f} emails/s")
    print(f"raw smtplib, same sink:   {figures['raw']:8.0f} emails/s")
    print(f"worker CPU per email:     {figures['cpu_ms']:8.2f} ms (user + system)")
    print(f"delivery: ratio={figures['ours'] / figures['raw']:.2f} target=0.7")


if __name__ == "__main__":
    main()
