"""Delivery with a real Celery worker and broker: faults end in exactly one email.

Needs ``TEST_CELERY_BROKER_URL`` (Redis or RabbitMQ); skipped, and reported as skipped,
otherwise. The worker is a separate process sharing the test database.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from smtplog.models import SmtpLog

BROKER = os.environ.get("TEST_CELERY_BROKER_URL")
ROOT = Path(__file__).resolve().parent.parent
VM = "voicemail_to_email"

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(not BROKER, reason="TEST_CELERY_BROKER_URL is not set"),
]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


class Worker:
    """``celery -A config worker --beat`` in its own process group, killable like a crash.

    Beat runs the periodic sweep that re-enqueues rows whose worker died.
    """

    def __init__(self, env: dict, schedule: Path):
        self.env = env
        self.schedule = schedule
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--beat",
                "--schedule",
                str(self.schedule),
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_queue(settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    celery_app.conf.broker_url = BROKER
    celery_app.conf.task_default_queue = queue
    settings.DELIVERY_MODE = "celery"
    yield queue
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = previous


def worker_env(broker: str, queue: str, sink) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_HOST": sink.host,
        "EMAIL_PORT": str(sink.port),
        "DELIVERY_RETRY_BASE": "0.3",
        "DELIVERY_RETRY_CAP": "1",
        "DELIVERY_STALE_AFTER": "2",
        "DELIVERY_SWEEP_INTERVAL": "1",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def worker(celery_queue, mail_sink, live_world, tmp_path):
    env = worker_env(BROKER, celery_queue, mail_sink)
    process = Worker(env, tmp_path / "celerybeat-schedule").start()
    yield process
    process.stop()


def send(world, **data) -> str:
    body = {"data": {"to": {"email_addresses": ["to@x.example"]}, **data}}
    response = world.api("C1_admin").post(
        f"/v2/accounts/{world.id('C1')}/notifications/{VM}/send", body
    )
    assert response.status_code == 202, response.content
    return response.json()["data"]["log_ids"][0]


def wait_for_status(log_id, statuses, timeout=30.0) -> SmtpLog:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = SmtpLog.objects.get(pk=log_id)
        if row.status in statuses:
            return row
        time.sleep(0.1)
    raise AssertionError(f"log {log_id} still {row.status} after {timeout}s: {row.error}")


def test_smtp_down_then_back_is_delivered_exactly_once(worker, mail_sink, live_world):
    mail_sink.stop()
    log_id = send(live_world)
    deadline = time.monotonic() + 20
    while "refused" not in SmtpLog.objects.get(pk=log_id).error and time.monotonic() < deadline:
        time.sleep(0.1)
    mail_sink.start()
    row = wait_for_status(log_id, {"sent"})
    assert row.attempts == 1  # the outage spent none of the row's attempts
    time.sleep(1.5)
    assert len(mail_sink.messages) == 1


def test_worker_killed_mid_send_delivers_once_after_restart(worker, mail_sink, live_world):
    mail_sink.stall_next_rcpt(30)
    log_id = send(live_world)
    wait_for_status(log_id, {"sending"})
    time.sleep(0.5)
    worker.kill()
    mail_sink.clear()
    worker.start()
    row = wait_for_status(log_id, {"sent"}, timeout=40)
    assert row.attempts == 2
    time.sleep(1.5)
    assert len(mail_sink.messages) == 1


def test_permanent_failure_is_failed_and_not_retried(worker, mail_sink, live_world):
    mail_sink.fail_next(1, code=554, message="5.7.1 Rejected")
    log_id = send(live_world)
    row = wait_for_status(log_id, {"failed"})
    time.sleep(1.5)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1
    assert mail_sink.messages == []


def test_idempotency_key_sends_one_email(worker, mail_sink, live_world):
    first = send(live_world, idempotency_key="order-42")
    second = send(live_world, idempotency_key="order-42")
    assert first == second
    wait_for_status(first, {"sent"})
    time.sleep(1.0)
    assert len(mail_sink.messages) == 1


def test_broadcast_is_delivered_by_the_worker(worker, mail_sink, live_world):
    response = live_world.api("R_admin").post(
        f"/v2/accounts/{live_world.id('R')}/notifications/customer_update/message",
        {"data": {"include_descendants": True}},
    )
    assert response.json()["data"]["recipients"] == 3
    mail_sink.wait_for(3, timeout=30)
    time.sleep(1.0)
    assert len(mail_sink.messages) == 3


# --- faults mid-batch, counted by Message-ID at the sink --------------------------------------


def wait_all_sent(log_ids, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not SmtpLog.objects.filter(pk__in=log_ids).exclude(status="sent").exists():
            return
        time.sleep(0.2)
    raise AssertionError("not every row was sent")


def assert_exactly_once(sink, log_ids, allowed_duplicates=0) -> None:
    """Every row reached the sink; a duplicate (a kill during DATA) has the same Message-ID."""
    expected = set(SmtpLog.objects.filter(pk__in=log_ids).values_list("message_id", flat=True))
    received = [m.message["Message-ID"] for m in sink.messages]
    assert set(received) == expected  # 0 lost, and nothing that is not in the log
    assert len(received) - len(expected) <= allowed_duplicates


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(worker, mail_sink, live_world):
    mail_sink.data_delay = 0.2
    log_ids = [send(live_world, to={"email_addresses": [f"u{i}@x.example"]}) for i in range(10)]
    mail_sink.wait_for(3, timeout=30)
    worker.kill()
    worker.start()
    wait_all_sent(log_ids)
    time.sleep(1.0)
    # One message may be in flight (in DATA) per delivery thread: the worker runs four.
    assert_exactly_once(mail_sink, log_ids, allowed_duplicates=4)


@pytest.fixture
def own_broker(tmp_path):
    """A private redis-server on a free port (never the shared one), killable and restartable."""
    from smtplog.sink import _free_port

    port = _free_port("127.0.0.1")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp_path)]

    class Broker:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
            time.sleep(0.5)

        def kill(self):
            self.process.kill()
            self.process.wait(10)

    broker = Broker()
    broker.start()
    yield broker
    broker.kill()


def test_broker_killed_and_restarted_empty_loses_and_duplicates_nothing(
    own_broker, mail_sink, live_world, tmp_path, settings
):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = own_broker.url, queue
    settings.DELIVERY_MODE = "celery"
    process = Worker(worker_env(own_broker.url, queue, mail_sink), tmp_path / "beat").start()
    try:
        mail_sink.data_delay = 0.2
        log_ids = [send(live_world, to={"email_addresses": [f"u{i}@x.example"]}) for i in range(5)]
        mail_sink.wait_for(2, timeout=30)
        own_broker.kill()  # queued tasks are gone with it
        log_ids += [send(live_world, to={"email_addresses": [f"v{i}@x.example"]}) for i in range(5)]
        own_broker.start()  # empty
        wait_all_sent(log_ids)
        time.sleep(1.0)
        assert_exactly_once(mail_sink, log_ids)
    finally:
        process.stop()
        celery_app.conf.broker_url, celery_app.conf.task_default_queue = previous
