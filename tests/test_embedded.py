"""The embedded default: with no broker, the web process itself delivers in the background."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from config import background
from smtplog.models import SmtpLog


@pytest.fixture
def embedded(settings):
    settings.DELIVERY_MODE = "embedded"
    settings.DELIVERY_SWEEP_INTERVAL = 0.2
    yield
    background.stop()


def wait_sent(log_id, timeout=10.0) -> SmtpLog:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = SmtpLog.objects.get(pk=log_id)
        if row.status == "sent":
            return row
        time.sleep(0.05)
    raise AssertionError(f"still {row.status}: {row.error}")


def test_api_answers_before_delivery_and_a_background_thread_delivers(
    live_world, mail_sink, embedded
):
    response = live_world.api("C1_admin").post(
        f"/v2/accounts/{live_world.id('C1')}/notifications/voicemail_to_email/send",
        {"data": {"to": {"email_addresses": ["a@x.example"]}}},
    )
    assert response.status_code == 202
    row = wait_sent(response.json()["data"]["log_ids"][0])
    assert row.receipt.startswith("2.0.0 Ok")
    assert len(mail_sink.wait_for(1)) == 1


def test_rows_left_queued_by_a_previous_process_are_picked_up_at_start(
    live_world, mail_sink, embedded
):
    row = SmtpLog.objects.create(
        account=live_world.accounts["C1"],
        template_id="voicemail_to_email",
        subject="Left behind",
        rendered_templates={"text/plain": "hello"},
        emails={"from": "a@x.example", "to": ["b@x.example"], "cc": [], "bcc": []},
        created=timezone.now() - timedelta(minutes=1),
    )
    background.start()
    wait_sent(row.pk)
    assert mail_sink.wait_for(1)[0].message["Subject"] == "Left behind"
