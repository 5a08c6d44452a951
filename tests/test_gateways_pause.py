"""Pausing, unpausing, disabling and deleting a gateway act on its queued rows
(SPEC-channels §2): held rows, release in priority order as one batch, ``force`` bypasses,
``gateway disabled`` / ``gateway deleted`` failures. Delivery is real: the ``webhook``
vendor posting to the local fake provider, whose recorded requests give the send order."""

import json
from datetime import timedelta

import pytest
from django.utils.timezone import now

from deliveries import queue
from gateways.fakeprovider import FakeProvider
from smtplog.models import SmtpLog, Status
from tests.deliveries_helpers import sms_row
from tests.gateways_helpers import FAKE_SMS, create, gateways_path, webhook_gateway

pytestmark = pytest.mark.django_db

PHONE = "+14155552671"


@pytest.fixture
def provider():
    with FakeProvider() as fake_provider:
        yield fake_provider


@pytest.fixture
def hook(world, provider) -> dict:
    return create(world.api("R_admin"), world.id("R"), webhook_gateway(provider.url("/hook")))


def change(world, gateway_id, data, principal="R_admin"):
    path = f"{gateways_path(world.id('R'))}/{gateway_id}"
    response = world.api(principal).post(path, {"data": data})
    assert response.status_code == 200, response.content
    return response


def pause(world, gateway_id):
    change(world, gateway_id, {"paused": True})


def fresh(row) -> SmtpLog:
    return SmtpLog.objects.get(pk=row.pk)


def sent_texts(provider) -> list[str]:
    return [json.loads(request["body"])["text"] for request in provider.requests]


def test_a_test_delivery_through_a_paused_gateway_is_held_and_not_sent(
    world, hook, provider, django_capture_on_commit_callbacks
):
    pause(world, hook["id"])
    with django_capture_on_commit_callbacks(execute=True):
        response = world.api("R_admin").post(
            f"{gateways_path(world.id('R'))}/{hook['id']}/test",
            {"data": {"to": PHONE, "text": "wait"}},
        )
    row = SmtpLog.objects.get(pk=response.json()["data"]["delivery_id"])
    assert (row.status, row.held) == (Status.QUEUED, True)
    assert provider.requests == []


def test_the_log_shows_held_rows(world, hook):
    pause(world, hook["id"])
    row = sms_row(world.accounts["R"], hook["id"])
    entry = world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/deliveries/{row.id}")
    assert entry.json()["data"]["held"] is True


def test_rows_of_a_descendant_through_an_inherited_paused_gateway_are_held(world, hook):
    pause(world, hook["id"])
    assert sms_row(world.accounts["C1"], hook["id"]).held is True


def test_force_rows_are_never_held(world, hook, provider, django_capture_on_commit_callbacks):
    pause(world, hook["id"])
    with django_capture_on_commit_callbacks(execute=True):
        row = sms_row(world.accounts["R"], hook["id"], text="urgent", force=True)
    assert fresh(row).held is False and fresh(row).status == Status.SENT
    assert sent_texts(provider) == ["urgent"]


def test_pausing_holds_rows_already_queued_except_force_ones(world, hook):
    r = world.accounts["R"]
    waiting, forced = sms_row(r, hook["id"]), sms_row(r, hook["id"], force=True)
    pause(world, hook["id"])
    assert fresh(waiting).held is True and fresh(forced).held is False


def test_pausing_leaves_other_gateways_rows_alone(world, hook):
    other = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    row = sms_row(world.accounts["R"], other["id"])
    pause(world, hook["id"])
    assert fresh(row).held is False


def test_unpausing_releases_every_held_row(world, hook, provider):
    pause(world, hook["id"])
    rows = [sms_row(world.accounts[name], hook["id"]) for name in ("R", "C1", "G")]
    change(world, hook["id"], {"paused": False})
    assert [fresh(row).held for row in rows] == [False, False, False]


def test_unpausing_dispatches_one_batch_in_priority_order(
    world, hook, monkeypatch, django_capture_on_commit_callbacks
):
    dispatched = []
    monkeypatch.setattr(queue, "dispatch", lambda ids, priority=5: dispatched.append(list(ids)))
    pause(world, hook["id"])
    r, start = world.accounts["R"], now() - timedelta(minutes=10)
    low = sms_row(r, hook["id"], priority=1, created=start)
    high = sms_row(r, hook["id"], priority=9, created=start + timedelta(minutes=1))
    mid_old = sms_row(r, hook["id"], priority=5, created=start + timedelta(minutes=2))
    mid_new = sms_row(r, hook["id"], priority=5, created=start + timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        change(world, hook["id"], {"paused": False})
    assert dispatched == [[high.id, mid_old.id, mid_new.id, low.id]]


def test_released_rows_are_sent_highest_priority_first(
    world, hook, provider, django_capture_on_commit_callbacks
):
    pause(world, hook["id"])
    r = world.accounts["R"]
    for priority, text in ((2, "low"), (9, "high"), (5, "mid")):
        sms_row(r, hook["id"], text=text, priority=priority)
    with django_capture_on_commit_callbacks(execute=True):
        change(world, hook["id"], {"paused": False})
    assert sent_texts(provider) == ["high", "mid", "low"]
    assert set(SmtpLog.objects.values_list("status", flat=True)) == {Status.SENT}


def test_disabling_fails_its_queued_rows_with_gateway_disabled(world, hook):
    row = sms_row(world.accounts["C1"], hook["id"])
    change(world, hook["id"], {"enabled": False})
    row = fresh(row)
    assert (row.status, row.error, row.failure) == (
        Status.FAILED, "gateway disabled", "permanent-failure",
    )  # fmt: skip
    assert row.events[-1]["status"] == "failed" and row.events[-1]["detail"] == "gateway disabled"


def test_disabling_a_paused_gateway_fails_its_held_rows(world, hook):
    pause(world, hook["id"])
    row = sms_row(world.accounts["R"], hook["id"])
    change(world, hook["id"], {"enabled": False})
    assert (fresh(row).status, fresh(row).held) == (Status.FAILED, False)


def test_disabling_leaves_finished_rows_alone(world, hook):
    row = sms_row(world.accounts["R"], hook["id"])
    SmtpLog.objects.filter(pk=row.pk).update(status=Status.SENT)
    change(world, hook["id"], {"enabled": False})
    assert fresh(row).status == Status.SENT and fresh(row).error == ""


def test_deleting_fails_its_queued_rows_with_gateway_deleted(world, hook):
    row = sms_row(world.accounts["R"], hook["id"])
    response = world.api("R_admin").delete(f"{gateways_path(world.id('R'))}/{hook['id']}")
    assert response.status_code == 200
    row = fresh(row)
    assert (row.status, row.error, row.failure) == (
        Status.FAILED, "gateway deleted", "permanent-failure",
    )  # fmt: skip
    assert row.events[-1]["source"] == "api"


def test_failed_rows_of_a_deleted_gateway_show_in_the_log(world, hook):
    row = sms_row(world.accounts["R"], hook["id"])
    world.api("R_admin").delete(f"{gateways_path(world.id('R'))}/{hook['id']}")
    response = world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/deliveries?status=failed")
    [entry] = response.json()["data"]
    assert (entry["id"], entry["error"]) == (row.id, "gateway deleted")
