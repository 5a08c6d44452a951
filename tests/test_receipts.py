"""Delivery receipts through the webhook (SPEC-channels §8 receipts, §9).

Rows are real: built by ``new_channel_row``, queued by ``queue_rows`` and sent inline
through a ``webhook`` vendor gateway to the local fake provider, which answers with the
provider id the receipts then name.
"""

import pytest
from django.core.cache import cache

from config.throttling import WebhookRateThrottle
from deliveries import queue as delivery_queue
from deliveries.models import PendingReceipt
from deliveries.rows import queue_rows
from gateways.fakeprovider import FakeProvider
from gateways.models import GatewayEvent
from smtplog.models import SmtpLog
from tests.conftest import Api
from tests.gateways_helpers import create, gateways_path, webhook_gateway
from tests.receipts_helpers import hook_path, new_row, post, receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    with FakeProvider() as running:
        yield running


@pytest.fixture
def gateway(world, provider):
    """R's webhook-vendor gateway (inherited by R's descendants)."""
    return create(world.api("R_admin"), world.id("R"), webhook_gateway(provider.url("/send")))


@pytest.fixture
def send(world, django_capture_on_commit_callbacks):
    """Send one row through a gateway inline; answer the row as recorded."""

    def _send(gateway: dict, account: str = "R", text: str = "hello", **extra) -> SmtpLog:
        row = new_row(gateway["id"], world.accounts[account], text, **extra)
        with django_capture_on_commit_callbacks(execute=True):
            queue_rows([row])
        row.refresh_from_db()
        return row

    return _send


@pytest.fixture
def sent(gateway, provider, send) -> SmtpLog:
    """A row of R sent through ``gateway``, with the provider id ``pm-1``."""
    provider.script("/send", {"body": {"id": "pm-1", "status": "sent"}})
    row = send(gateway)
    assert (row.status, row.provider_message_id) == ("sent", "pm-1")
    return row


def reload(row: SmtpLog) -> SmtpLog:
    row.refresh_from_db()
    return row


# --- The state machine ---------------------------------------------------------------------


def test_a_delivered_receipt_marks_the_sent_row_delivered(gateway, sent):
    results = post(gateway, receipt("pm-1"))
    assert results == [{"event": "status", "result": "applied", "delivery_id": sent.pk}]
    row = reload(sent)
    assert row.status == "delivered"
    assert row.delivered_at is not None


def test_each_receipt_is_appended_to_the_rows_events(gateway, sent):
    post(gateway, receipt("pm-1"))
    post(gateway, receipt("pm-1", "failed"))
    entries = [e for e in reload(sent).events if e["source"] == "webhook"]
    assert [(e["status"], e["applied"]) for e in entries] == [
        ("delivered", True),
        ("failed", False),
    ]
    assert all(entry["at"] and entry["detail"] for entry in entries)


def test_a_failed_receipt_fails_a_sent_row_permanently_with_its_code(gateway, sent):
    body = receipt("pm-1", "failed", error_code="30005", error="Unknown destination handset")
    assert post(gateway, body)[0]["result"] == "applied"
    row = reload(sent)
    assert (row.status, row.failure, row.error_code) == ("failed", "permanent-failure", "30005")
    assert row.error == "Unknown destination handset"


def test_a_temporary_failure_receipt_fails_the_row_as_temporary(gateway, sent):
    post(gateway, receipt("pm-1", "temporary-failure"))
    row = reload(sent)
    assert (row.status, row.failure) == ("failed", "temporary-failure")


def test_delivered_after_a_failed_receipt_wins(gateway, sent):
    post(gateway, receipt("pm-1", "failed", error_code="30003"))
    assert post(gateway, receipt("pm-1"))[0]["result"] == "applied"
    row = reload(sent)
    assert (row.status, row.failure, row.error_code) == ("delivered", "", "")


def test_failed_after_delivered_is_ignored(gateway, sent):
    post(gateway, receipt("pm-1"))
    assert post(gateway, receipt("pm-1", "failed"))[0]["result"] == "ignored"
    assert reload(sent).status == "delivered"


def test_sent_after_delivered_is_ignored(gateway, sent):
    post(gateway, receipt("pm-1"))
    assert post(gateway, receipt("pm-1", "sent"))[0]["result"] == "ignored"
    assert reload(sent).status == "delivered"


def test_a_repeated_delivered_is_a_duplicate_recorded_unapplied(gateway, sent):
    post(gateway, receipt("pm-1"))
    first_delivered_at = reload(sent).delivered_at
    assert post(gateway, receipt("pm-1"))[0]["result"] == "duplicate"
    row = reload(sent)
    assert row.delivered_at == first_delivered_at
    assert [e["applied"] for e in row.events if e["source"] == "webhook"] == [True, False]


def test_a_sent_receipt_on_a_sent_row_is_a_duplicate(gateway, sent):
    assert post(gateway, receipt("pm-1", "sent"))[0]["result"] == "duplicate"


def test_a_sent_receipt_moves_a_queued_row_to_sent(world, gateway):
    row = new_row(gateway["id"], world.accounts["R"], provider_message_id="pm-q")
    row.held = True  # a queued row no worker takes
    row.save()
    assert post(gateway, receipt("pm-q", "sent"))[0]["result"] == "applied"
    row = reload(row)
    assert row.status == "sent"
    assert row.sent_at is not None


def test_a_failed_receipt_on_a_queued_row_is_ignored(world, gateway):
    row = new_row(gateway["id"], world.accounts["R"], provider_message_id="pm-q")
    row.held = True  # a queued row no worker takes
    row.save()
    assert post(gateway, receipt("pm-q", "failed"))[0]["result"] == "ignored"
    assert reload(row).status == "queued"


def test_a_failed_receipt_on_a_row_the_worker_failed_is_a_duplicate(world, gateway):
    row = new_row(gateway["id"], world.accounts["R"], provider_message_id="pm-f")
    row.status = "failed"
    row.save()
    assert post(gateway, receipt("pm-f", "failed"))[0]["result"] == "duplicate"


def test_each_receipt_is_kept_in_the_gateways_events_with_its_result(world, gateway, sent):
    post(gateway, [receipt("pm-1"), receipt("pm-1")])
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/events"
    events = world.api("R_admin").get(path).json()["data"]
    assert [(e["model"], e["result"], e["delivery_id"]) for e in events] == [
        ("status", "duplicate", sent.pk),
        ("status", "applied", sent.pk),
    ]


# --- Tenancy -------------------------------------------------------------------------------


def test_a_receipt_reaches_a_descendants_row_through_the_inherited_gateway(gateway, provider, send):
    provider.script("/send", {"body": {"id": "pm-g", "status": "sent"}})
    row = send(gateway, account="G")
    assert post(gateway, receipt("pm-g"))[0] == {
        "event": "status",
        "result": "applied",
        "delivery_id": row.pk,
    }
    assert reload(row).status == "delivered"


def test_a_receipt_at_another_resellers_webhook_never_changes_this_tree(
    world, gateway, provider, send
):
    other = create(world.api("R2_admin"), world.id("R2"), webhook_gateway(provider.url("/send2")))
    provider.script("/send", {"body": {"id": "same-id", "status": "sent"}})
    provider.script("/send2", {"body": {"id": "same-id", "status": "sent"}})
    ours, theirs = send(gateway, account="C1"), send(other, account="D")
    results = post(other, receipt("same-id", "failed"))
    assert results[0]["delivery_id"] == theirs.pk
    assert (reload(ours).status, reload(theirs).status) == ("sent", "failed")


def test_a_receipt_for_a_row_of_another_gateway_stays_pending(world, gateway, sent, provider):
    other = create(world.api("R2_admin"), world.id("R2"), webhook_gateway(provider.url("/send2")))
    assert post(other, receipt("pm-1"))[0]["result"] == "pending"
    assert reload(sent).status == "sent"


# --- Orphans -------------------------------------------------------------------------------


def test_a_receipt_for_an_unknown_id_is_pending(gateway):
    assert post(gateway, receipt("pm-later")) == [
        {"event": "status", "result": "pending", "delivery_id": None}
    ]
    assert PendingReceipt.objects.filter(provider_message_id="pm-later").count() == 1


def test_pending_receipts_apply_in_arrival_order_when_the_row_records_the_id(
    gateway, provider, send
):
    post(gateway, receipt("pm-later", "failed", error_code="30003"))
    post(gateway, receipt("pm-later"))
    provider.script("/send", {"body": {"id": "pm-later", "status": "sent"}})
    row = send(gateway)
    assert row.status == "delivered"
    assert [(e["status"], e["applied"]) for e in row.events if e["source"] == "webhook"] == [
        ("failed", True),
        ("delivered", True),
    ]
    assert "held pending" in row.events[-1]["detail"]
    assert not PendingReceipt.objects.exists()


def test_an_expired_pending_receipt_is_purged_by_the_sweep_and_never_applied(
    gateway, provider, send, settings
):
    post(gateway, receipt("pm-late"))
    settings.CHANNELS_ORPHAN_RECEIPT_TTL = 0
    delivery_queue.sweep()
    assert not PendingReceipt.objects.exists()
    settings.CHANNELS_ORPHAN_RECEIPT_TTL = 600
    provider.script("/send", {"body": {"id": "pm-late", "status": "sent"}})
    assert send(gateway).status == "sent"


def test_the_sweep_settles_a_pending_receipt_whose_row_appeared(world, gateway):
    post(gateway, receipt("pm-s"))
    row = new_row(gateway["id"], world.accounts["R"], provider_message_id="pm-s")
    row.status = "sent"
    row.save()
    delivery_queue.sweep()
    assert reload(row).status == "delivered"
    assert not PendingReceipt.objects.exists()


# --- Bad input and limits ------------------------------------------------------------------


def test_an_unknown_receipt_status_is_unmatched(gateway, sent):
    results = post(gateway, receipt("pm-1", "exploded"))
    assert results == [{"event": "status", "result": "unmatched", "delivery_id": None}]
    assert reload(sent).status == "sent"


def test_a_body_of_unknown_shapes_is_one_unmatched_result(gateway):
    results = post(gateway, [1, "two", {"type": "bogus"}])
    assert results == [{"event": None, "result": "unmatched", "delivery_id": None}]


def test_a_garbage_body_is_400_and_nothing_is_kept(gateway):
    garbage = b"\xff\xfe\x00garbage{"
    response = Api().post(hook_path(gateway), garbage, content_type="application/json")
    assert response.status_code == 400
    assert not GatewayEvent.objects.filter(gateway_id=gateway["id"]).exists()


def test_an_oversized_body_is_413(gateway, settings):
    settings.CHANNELS_WEBHOOK_MAX_BYTES = 64
    body = receipt("pm-1", error="x" * 100)
    assert Api().post(hook_path(gateway), body).status_code == 413


def test_a_wrong_hook_token_is_404(gateway):
    path = f"/v2/webhooks/{gateway['id']}/{'0' * 32}"
    assert Api().post(path, receipt("pm-1")).status_code == 404


def test_webhook_auth_without_the_bearer_is_401_and_applies_nothing(world, provider, send):
    document = webhook_gateway(provider.url("/send"), webhook_auth={"token": "cb"})
    document["webhook_auth"]["type"] = "Bearer"
    guarded = create(world.api("R_admin"), world.id("R"), document)
    provider.script("/send", {"body": {"id": "pm-a", "status": "sent"}})
    row = send(guarded)
    assert Api().post(hook_path(guarded), receipt("pm-a")).status_code == 401
    assert reload(row).status == "sent"


def test_webhooks_are_throttled_per_client_address_with_retry_after(gateway, monkeypatch):
    cache.clear()
    monkeypatch.setattr(WebhookRateThrottle, "THROTTLE_RATES", {"webhook": "2/minute"})
    client = Api()
    answers = [
        client.post(hook_path(gateway), receipt("pm-x"), REMOTE_ADDR="198.51.100.7")
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) >= 1
    other = client.post(hook_path(gateway), receipt("pm-x"), REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 200
    cache.clear()
