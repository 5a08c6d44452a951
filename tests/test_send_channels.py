"""The send API over every channel (SPEC-channels §8 "Send" and the attempt outcomes).

Real parts only: the ``fake`` vendor (no network), the ``webhook`` vendor against the local
fake provider, aiosmtpd sinks for email, the inbox API for ``internal``. Delivery runs
inline when the request commits (``DELIVERY_MODE = "inline"``).
"""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils.timezone import now

from gateways.fakeprovider import FakeProvider
from gateways.models import Gateway
from smtplog.models import SmtpLog
from smtplog.sink import MailSink
from tests.gateways_helpers import FAKE_SMS, create, smtp_gateway, webhook_gateway

VM = "voicemail_to_email"
PHONE = "+14155552671"
OTHER_PHONE = "+14155552672"


@pytest.fixture
def world(live_world):
    return live_world


@pytest.fixture
def provider():
    with FakeProvider() as fake:
        yield fake


def send_path(world, account="C1"):
    return f"/v2/accounts/{world.id(account)}/notifications/{VM}/send"


def override(world, account="R", **fields):
    """An account template for VM with an SMS body; ``fields`` override the document."""
    body = {
        "id": VM,
        "from": "noc@reseller.example",
        "subject": "Voicemail",
        "to": {"type": "original"},
        **fields,
    }
    base = f"/v2/accounts/{world.id(account)}/notifications"
    response = world.api("master_admin").put(base, {"data": body})
    if response.status_code == 409:  # already overridden: replace the document
        response = world.api("master_admin").post(f"{base}/{VM}", {"data": body})
    assert response.status_code in (200, 201), response.content


def sms_body(world, text="You have a voicemail", account="R"):
    path = f"/v2/accounts/{world.id(account)}/notifications/{VM}"
    response = world.api("master_admin").post(path, text, content_type="text/x-sms")
    assert response.status_code == 200, response.content


def send(world, principal="C1_admin", account="C1", **data):
    return world.api(principal).post(send_path(world, account), {"data": data})


def sms_send(world, **data):
    """A send on the sms channel to PHONE unless ``data`` says otherwise."""
    data = {"channels": ["sms"], "contacts": {"sms": [PHONE]}, **data}
    response = send(world, **data)
    assert response.status_code == 202, response.content
    return response.json()["data"]


def only_row(answer) -> SmtpLog:
    (delivery,) = answer["deliveries"]
    return SmtpLog.objects.get(pk=delivery["id"])


def with_contact(user, channel="sms", address=PHONE):
    user.contacts = {**user.contacts, channel: address}
    user.save()
    return user


@pytest.fixture
def fake(world):
    """R's fake SMS gateway, inherited by C1."""
    override(world)
    sms_body(world)
    return create(world.api("R_admin"), world.id("R"), FAKE_SMS)


@pytest.fixture
def hook(world, provider):
    override(world)
    sms_body(world)
    return create(world.api("R_admin"), world.id("R"), webhook_gateway(provider.url("/sms")))


# --- routing ----------------------------------------------------------------------------------


def test_sms_goes_through_the_resellers_inherited_gateway(world, fake):
    answer = sms_send(world)
    row = only_row(answer)
    assert answer["deliveries"][0] == {
        "id": row.pk,
        "channel": "sms",
        "to": PHONE,
        "gateway_id": fake["id"],
        "status": "queued",
        "held": False,
    }
    assert answer["log_ids"] == [row.pk]
    # The fake vendor's delivered receipt follows at once in inline mode.
    assert (row.status, row.attempts) == ("delivered", 1)
    assert row.provider_message_id.startswith("fake-")
    assert row.sent_at is not None and row.delivered_at is not None
    sent, delivered = row.events
    assert (sent["source"], sent["status"], sent["applied"]) == ("worker", "sent", True)
    assert (delivered["source"], delivered["status"]) == ("webhook", "delivered")


def test_template_pin_routes_through_the_pinned_gateway(world, fake):
    pinned = create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "name": "Second"})
    override(world, gateways={"sms": pinned["id"]})
    answer = sms_send(world)
    assert answer["deliveries"][0]["gateway_id"] == pinned["id"]


def test_send_pin_overrides_the_template_pin(world, fake):
    second = create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "name": "Second"})
    override(world, gateways={"sms": second["id"]})
    answer = sms_send(world, gateway_ids={"sms": fake["id"]})
    assert answer["deliveries"][0]["gateway_id"] == fake["id"]


def test_pin_of_a_sibling_resellers_gateway_is_gateway_unavailable(world, fake):
    foreign = create(world.api("R2_admin"), world.id("R2"), FAKE_SMS)
    answer = sms_send(world, gateway_ids={"sms": foreign["id"]})
    assert answer["skipped"] == [{"channel": "sms", "reason": "gateway_unavailable"}]
    assert answer["deliveries"] == [] and SmtpLog.objects.count() == 0


def test_pin_of_a_non_inherited_ancestor_gateway_is_gateway_unavailable(world, fake):
    private = create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "inherit": False})
    answer = sms_send(world, gateway_ids={"sms": private["id"]})
    assert answer["skipped"] == [{"channel": "sms", "reason": "gateway_unavailable"}]


def test_no_gateway_skips_the_channel_with_no_gateway(world):
    override(world)
    sms_body(world)
    answer = sms_send(world)
    assert answer["skipped"] == [{"channel": "sms", "reason": "no_gateway"}]
    assert answer["log_ids"] == []


def test_template_without_an_sms_body_skips_no_body(world):
    override(world)
    create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    answer = sms_send(world)
    assert answer["skipped"] == [{"channel": "sms", "reason": "no_body"}]


def test_sms_with_nobody_to_send_to_skips_no_recipients(world, fake):
    answer = sms_send(world, contacts={})
    assert answer["skipped"] == [{"channel": "sms", "reason": "no_recipients"}]


def test_template_channels_are_the_default(world, fake, mail_sink):
    override(
        world, channels=["email", "sms"], to={"type": "specified", "contacts": {"sms": [PHONE]}}
    )
    response = send(world, to={"email_addresses": ["a@x.example"]})
    answer = response.json()["data"]
    assert [d["channel"] for d in answer["deliveries"]] == ["email", "sms"]
    assert answer["log_ids"] == [d["id"] for d in answer["deliveries"]]
    assert len(mail_sink.wait_for(1)) == 1


def test_email_beside_other_channels_without_recipients_is_skipped(world, fake):
    answer = sms_send(world, channels=["email", "sms"])
    assert answer["skipped"] == [{"channel": "email", "reason": "no_recipients"}]
    assert [d["channel"] for d in answer["deliveries"]] == ["sms"]


def test_admins_contacts_are_the_recipients_of_to_type_admins(world, fake):
    with_contact(world.users["R_admin"])
    override(world, to={"type": "admins"})
    answer = sms_send(world, contacts={})
    assert [d["to"] for d in answer["deliveries"]] == [PHONE]


def test_invalid_sms_address_gets_no_row_and_is_reported(world, fake):
    answer = sms_send(world, contacts={"sms": [PHONE, "not-a-number"]})
    assert [d["to"] for d in answer["deliveries"]] == [PHONE]
    assert answer["invalid_addresses"] == ["not-a-number"]


# --- who may receive --------------------------------------------------------------------------


def test_suppressed_address_gets_no_row_and_is_listed(world, fake):
    suppressions = f"/v2/accounts/{world.id('C1')}/suppressions"
    world.api("C1_admin").put(suppressions, {"data": {"channel": "sms", "address": PHONE}})
    answer = sms_send(world, contacts={"sms": [PHONE, OTHER_PHONE]})
    assert [d["to"] for d in answer["deliveries"]] == [OTHER_PHONE]
    assert answer["suppressed"] == [{"channel": "sms", "to": PHONE, "reason": "suppressed"}]


def unsubscribe(world, user_key, channel="sms"):
    user = world.users[user_key]
    path = f"/v2/accounts/{user.account_id}/users/{user.id}/subscriptions"
    rules = [{"template_id": VM, "channel": channel, "subscribed": False}]
    response = world.api("C1_admin").post(path, {"data": rules})
    assert response.status_code == 200, response.content


def test_unsubscribed_user_gets_no_row_and_is_listed(world, fake):
    user = with_contact(world.users["C1_user"])
    unsubscribe(world, "C1_user")
    answer = sms_send(world, contacts={}, user_ids=[user.id])
    assert answer["deliveries"] == []
    assert answer["suppressed"] == [{"channel": "sms", "to": PHONE, "reason": "unsubscribed"}]


def test_subscriptions_do_not_filter_listed_addresses(world, fake):
    with_contact(world.users["C1_user"])
    unsubscribe(world, "C1_user")
    answer = sms_send(world)  # PHONE listed in contacts, not from a user
    assert [d["to"] for d in answer["deliveries"]] == [PHONE]


def test_opt_out_not_allowed_ignores_subscriptions(world, fake):
    override(world, opt_out_allowed=False)
    user = with_contact(world.users["C1_user"])
    unsubscribe(world, "C1_user")
    answer = sms_send(world, contacts={}, user_ids=[user.id])
    assert [d["to"] for d in answer["deliveries"]] == [PHONE]


def test_user_ids_of_another_tenant_are_not_found(world, fake):
    response = send(world, channels=["sms"], user_ids=[world.users["D_admin"].id])
    assert response.status_code == 400
    assert "not_found" in response.json()["data"]["user_ids.0"]


def test_user_ids_add_their_emails_to_the_email_to_list(world, mail_sink):
    override(world)
    user = world.users["C1_user"]
    response = send(world, to={"email_addresses": ["a@x.example"]}, user_ids=[user.id])
    assert response.status_code == 202, response.content
    (received,) = mail_sink.wait_for(1)
    assert sorted(received.rcpt_tos) == sorted(["a@x.example", user.email])


# --- validation and permissions ---------------------------------------------------------------


@pytest.mark.parametrize(("priority", "rule"), [(10, "maximum"), (-1, "minimum")])
def test_priority_out_of_range_is_400(world, fake, priority, rule):
    response = send(world, channels=["sms"], priority=priority)
    assert response.status_code == 400
    assert rule in response.json()["data"]["priority"]


def test_media_url_must_be_http(world, fake):
    response = send(world, channels=["sms"], media_url="ftp://x.example/a.png")
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["media_url"]


def test_unknown_channel_is_enum(world, fake):
    response = send(world, channels=["sms", "pager"])
    assert response.status_code == 400
    assert "enum" in response.json()["data"]["channels.1"]


@pytest.mark.parametrize("channel", ["email", "internal"])
def test_contacts_for_email_or_internal_are_forbidden(world, channel):
    response = send(world, channels=[channel], contacts={channel: ["x"]})
    assert response.status_code == 400
    assert "forbidden" in response.json()["data"][f"contacts.{channel}"]


@pytest.mark.parametrize("principal", ["C1_user", "R2_admin", "D_admin"])
def test_send_on_channels_is_403_for_plain_users_and_other_tenants(world, fake, principal):
    response = send(world, principal=principal, channels=["sms"], contacts={"sms": [PHONE]})
    assert response.status_code == 403
    assert SmtpLog.objects.count() == 0


# --- paused gateways and priority -------------------------------------------------------------


def pause(gateway, paused=True):
    Gateway.objects.filter(pk=gateway["id"]).update(paused=paused)


def test_paused_gateway_holds_rows_queued(world, hook, provider):
    pause(hook)
    answer = sms_send(world)
    assert answer["deliveries"][0]["held"] is True
    row = only_row(answer)
    assert (row.status, row.held, row.attempts) == ("queued", True, 0)
    call_command("sweep_deliveries", "--now")
    assert provider.requests == []


def test_force_bypasses_a_paused_gateway(world, hook, provider):
    pause(hook)
    answer = sms_send(world, force=True)
    assert answer["deliveries"][0]["held"] is False
    assert only_row(answer).status == "sent"
    assert len(provider.requests) == 1


def test_released_rows_are_sent_highest_priority_first(world, hook, provider):
    pause(hook)
    sms_send(world, priority=1, contacts={"sms": [PHONE]})
    sms_send(world, priority=8, contacts={"sms": [OTHER_PHONE]})
    pause(hook, paused=False)
    SmtpLog.objects.update(held=False)
    call_command("sweep_deliveries", "--now")
    assert [r["json"]["to"] for r in provider.requests] == [OTHER_PHONE, PHONE]


def test_priority_defaults_to_the_templates(world, fake):
    override(world, priority=7)
    assert only_row(sms_send(world)).priority == 7


# --- attempt outcomes -------------------------------------------------------------------------


def test_text_over_sms_max_length_is_a_failed_row_with_no_attempt(world, fake, settings):
    settings.SMS_MAX_LENGTH = 10
    answer = sms_send(world)
    assert answer["deliveries"][0]["status"] == "failed"
    row = only_row(answer)
    assert (row.status, row.failure, row.attempts) == ("failed", "permanent-failure", 0)


def test_fake_error_keyword_fails_permanently_with_its_code(world, fake):
    sms_body(world, "please error30005")
    row = only_row(sms_send(world))
    assert (row.status, row.failure, row.error_code, row.attempts) == (
        "failed",
        "permanent-failure",
        "30005",
        1,
    )
    assert row.events[-1]["status"] == "failed"


def test_fake_tempfail_is_retried_then_sent(world, fake, settings):
    settings.DELIVERY_RETRY_BASE = 0.01
    settings.DELIVERY_DRAIN_SECONDS = 0  # the retry waits for the sweep, not the drain
    sms_body(world, "tempfail please")
    row = only_row(sms_send(world))
    assert row.status == "queued" and row.error
    time.sleep(0.02)
    call_command("sweep_deliveries", "--now")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 2)
    assert [e["status"] for e in row.events] == ["queued", "sent", "delivered"]


def test_transient_failures_end_technical_failure_after_the_last_attempt(
    world, hook, provider, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    provider.script("/sms", {"status": 503, "body": "busy"})
    row = only_row(sms_send(world))
    assert (row.status, row.failure) == ("failed", "technical-failure")


def test_webhook_503_with_retry_after_waits_at_least_that_long(world, hook, provider):
    provider.script("/sms", {"status": 503, "headers": {"Retry-After": "600"}, "body": "busy"})
    row = only_row(sms_send(world))
    assert (row.status, row.attempts, row.failure) == ("queued", 1, "")
    assert row.error == "HTTP 503: busy"
    assert row.next_attempt > now() + timedelta(seconds=500)


def test_retry_after_is_capped_at_an_hour(world, hook, provider):
    provider.script("/sms", {"status": 503, "headers": {"Retry-After": "86400"}})
    row = only_row(sms_send(world))
    assert row.next_attempt < now() + timedelta(seconds=3601)


def test_webhook_400_fails_permanently(world, hook, provider):
    provider.script("/sms", {"status": 400, "body": "bad number"})
    row = only_row(sms_send(world))
    assert (row.status, row.failure, row.attempts) == ("failed", "permanent-failure", 1)
    assert row.error == "HTTP 400: bad number"


def test_unreachable_webhook_spends_no_attempt(world):
    override(world)
    sms_body(world)
    with FakeProvider() as gone:
        url = gone.url("/sms")
    create(world.api("R_admin"), world.id("R"), webhook_gateway(url))
    row = only_row(sms_send(world))
    assert (row.status, row.attempts) == ("queued", 0)
    assert row.error


def test_webhook_answer_id_is_stored_as_the_provider_message_id(world, hook, provider):
    provider.script("/sms", {"status": 200, "body": {"id": "p-42", "status": "delivered"}})
    row = only_row(sms_send(world))
    assert (row.status, row.provider_message_id) == ("delivered", "p-42")
    assert row.delivered_at is not None


def test_freeside_retry_sends_the_stored_prepared_document_without_preparing_again(world, settings):
    from gateways.freeside.demo_server import DemoServer

    settings.DELIVERY_RETRY_BASE = 0.01
    settings.DELIVERY_DRAIN_SECONDS = 0  # the retry waits for the sweep, not the drain
    override(world)
    sms_body(world)
    with DemoServer() as demo:
        document = {"name": "Freeside", "kind": "freeside", "channel": "sms"}
        create(world.api("R_admin"), world.id("R"), {**document, "settings": demo.settings()})
        demo.fail("send", 503, "busy")
        row = only_row(sms_send(world, macros={"username": "bob"}))  # the demo wants one
        assert row.status == "queued" and bytes(row.prepared_document)
        time.sleep(0.02)
        call_command("sweep_deliveries", "--now")
        stages = [r.stage for r in demo.received]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert stages == ["prepare", "send", "send"]


# --- email through gateways, internal ---------------------------------------------------------


def test_email_through_an_smtp_gateway_reaches_its_own_server(world, mail_sink):
    override(world)
    with MailSink() as own:
        gateway = create(world.api("R_admin"), world.id("R"), smtp_gateway(own.host, own.port))
        response = send(world, to={"email_addresses": ["a@x.example"], "type": "original"})
        (received,) = own.wait_for(1)
    answer = response.json()["data"]
    assert answer["deliveries"][0]["gateway_id"] == gateway["id"]
    assert received.rcpt_tos == ["a@x.example"]
    assert received.message["From"] == "noc@reseller.example"
    assert mail_sink.messages == []
    assert SmtpLog.objects.get(pk=answer["log_ids"][0]).status == "sent"


def test_email_without_an_smtp_gateway_uses_the_relay(world, mail_sink):
    override(world)
    answer = send(world, to={"email_addresses": ["a@x.example"]}).json()["data"]
    assert answer["deliveries"][0]["gateway_id"] is None
    assert len(mail_sink.wait_for(1)) == 1


def test_email_through_a_vendor_gateway_is_one_row_per_address(world, provider):
    override(world)
    document = webhook_gateway(provider.url("/mail"), channel="email")
    create(world.api("R_admin"), world.id("R"), document)
    response = send(
        world, to={"email_addresses": ["a@x.example"]}, cc={"email_addresses": ["b@x.example"]}
    )
    answer = response.json()["data"]
    assert [d["to"] for d in answer["deliveries"]] == ["a@x.example", "b@x.example"]
    assert sorted(r["json"]["to"] for r in provider.requests) == ["a@x.example", "b@x.example"]


def test_internal_reaches_the_users_inbox(world):
    override(world, subject="New voicemail")
    user = world.users["C1_user"]
    answer = send(world, channels=["internal"], user_ids=[user.id]).json()["data"]
    row = only_row(answer)
    assert (row.channel, row.to, row.status) == ("internal", user.id, "delivered")
    inbox = f"/v2/accounts/{world.id('C1')}/users/{user.id}/inbox"
    (message,) = world.api("C1_user").get(inbox).json()["data"]
    assert message["subject"] == "New voicemail"


# --- idempotency ------------------------------------------------------------------------------


def test_idempotency_key_covers_every_channel(world, hook, provider, mail_sink):
    body = {
        "channels": ["email", "sms"],
        "to": {"email_addresses": ["a@x.example"]},
        "contacts": {"sms": [PHONE, OTHER_PHONE]},
        "idempotency_key": "evt-7",
    }
    first = send(world, **body)
    second = send(world, **body)
    assert first.status_code == second.status_code == 202
    assert first.json()["data"] == second.json()["data"]
    assert len(first.json()["data"]["log_ids"]) == 3
    assert SmtpLog.objects.count() == 3
    assert len(provider.requests) == 2
    assert len(mail_sink.wait_for(1)) == 1


def test_idempotent_repeat_answers_the_skipped_channels_too(world):
    override(world)
    sms_body(world)
    body = {"channels": ["sms", "internal"], "user_ids": [world.users["C1_user"].id]}
    first = send(world, idempotency_key="evt-8", **body).json()["data"]
    second = send(world, idempotency_key="evt-8", **body).json()["data"]
    assert first["skipped"] == [{"channel": "sms", "reason": "no_gateway"}]
    assert second == first
    assert SmtpLog.objects.count() == 1
