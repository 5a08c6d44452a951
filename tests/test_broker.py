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


@pytest.fixture
def worker(celery_queue, mail_sink, live_world, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": celery_queue,
        "EMAIL_HOST": mail_sink.host,
        "EMAIL_PORT": str(mail_sink.port),
        "DELIVERY_RETRY_BASE": "0.3",
        "DELIVERY_RETRY_CAP": "1",
        "DELIVERY_STALE_AFTER": "2",
        "DELIVERY_SWEEP_INTERVAL": "1",
        "LOG_LEVEL": "WARNING",
    }
    process = Worker(env, tmp_path / "celerybeat-schedule").start()
    yield process
    process.stop()


def send(world, **data):
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
