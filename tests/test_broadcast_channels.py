"""Broadcasts over channels (SPEC-channels §13.4): customer_update and …/{id}/broadcast with
``channels``, per-channel counts, subscriptions, suppressions, resumable fan-out."""

import pytest
from django.utils.timezone import now

from deliveries import transports
from inbox.models import InboxMessage
from notifications import broadcasts
from notifications.models import Broadcast
from smtplog.models import SmtpLog
from tests.conftest import make_user
from tests.gateways_helpers import FAKE_SMS, create

PHONES = {
    "C1_admin": "+14155552671",
    "C1_user": "+447911123456",
    "C2_admin": "+14155550199",
    "D_admin": "+14155550123",
}
ALL = ["email", "sms", "internal"]
MESSAGE = {
    "subject": "News for {{user.first_name}}",
    "plain": "Plain for {{user.first_name}}",
    "sms": "SMS for {{user.first_name}}",
}


@pytest.fixture(autouse=True)
def _channel_transports():
    """Rows of every channel are delivered (other tests may unregister these)."""
    transports.register("gateway", "gateways.transport.GatewayTransport")
    transports.register("internal", "inbox.transport.InboxTransport")


def customer_update(world, data, principal="R_admin", account="R"):
    path = f"/v2/accounts/{world.id(account)}/notifications/customer_update/message"
    return world.api(principal).post(path, {"data": data})


def broadcast_path(world, template_id, account="R"):
    return f"/v2/accounts/{world.id(account)}/notifications/{template_id}/broadcast"


def give_phones(world, *users):
    for name in users:
        user = world.users[name]
        user.contacts = {"sms": PHONES[name]}
        user.save()


def fake_sms(world, principal="R_admin", account="R") -> dict:
    return create(world.api(principal), world.id(account), FAKE_SMS)


def rows(broadcast_id, channel):
    return SmtpLog.objects.filter(broadcast_id=broadcast_id, channel=channel)


@pytest.fixture
def reseller(live_world):
    """R with a fake SMS gateway and both customer admins reachable by phone."""
    live_world.gateway = fake_sms(live_world)
    give_phones(live_world, "C1_admin", "C2_admin")
    return live_world


def test_email_sms_and_internal_reach_every_customer_admin(reseller, mail_sink):
    response = customer_update(reseller, {**MESSAGE, "channels": ALL})
    assert response.status_code == 200
    data = response.json()["data"]
    counts = {"recipients": 2, "skipped": 0, "suppressed": 0, "reasons": {}}
    assert data["by_channel"] == dict.fromkeys(ALL, counts)
    assert (data["recipients"], data["skipped"]) == (6, 0)
    mail_sink.wait_for(2)


def test_sms_rows_go_to_the_contacts_through_the_resellers_gateway(reseller, mail_sink):
    data = customer_update(reseller, {**MESSAGE, "channels": ALL}).json()["data"]
    sms = rows(data["broadcast_id"], "sms")
    assert sorted(sms.values_list("to", flat=True)) == sorted(
        [PHONES["C1_admin"], PHONES["C2_admin"]]
    )
    assert {row.gateway_id for row in sms} == {reseller.gateway["id"]}
    c1 = sms.get(to=PHONES["C1_admin"])
    assert c1.body["text/x-sms"] == "SMS for C1admin"
    mail_sink.wait_for(2)


def test_internal_rows_land_in_each_admins_inbox(reseller, mail_sink):
    customer_update(reseller, {**MESSAGE, "channels": ALL})
    mail_sink.wait_for(2)
    inbox = InboxMessage.objects.filter(subject__startswith="News for")
    assert {m.user_id for m in inbox} == {
        reseller.users["C1_admin"].id,
        reseller.users["C2_admin"].id,
    }


def test_progress_lookup_counts_rows_per_channel_and_status(reseller, mail_sink):
    data = customer_update(reseller, {**MESSAGE, "channels": ALL}).json()["data"]
    mail_sink.wait_for(2)
    path = (
        f"/v2/accounts/{reseller.id('R')}/notifications/customer_update/message/"
        f"{data['broadcast_id']}"
    )
    progress = reseller.api("R_admin").get(path).json()["data"]
    assert progress["fanout_complete"] is True
    by_channel = progress["by_channel"]
    assert by_channel["email"]["status"]["sent"] == 2
    assert by_channel["internal"]["status"]["delivered"] == 2
    sms = by_channel["sms"]["status"]
    assert sms["sent"] + sms["delivered"] == 2 and by_channel["sms"]["recipients"] == 2
    assert sum(progress["status"].values()) == 6


def test_users_without_a_contact_are_skipped_on_that_channel_only(live_world, mail_sink):
    fake_sms(live_world)
    give_phones(live_world, "C1_admin")
    data = customer_update(live_world, {**MESSAGE, "channels": ALL}).json()["data"]
    sms = data["by_channel"]["sms"]
    assert (sms["recipients"], sms["skipped"], sms["reasons"]) == (1, 1, {"no_address": 1})
    assert data["by_channel"]["email"]["recipients"] == 2
    assert data["by_channel"]["internal"]["recipients"] == 2
    mail_sink.wait_for(2)
    assert list(rows(data["broadcast_id"], "sms").values_list("to", flat=True)) == [
        PHONES["C1_admin"]
    ]


def test_internal_alone_reaches_users_without_any_address(live_world):
    make_user(live_world.accounts["C2"], "noemail", "admin", email="")
    message = {**MESSAGE, "channels": ["internal"]}
    data = customer_update(live_world, message).json()["data"]
    assert data["by_channel"]["internal"]["recipients"] == 3
    inbox = rows(data["broadcast_id"], "internal")
    assert inbox.count() == 3 and inbox.filter(status="delivered").count() == 3


def test_unsubscribed_users_are_counted_and_get_no_row(reseller, mail_sink):
    c2 = reseller.users["C2_admin"]
    rule = {"template_id": "customer_update", "channel": "sms", "subscribed": False}
    subscriptions = f"/v2/accounts/{c2.account_id}/users/{c2.id}/subscriptions"
    assert reseller.api("C2_admin").post(subscriptions, {"data": [rule]}).status_code == 200
    data = customer_update(reseller, {**MESSAGE, "channels": ALL}).json()["data"]
    sms = data["by_channel"]["sms"]
    assert (sms["recipients"], sms["suppressed"], sms["reasons"]) == (1, 1, {"unsubscribed": 1})
    assert data["by_channel"]["email"]["recipients"] == 2
    mail_sink.wait_for(2)
    assert not rows(data["broadcast_id"], "sms").filter(to=PHONES["C2_admin"]).exists()


def test_suppressed_addresses_are_counted_and_get_no_row(reseller, mail_sink):
    suppressions = f"/v2/accounts/{reseller.id('R')}/suppressions"
    body = {"data": {"channel": "sms", "address": PHONES["C1_admin"]}}
    assert reseller.api("R_admin").put(suppressions, body).status_code == 201
    body = {"data": {"channel": "email", "address": reseller.users["C2_admin"].email.upper()}}
    assert reseller.api("R_admin").put(suppressions, body).status_code == 201
    data = customer_update(reseller, {**MESSAGE, "channels": ALL}).json()["data"]
    for channel in ("sms", "email"):
        counts = data["by_channel"][channel]
        assert (counts["recipients"], counts["suppressed"]) == (1, 1)
        assert counts["reasons"] == {"suppressed": 1}
    mail_sink.wait_for(1)
    assert not rows(data["broadcast_id"], "sms").filter(to=PHONES["C1_admin"]).exists()
    assert rows(data["broadcast_id"], "email").count() == 1


def test_a_channel_without_a_gateway_is_skipped_no_gateway_for_everyone(live_world):
    give_phones(live_world, "D_admin")
    data = customer_update(
        live_world, {**MESSAGE, "channels": ["sms"]}, principal="R2_admin", account="R2"
    ).json()["data"]
    sms = data["by_channel"]["sms"]
    assert (sms["recipients"], sms["skipped"], sms["reasons"]) == (0, 1, {"no_gateway": 1})
    assert not SmtpLog.objects.filter(broadcast_id=data["broadcast_id"]).exists()


def test_a_channel_without_a_body_is_skipped_no_body(reseller, mail_sink):
    message = {"subject": "Hi", "plain": "Only a plain body", "channels": ["email", "sms"]}
    data = customer_update(reseller, message).json()["data"]
    sms = data["by_channel"]["sms"]
    assert (sms["recipients"], sms["skipped"], sms["reasons"]) == (0, 2, {"no_body": 2})
    mail_sink.wait_for(2)
    assert not rows(data["broadcast_id"], "sms").exists()


def test_an_unknown_channel_is_a_400_enum_at_its_index(live_world):
    response = customer_update(live_world, {"channels": ["email", "pigeon"]})
    assert response.status_code == 400
    assert response.json()["data"]["channels.1"]["enum"]["value"] == "pigeon"


def test_default_channels_are_email_only(live_world, mail_sink):
    data = customer_update(live_world, {"subject": "Plain old update"}).json()["data"]
    assert list(data["by_channel"]) == ["email"]
    mail_sink.wait_for(2)
    assert set(
        SmtpLog.objects.filter(broadcast_id=data["broadcast_id"]).values_list("channel", flat=True)
    ) == {"email"}


# --- POST …/notifications/{id}/broadcast ----------------------------------------------------


@pytest.fixture
def service_notice(reseller):
    """A system template (not customer_update) with plain and SMS bodies."""
    api, base = reseller.api("master_admin"), "/v2/notifications"
    document = {
        "id": "service_notice",
        "from": "news@example.net",
        "subject": "Notice for {{user.first_name}}",
        "to": {"type": "original"},
    }
    assert api.put(base, {"data": document}).status_code == 201
    api.post(f"{base}/service_notice", "Notice {{customer.name}}", content_type="text/plain")
    api.post(f"{base}/service_notice", "SMS notice {{customer.name}}", content_type="text/x-sms")
    return reseller


def test_broadcast_of_another_template_answers_202_and_sends_it(service_notice, mail_sink):
    world = service_notice
    response = world.api("R_admin").post(
        broadcast_path(world, "service_notice"), {"data": {"channels": ["email", "sms"]}}
    )
    assert response.status_code == 202
    data = response.json()["data"]
    assert data["template_id"] == "service_notice" and data["recipients"] == 4
    messages = mail_sink.wait_for(2)
    assert {m.message["Subject"] for m in messages} == {"Notice for C1admin", "Notice for C2admin"}
    sms = rows(data["broadcast_id"], "sms").get(to=PHONES["C2_admin"])
    assert sms.template_id == "service_notice" and sms.body["text/x-sms"] == "SMS notice C2"


def test_broadcast_progress_lookup_is_under_its_template(service_notice, mail_sink):
    world = service_notice
    path = broadcast_path(world, "service_notice")
    data = world.api("R_admin").post(path, {"data": {}}).json()["data"]
    mail_sink.wait_for(2)
    progress = world.api("R_admin").get(f"{path}/{data['broadcast_id']}")
    assert progress.status_code == 200
    assert progress.json()["data"]["by_channel"]["email"]["status"]["sent"] == 2
    other = world.api("R_admin").get(f"{broadcast_path(world, 'customer_update')}/x")
    assert other.status_code == 404


def test_broadcast_of_an_unknown_template_is_404(live_world):
    response = live_world.api("R_admin").post(broadcast_path(live_world, "no_such"), {"data": {}})
    assert response.status_code == 404


@pytest.mark.parametrize("principal", ["R2_admin", "R_user", "C1_admin"])
def test_broadcast_is_refused_to_others_and_to_plain_users(live_world, principal):
    path = broadcast_path(live_world, "customer_update")
    response = live_world.api(principal).post(path, {"data": {"channels": ["internal"]}})
    assert response.status_code == 403


def test_broadcast_progress_of_another_tenant_is_403(service_notice, mail_sink):
    world = service_notice
    path = broadcast_path(world, "service_notice")
    data = world.api("R_admin").post(path, {"data": {}}).json()["data"]
    mail_sink.wait_for(2)
    assert world.api("R2_admin").get(f"{path}/{data['broadcast_id']}").status_code == 403


def test_broadcast_recipient_outside_the_subtree_is_400_not_found(live_world):
    path = broadcast_path(live_world, "customer_update")
    response = live_world.api("R_admin").post(
        path, {"data": {"recipient_id": live_world.id("D"), "channels": ["internal"]}}
    )
    assert response.status_code == 400
    assert "not_found" in response.json()["data"]["recipient_id"]


# --- resumable, single-owner ----------------------------------------------------------------


class Killed(Exception):
    """The worker died in the middle of a batch."""


@pytest.fixture
def interrupted(world, monkeypatch):
    """A three-channel broadcast to three users whose fan-out died in its second batch.

    ``world`` never commits, so nothing runs on commit: the test drives the fan-out.
    """
    world.gateway = fake_sms(world)
    give_phones(world, "C1_admin", "C1_user", "C2_admin")
    data = customer_update(world, {**MESSAGE, "channels": ALL, "user_type": "all_users"})
    broadcast_id = data.json()["data"]["broadcast_id"]
    monkeypatch.setattr(broadcasts, "BATCH_SIZE", 1)
    real, calls = broadcasts.queue_rows, []

    def dies_in_the_second_batch(rows):
        calls.append(len(rows))
        real(rows)
        if len(calls) == 2:
            raise Killed

    monkeypatch.setattr(broadcasts, "queue_rows", dies_in_the_second_batch)
    with pytest.raises(Killed):
        broadcasts.fan_out(broadcast_id)
    monkeypatch.setattr(broadcasts, "queue_rows", real)
    return broadcast_id


def test_a_killed_multi_channel_fan_out_keeps_only_whole_batches(world, interrupted):
    first = min(world.users[name].id for name in ("C1_admin", "C1_user", "C2_admin"))
    written = SmtpLog.objects.filter(broadcast_id=interrupted)
    assert written.filter(channel="internal").get().to == first
    assert written.count() == 3  # the first user's email, sms and internal rows
    assert Broadcast.objects.get(pk=interrupted).cursor == first


def test_a_resumed_multi_channel_fan_out_writes_no_duplicates(interrupted):
    assert broadcasts.fan_out(interrupted) == 0  # the dead owner's heartbeat is still fresh
    Broadcast.objects.filter(pk=interrupted).update(heartbeat=now().replace(year=2000))
    assert broadcasts.fan_out(interrupted) == 6
    written = SmtpLog.objects.filter(broadcast_id=interrupted)
    pairs = list(written.values_list("channel", "recipients"))
    assert len(pairs) == len(set(pairs)) == 9
    broadcast = Broadcast.objects.get(pk=interrupted)
    assert broadcast.finished is not None and broadcast.recipients == 9
