"""The ``fake`` vendor's follow-ups and inbound messages through the webhook path (§6, §9).

After a send, what the fake provider "posts" — a delivered receipt, a failed one for
``undelivered``, a reply for ``autorespond`` — goes through the webhook path's
``apply_events``, so it shows in the row, the gateway's events and the inbound messages.
"""

import pytest

from deliveries.rows import queue_rows
from preferences import services as preferences
from smtplog.models import SmtpLog
from tests.gateways_helpers import FAKE_SMS, create, gateways_path
from tests.receipts_helpers import PHONE, new_row, post

pytestmark = pytest.mark.django_db
SENDER = "+15550001111"


@pytest.fixture
def gateway(world):
    document = {**FAKE_SMS, "from": SENDER, "stop_keywords": ["STOP"], "start_keywords": ["START"]}
    return create(world.api("R_admin"), world.id("R"), document)


@pytest.fixture
def send(world, gateway, django_capture_on_commit_callbacks):
    def _send(text: str, account: str = "R") -> SmtpLog:
        row = new_row(gateway["id"], world.accounts[account], text)
        with django_capture_on_commit_callbacks(execute=True):
            queue_rows([row])
        row.refresh_from_db()
        return row

    return _send


def gateway_events(world, gateway) -> list[tuple]:
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/events"
    entries = world.api("R_admin").get(path).json()["data"]
    return [(e["model"], e["result"], e["delivery_id"]) for e in entries]


def inbound_messages(world, account: str = "R") -> list[dict]:
    path = f"/v2/accounts/{world.id(account)}/inbound_messages"
    return world.api(f"{account}_admin").get(path).json()["data"]


def test_a_fake_send_is_delivered_through_the_receipt_path(world, gateway, send):
    row = send("hello")
    assert row.status == "delivered"
    assert row.events[-1]["source"] == "webhook"
    assert gateway_events(world, gateway) == [("status", "applied", row.pk)]


def test_a_fake_send_to_a_descendant_is_delivered_through_the_inherited_gateway(send):
    assert send("hello", account="G").status == "delivered"


def test_fake_undelivered_fails_the_row_with_30003(send):
    row = send("undelivered please")
    assert (row.status, row.failure, row.error_code) == ("failed", "permanent-failure", "30003")
    assert row.error == "Unreachable destination handset"


def test_fake_autorespond_stores_a_reply_visible_at_inbound_messages(world, gateway, send):
    send("autorespond hi")
    [message] = inbound_messages(world)
    assert (message["from"], message["to"], message["text"]) == (
        PHONE,
        SENDER,
        "responding to autorespond hi",
    )
    assert message["gateway_id"] == gateway["id"]


def test_fake_autorespond_picture_carries_the_picture(world, send):
    send("autorespondPicture now")
    [message] = inbound_messages(world)
    assert message["media_url"] == "fake://picture.png"


def test_a_fake_error_sends_no_followups(world, gateway, send):
    row = send("error21614")
    assert (row.status, row.error_code) == ("failed", "21614")
    assert gateway_events(world, gateway) == []


# --- Inbound messages through the webhook ---------------------------------------------------


def message(text: str, provider_id: str = "in-1") -> dict:
    return {"type": "message", "id": provider_id, "from": PHONE, "to": SENDER, "text": text}


def test_an_inbound_message_is_stored_and_a_repeat_is_a_duplicate(world, gateway):
    assert post(gateway, message("hi")) == [
        {"event": "message", "result": "stored", "delivery_id": None}
    ]
    assert post(gateway, message("hi"))[0]["result"] == "duplicate"
    assert [m["text"] for m in inbound_messages(world)] == ["hi"]


def test_stop_through_the_webhook_suppresses_later_sends(world, gateway):
    assert post(gateway, message("STOP"))[0]["result"] == "stored"
    listed = world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/suppressions")
    [entry] = listed.json()["data"]
    assert (entry["channel"], entry["address"], entry["reason"]) == ("sms", PHONE, "inbound_stop")
    # The send path's check, for the owner and a descendant using the inherited gateway:
    assert preferences.suppressed(world.accounts["R"], "sms", PHONE)
    assert preferences.suppressed(world.accounts["G"], "sms", PHONE)


def test_start_through_the_webhook_lifts_the_stop(world, gateway):
    post(gateway, message("STOP", "in-1"))
    post(gateway, message("start", "in-2"))
    assert not preferences.suppressed(world.accounts["R"], "sms", PHONE)


def test_another_tenant_does_not_see_the_inbound_message(world, gateway):
    post(gateway, message("hi"))
    path = f"/v2/accounts/{world.id('R')}/inbound_messages"
    assert world.api("R2_admin").get(path).status_code == 403
    assert inbound_messages(world, "R2") == []
