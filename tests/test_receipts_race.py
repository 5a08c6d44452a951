"""Receipts racing the worker and each other, with real threads and committed transactions.

The fake provider holds its answer to the send (a scripted delay) while the test thread
posts the receipt, so the receipt really arrives before the worker records the provider
id. Run these on PostgreSQL too (``DATABASE_URL=postgres://…``): SQLite serializes
writers, PostgreSQL really interleaves them.
"""

import threading
import time

import pytest
from django.db import connection

from deliveries import outbox
from deliveries.models import PendingReceipt
from deliveries.rows import queue_rows
from gateways import services as gateways
from gateways.fakeprovider import FakeProvider
from smtplog.models import SmtpLog
from tests.conftest import Api
from tests.gateways_helpers import webhook_gateway
from tests.receipts_helpers import hook_path, new_row, post, receipt

pytestmark = pytest.mark.django_db(transaction=True)
SLOW_ANSWER = 3.0  # seconds the provider sits on the send while the receipt overtakes it


@pytest.fixture
def provider():
    with FakeProvider() as running:
        yield running


@pytest.fixture
def gateway(live_world, provider):
    document = webhook_gateway(provider.url("/send"))
    return gateways.create(live_world.accounts["R"], document)


def in_thread(target, *args) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_for_request(provider: FakeProvider, count: int = 1) -> None:
    """Block until the provider has received the send (not a timing assertion)."""
    deadline = time.monotonic() + 30
    while len(provider.requests) < count:
        assert time.monotonic() < deadline, "the send never reached the provider"
        time.sleep(0.01)


def test_a_receipt_that_overtakes_the_send_answer_is_applied_once_the_id_is_recorded(
    live_world, gateway, provider
):
    provider.script("/send", {"delay": SLOW_ANSWER, "body": {"id": "race-1", "status": "sent"}})
    row = new_row(gateway.pk, live_world.accounts["C1"])
    worker = in_thread(queue_rows, [row])  # commits, then delivers inline in that thread
    wait_for_request(provider)
    assert post(gateway, receipt("race-1")) == [
        {"event": "status", "result": "pending", "delivery_id": None}
    ]
    worker.join(timeout=60)
    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == ("delivered", "race-1")
    assert [e["applied"] for e in row.events if e["source"] == "webhook"] == [True]
    assert not PendingReceipt.objects.exists()


def test_a_delivered_receipt_during_a_resend_survives_the_workers_record(
    live_world, gateway, provider
):
    """A row failed by a receipt and queued again (a retry) still carries its old provider
    id; a late ``delivered`` for it lands while the worker is sending, and the worker's
    own record must not turn the row back into ``sent``."""
    row = new_row(gateway.pk, live_world.accounts["R"], provider_message_id="old-id")
    row.save()
    SmtpLog.objects.filter(pk=row.pk).update(status="queued")
    provider.script("/send", {"delay": SLOW_ANSWER, "body": {"id": "new-id", "status": "sent"}})
    worker = in_thread(outbox.deliver_many, [row.pk], 0)
    wait_for_request(provider)
    assert post(gateway, receipt("old-id"))[0]["result"] == "applied"
    worker.join(timeout=60)
    row.refresh_from_db()
    assert row.status == "delivered"


def test_parallel_duplicate_receipts_are_applied_once(live_world, gateway, provider):
    provider.script("/send", {"body": {"id": "dup-1", "status": "sent"}})
    row = new_row(gateway.pk, live_world.accounts["R"])
    queue_rows([row])
    results: list[str] = []
    start = threading.Barrier(8, timeout=30)

    def deliver() -> None:
        start.wait()
        response = Api().post(hook_path(gateway), receipt("dup-1"))
        results.append(response.json()["data"]["results"][0]["result"])

    threads = [in_thread(deliver) for _ in range(8)]
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["applied"] + ["duplicate"] * 7
    row.refresh_from_db()
    assert row.status == "delivered"
    applied = [e for e in row.events if e["source"] == "webhook" and e["applied"]]
    assert len(applied) == 1
    assert len([e for e in row.events if e["source"] == "webhook"]) == 8
