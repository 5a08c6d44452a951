"""The outbox's promises, against a real SMTP sink over TCP: exactly once per row, per-
recipient 4xx/5xx handling, an unreachable relay spends no attempts, a second channel
goes through the same loop, priority order, retention."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.celery import app as celery_app
from deliveries import outbox, queue, retention, transports
from deliveries.transports import DeliveryError, SendResult
from smtplog.email import new_email
from smtplog.models import SmtpLog

VM = "voicemail_to_email"


def send(world, *addresses, **data):
    body = {"data": {"to": {"email_addresses": list(addresses)}, **data}}
    response = world.api("C1_admin").post(
        f"/v2/accounts/{world.id('C1')}/notifications/{VM}/send", body
    )
    assert response.status_code == 202, response.content
    return SmtpLog.objects.get(pk=response.json()["data"]["log_ids"][0])


def queued_email(world, to: str, **extra) -> SmtpLog:
    """A queued row nobody has dispatched yet (as a crashed process leaves them)."""
    row = new_email(
        world.accounts["C1"], VM, from_addr="n@x.example", to=[to], subject=to,
        bodies={"text/plain": "hi"}, macros={}, **extra,
    )  # fmt: skip
    row.save(force_insert=True)
    return row


def received_ids(sink) -> list[str]:
    return [m.message["Message-ID"] for m in sink.messages]


def deliver_due() -> None:
    call_command("sweep_deliveries", "--now")


# --- exactly once ---------------------------------------------------------------------------


def test_a_slow_batch_is_never_sent_twice_by_a_concurrent_sweep(live_world, mail_sink, settings):
    settings.DELIVERY_STALE_AFTER = 1.0
    settings.DELIVERY_DRAIN_SECONDS = 0
    mail_sink.data_delay = 0.25  # the batch takes ~2.5 s, over twice the lease
    rows = [queued_email(live_world, f"u{i}@x.example") for i in range(10)]
    worker = threading.Thread(target=outbox.deliver_many, args=([r.pk for r in rows],))
    worker.start()
    while worker.is_alive():  # a second worker sweeping and claiming all along
        outbox.reclaim_stale()
        outbox.deliver_many([], drain_for=0)
        time.sleep(0.1)
    worker.join()
    ids = received_ids(mail_sink)
    assert sorted(ids) == sorted(r.message_id for r in rows)
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {"sent"}


def test_a_worker_that_lost_its_lease_records_nothing(live_world, mail_sink):
    row = queued_email(live_world, "a@x.example")
    [mine] = outbox.claim([row.pk])
    SmtpLog.objects.filter(pk=row.pk).update(claim_token="someone-else")
    assert outbox.send_claimed(mine) is None
    assert mail_sink.messages == []
    row.refresh_from_db()
    assert row.status == "sending" and row.claim_token == "someone-else"


def test_the_sweep_takes_back_only_expired_leases(live_world, settings):
    settings.DELIVERY_STALE_AFTER = 60
    fresh = queued_email(live_world, "a@x.example")
    expired = queued_email(live_world, "b@x.example")
    outbox.claim([fresh.pk, expired.pk])
    old = timezone.now() - timedelta(seconds=61)
    SmtpLog.objects.filter(pk=expired.pk).update(claimed_at=old)
    assert outbox.reclaim_stale() == 1
    assert SmtpLog.objects.get(pk=fresh.pk).status == "sending"
    assert SmtpLog.objects.get(pk=expired.pk).status == "queued"


# --- recipients refused by the relay ---------------------------------------------------------


def test_a_greylisted_recipient_is_retried_on_its_own(live_world, mail_sink, settings):
    settings.DELIVERY_RETRY_BASE = 0
    mail_sink.greylist("tmp@x.example")
    row = send(live_world, "ok@x.example", "tmp@x.example")
    deliver_due()
    row.refresh_from_db()
    first, second = mail_sink.wait_for(2)
    assert first.rcpt_tos == ["ok@x.example"] and second.rcpt_tos == ["tmp@x.example"]
    assert first.message["Message-ID"] == second.message["Message-ID"] == row.message_id
    assert row.status == "sent" and row.attempts == 2


def test_a_recipient_refused_for_good_is_reported_and_the_others_get_it(live_world, mail_sink):
    mail_sink.reject_recipient("gone@x.example", 550)
    row = send(live_world, "ok@x.example", "gone@x.example")
    assert row.status == "sent"
    assert [m.rcpt_tos for m in mail_sink.messages] == [["ok@x.example"]]
    assert row.invalid_addresses[-1]["address"] == "gone@x.example"
    assert row.invalid_addresses[-1]["code"] == 550


# --- an unreachable relay ---------------------------------------------------------------------


def test_an_outage_longer_than_the_retry_budget_loses_nothing(live_world, mail_sink, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    settings.DELIVERY_RETRY_BASE = 0
    mail_sink.stop()
    rows = [send(live_world, f"u{i}@x.example") for i in range(3)]
    for _ in range(5):
        deliver_due()
    assert {(r.status, r.attempts) for r in SmtpLog.objects.all()} == {("queued", 0)}
    mail_sink.start()
    deliver_due()
    assert sorted(received_ids(mail_sink)) == sorted(r.message_id for r in rows)
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {"sent"}


def test_an_unreachable_relay_holds_back_the_rest_of_the_batch(live_world, mail_sink, settings):
    settings.DELIVERY_RETRY_BASE = 30  # the breaker stays open for the whole test
    mail_sink.stop()
    rows = [queued_email(live_world, f"u{i}@x.example") for i in range(3)]
    retries = outbox.deliver_many([r.pk for r in rows])
    assert len(retries) == 1  # one later probe, not one task per row
    assert {r.status for r in SmtpLog.objects.all()} == {"queued"}
    assert {r.attempts for r in SmtpLog.objects.all()} == {0}


# --- dispatch --------------------------------------------------------------------------------


def test_a_broker_that_is_down_at_commit_still_answers_202_and_the_sweep_delivers(
    live_world, mail_sink, settings
):
    settings.DELIVERY_MODE = "celery"
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        row = send(live_world, "a@x.example")
    finally:
        celery_app.conf.broker_url = previous
    settings.DELIVERY_MODE = "inline"
    assert row.status == "queued"
    deliver_due()
    assert received_ids(mail_sink) == [row.message_id]


def test_rows_are_claimed_by_priority_then_age(live_world):
    low = queued_email(live_world, "low@x.example", priority=1)
    old = queued_email(live_world, "old@x.example", priority=9)
    new = queued_email(live_world, "new@x.example", priority=9)
    claimed = outbox.claim(None, limit=3)
    assert [r.pk for r in claimed] == [old.pk, new.pk, low.pk]


def test_held_rows_are_not_claimed(live_world):
    queued_email(live_world, "held@x.example", held=True)
    assert outbox.claim(None, limit=10) == []


# --- a second channel ------------------------------------------------------------------------


class Pigeon:
    """A test transport: remembers what it carried, fails as told."""

    name = "pigeon"
    carried: list[str] = []
    fail: DeliveryError | None = None

    def send(self, delivery) -> SendResult:
        if Pigeon.fail is not None:
            raise Pigeon.fail
        Pigeon.carried.append(delivery.to)
        return SendResult(provider_message_id=f"p-{delivery.pk}", status="delivered")

    def close(self) -> None:
        pass


@pytest.fixture
def pigeon():
    Pigeon.carried, Pigeon.fail = [], None
    transports.register("pigeon", Pigeon)
    yield Pigeon
    transports._registry.pop("pigeon")


def pigeon_row(world, **extra) -> SmtpLog:
    fields = {"channel": "pigeon", "to": "loft-7", "body": {"text": "coo"}, **extra}
    return SmtpLog.objects.create(
        account=world.accounts["C1"], template_id=VM, subject="", **fields
    )


def test_a_second_channel_goes_through_the_same_loop(live_world, pigeon):
    row = pigeon_row(live_world)
    queue.dispatch([row.pk])
    row.refresh_from_db()
    assert pigeon.carried == ["loft-7"]
    assert (row.status, row.provider_message_id, row.attempts) == ("delivered", f"p-{row.pk}", 1)
    assert row.sent_at and row.delivered_at


def test_a_channels_transient_error_honours_retry_after(live_world, pigeon):
    pigeon.fail = DeliveryError("busy", retry_after=120, code="429")
    row = pigeon_row(live_world)
    queue.dispatch([row.pk])
    row.refresh_from_db()
    assert (row.status, row.error_code) == ("queued", "429")
    assert row.next_attempt >= timezone.now() + timedelta(seconds=100)


def test_a_channels_permanent_error_fails_the_row(live_world, pigeon):
    pigeon.fail = DeliveryError("no such loft", permanent=True, code="E404")
    row = pigeon_row(live_world)
    queue.dispatch([row.pk])
    row.refresh_from_db()
    assert (row.status, row.failure, row.error_code) == ("failed", "permanent-failure", "E404")


def test_a_row_with_a_gateway_goes_to_the_gateway_transport(live_world, pigeon):
    previous = transports._registry.get("gateway")
    transports.register("gateway", Pigeon)
    try:
        row = pigeon_row(live_world, channel="sms", gateway_id="g" * 32)
        queue.dispatch([row.pk])
    finally:
        transports._registry.pop("gateway")
        if previous is not None:  # the gateways app's own transport
            transports.register("gateway", previous)
    assert SmtpLog.objects.get(pk=row.pk).status == "delivered"


def test_a_row_of_an_unknown_channel_fails_permanently(live_world):
    row = pigeon_row(live_world, channel="carrier_crow")
    queue.dispatch([row.pk])
    row.refresh_from_db()
    assert row.status == "failed" and "carrier_crow" in row.error


def test_the_smtplog_api_shows_email_rows_only(live_world, pigeon, mail_sink):
    pigeon_row(live_world)
    email = send(live_world, "a@x.example")
    response = live_world.api("C1_admin").get(
        f"/v2/accounts/{live_world.id('C1')}/notifications/smtplog"
    )
    assert [entry["id"] for entry in response.json()["data"]] == [email.pk]


# --- retention -------------------------------------------------------------------------------


def test_the_purge_deletes_only_finished_rows_older_than_the_retention(live_world, settings):
    settings.DELIVERY_LOG_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    old_sent = queued_email(live_world, "a@x.example")
    old_queued = queued_email(live_world, "b@x.example")
    recent_sent = queued_email(live_world, "c@x.example")
    SmtpLog.objects.filter(pk__in=[old_sent.pk, recent_sent.pk]).update(status="sent")
    SmtpLog.objects.filter(pk__in=[old_sent.pk, old_queued.pk]).update(created=old)
    assert retention.purge() == 1
    assert set(SmtpLog.objects.values_list("pk", flat=True)) == {old_queued.pk, recent_sent.pk}


def test_no_retention_keeps_everything(live_world, settings):
    settings.DELIVERY_LOG_RETENTION_DAYS = 0
    row = queued_email(live_world, "a@x.example")
    SmtpLog.objects.filter(pk=row.pk).update(
        status="sent", created=timezone.now() - timedelta(days=9999)
    )
    assert retention.purge() == 0
