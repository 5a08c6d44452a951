"""Kinds and vendors through GatewayTransport: fake keywords, the webhook vendor against a
real local HTTP server, the §8 outcome table, SMTP relays, and check_connection."""

from types import SimpleNamespace

import pytest

from deliveries.transports import DeliveryError
from gateways.fakeprovider import FakeProvider
from gateways.transport import GatewayTransport
from gateways.vendors.fake import FakeVendor, followups
from smtplog.sink import MailSink
from tests.gateways_helpers import FAKE_SMS, create, gateways_path, smtp_gateway, webhook_gateway


@pytest.fixture
def provider():
    with FakeProvider() as fake:
        yield fake


def row(gateway_id, text="hello", **extra):
    """A delivery row as the outbox will hand it over (only the attributes read)."""
    fields = {
        "id": "d" * 32,
        "gateway_id": gateway_id,
        "account_id": "a" * 32,
        "channel": "sms",
        "to": "+15550002222",
        "body": {"text/x-sms": text},
        "subject": "",
        "template_id": "voicemail_to_email",
        "attempts": 1,
        "macros": {},
        "media_url": "",
    }
    return SimpleNamespace(**{**fields, **extra})


def send(gateway_id, text="hello", **extra):
    return GatewayTransport().send(row(gateway_id, text, **extra))


@pytest.fixture
def fake(world):
    return create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "from": "+15550001111"})


# --- fake -----------------------------------------------------------------------------------


def test_fake_sends_with_a_fake_provider_id(fake):
    result = send(fake["id"])
    assert result.status == "sent"
    assert result.provider_message_id.startswith("fake-")


def test_fake_error_keyword_is_a_permanent_failure_with_its_code(fake):
    with pytest.raises(DeliveryError) as failure:
        send(fake["id"], "please error30005 now")
    assert failure.value.permanent and failure.value.code == "30005"
    assert "Unknown destination handset" in str(failure.value)


def test_fake_tempfail_fails_transiently_on_the_first_attempt_only(fake):
    with pytest.raises(DeliveryError) as failure:
        send(fake["id"], "tempfail", attempts=1)
    assert not failure.value.permanent
    assert send(fake["id"], "tempfail", attempts=2).status == "sent"


def test_fake_followup_is_a_delivered_receipt(fake):
    from gateways.transport import message_from

    events = followups(message_from(row(fake["id"]), "+15550001111"), "fake-1")
    assert events == [{"type": "status", "id": "fake-1", "status": "delivered", "delay": 0.0}]


def test_fake_undelivered_is_followed_by_a_failed_receipt(fake):
    from gateways.transport import message_from

    events = followups(message_from(row(fake["id"], "undelivered"), ""), "fake-1")
    assert events[0]["status"] == "failed" and events[0]["error_code"] == "30003"


def test_fake_autorespond_answers_from_the_recipient(fake):
    from gateways.transport import message_from

    message = message_from(row(fake["id"], "autorespond hi"), "+15550001111")
    reply = followups(message, "fake-1")[1]
    assert (reply["type"], reply["from"], reply["to"]) == (
        "message",
        "+15550002222",
        "+15550001111",
    )
    assert reply["text"] == "responding to autorespond hi" and reply["media_url"] == ""


def test_fake_autorespond_picture_adds_a_media_url(fake):
    from gateways.transport import message_from

    message = message_from(row(fake["id"], "autorespondPicture"), "")
    assert followups(message, "fake-1")[1]["media_url"] == "fake://picture.png"


def test_fake_error_descriptions_have_no_link():
    assert FakeVendor.error_description("21610") == {
        "code": "21610",
        "description": "Recipient unsubscribed",
        "link": None,
    }
    assert FakeVendor.error_description("1") is None


# --- transport preconditions ----------------------------------------------------------------


def test_disabled_gateway_fails_permanently(world, fake):
    path = f"{gateways_path(world.id('R'))}/{fake['id']}"
    world.api("R_admin").post(path, {"data": {"enabled": False}})
    with pytest.raises(DeliveryError, match="gateway disabled") as failure:
        send(fake["id"])
    assert failure.value.permanent


def test_deleted_gateway_fails_permanently(world, fake):
    world.api("R_admin").delete(f"{gateways_path(world.id('R'))}/{fake['id']}")
    with pytest.raises(DeliveryError, match="gateway deleted"):
        send(fake["id"])


def test_row_without_attributes_still_gets_a_clean_answer(fake):
    assert GatewayTransport().send(SimpleNamespace(gateway_id=fake["id"])).status == "sent"


# --- webhook vendor -------------------------------------------------------------------------


@pytest.fixture
def hook(world, provider):
    document = webhook_gateway(provider.url("/sms"), token="hook-token", **{"from": "+1555"})
    return create(world.api("R_admin"), world.id("R"), document)


def test_webhook_posts_the_message_as_json_with_bearer_token(hook, provider):
    send(hook["id"], "hi there")
    (request,) = provider.requests
    assert request["method"] == "POST" and request["path"] == "/sms"
    assert request["headers"]["authorization"] == "Bearer hook-token"
    assert request["headers"]["user-agent"].startswith("kazoo-notify/")
    assert request["headers"]["idempotency-key"] == "d" * 32
    assert request["headers"]["x-notify-delivery-id"] == "d" * 32
    assert request["json"] == {
        "id": "d" * 32,
        "channel": "sms",
        "to": "+15550002222",
        "from": "+1555",
        "text": "hi there",
        "subject": "",
        "media_url": "",
        "template_id": "voicemail_to_email",
        "account_id": "a" * 32,
    }


def test_webhook_answer_gives_the_provider_id_and_status(hook, provider):
    provider.script("/sms", {"status": 202, "body": {"id": "p-42", "status": "delivered"}})
    result = send(hook["id"])
    assert (result.provider_message_id, result.status) == ("p-42", "delivered")


def test_webhook_2xx_without_id_is_sent_with_a_note(hook, provider):
    provider.script("/sms", {"status": 204, "body": ""})
    result = send(hook["id"])
    assert (result.provider_message_id, result.status) == (None, "sent")
    assert result.detail == "no provider message id"


def test_status_in_retry_on_is_transient_with_retry_after(hook, provider):
    provider.script("/sms", {"status": 503, "headers": {"Retry-After": "7"}, "body": "busy"})
    with pytest.raises(DeliveryError) as failure:
        send(hook["id"])
    error = failure.value
    assert (error.permanent, error.retry_after, error.http_status) == (False, 7.0, 503)
    assert not error.unreachable


def test_status_outside_retry_on_is_permanent_with_the_body_as_error(hook, provider):
    provider.script("/sms", {"status": 400, "body": "bad\n\n   number   here"})
    with pytest.raises(DeliveryError) as failure:
        send(hook["id"])
    assert failure.value.permanent
    assert str(failure.value) == "HTTP 400: bad number here"


def test_error_body_is_cut_at_2000_characters(hook, provider):
    provider.script("/sms", {"status": 422, "body": "x" * 5000})
    with pytest.raises(DeliveryError) as failure:
        send(hook["id"])
    assert str(failure.value) == "HTTP 422: " + "x" * 2000


def test_retry_on_is_per_gateway(world, hook, provider):
    path = f"{gateways_path(world.id('R'))}/{hook['id']}"
    world.api("R_admin").post(path, {"data": {"retry_on": [418]}})
    provider.script("/sms", {"status": 418}, {"status": 503})
    with pytest.raises(DeliveryError) as teapot:
        send(hook["id"])
    with pytest.raises(DeliveryError) as unavailable:
        send(hook["id"])
    assert (teapot.value.permanent, unavailable.value.permanent) == (False, True)


def test_redirect_is_not_followed_and_is_permanent(hook, provider):
    provider.script("/sms", {"status": 302, "headers": {"Location": "/elsewhere"}})
    with pytest.raises(DeliveryError) as failure:
        send(hook["id"])
    assert failure.value.permanent and len(provider.requests) == 1


def test_unreachable_provider_is_transient_and_unreachable(world):
    with FakeProvider() as gone:
        url = gone.url("/sms")
    gateway = create(world.api("R_admin"), world.id("R"), webhook_gateway(url))
    with pytest.raises(DeliveryError) as failure:
        send(gateway["id"])
    assert failure.value.unreachable and not failure.value.permanent


def test_oversized_answer_is_refused(hook, provider, settings):
    settings.CHANNELS_HTTP_MAX_RESPONSE_BYTES = 100
    provider.script("/sms", {"status": 200, "body": "y" * 1000})
    with pytest.raises(DeliveryError, match="larger than 100 bytes"):
        send(hook["id"])


def test_private_target_is_refused_at_send_time_when_blocking(hook, provider, settings):
    settings.CHANNELS_BLOCK_PRIVATE_NETWORKS = True
    with pytest.raises(DeliveryError, match="private network") as failure:
        send(hook["id"])
    assert failure.value.permanent and provider.requests == []


def test_webhook_vendor_parses_native_events():
    from gateways.vendors.webhook import WebhookVendor

    events = WebhookVendor().parse_webhook(
        [
            {"type": "status", "id": "p1", "status": "delivered"},
            {"type": "message", "from": "+1", "to": "+2", "text": "hi"},
            {"type": "bogus"},
        ],
        {},
        {},
    )
    assert [e["type"] for e in events] == ["status", "message"]
    assert events[0]["status"] == "delivered" and events[1]["text"] == "hi"


# --- check_connection -----------------------------------------------------------------------


def test_check_connection_on_a_webhook_gateway_succeeds(world, hook, provider):
    path = f"{gateways_path(world.id('R'))}/{hook['id']}/check_connection"
    assert world.api("R_admin").post(path).json()["data"] == {"ok": True}
    assert provider.requests[0]["json"] == {"check_connection": True}


def test_failed_check_reports_the_status_and_sets_last_error(world, hook, provider):
    provider.script("/sms", {"status": 401, "body": "bad token"})
    api = world.api("R_admin")
    path = f"{gateways_path(world.id('R'))}/{hook['id']}"
    answer = api.post(f"{path}/check_connection").json()["data"]
    assert answer == {"ok": False, "error": "HTTP 401: bad token", "http_status": 401}
    assert api.get(path).json()["data"]["last_error"]["error"] == "HTTP 401: bad token"


def test_unsaved_check_stores_nothing(world, provider):
    api = world.api("R_admin")
    path = f"{gateways_path(world.id('R'))}/check_connection"
    answer = api.post(path, {"data": webhook_gateway(provider.url("/sms"))})
    assert answer.status_code == 200 and answer.json()["data"] == {"ok": True}
    assert api.get(gateways_path(world.id("R"))).json()["data"] == []


def test_unsaved_check_validates_the_body(world):
    path = f"{gateways_path(world.id('R'))}/check_connection"
    response = world.api("R_admin").post(path, {"data": {"kind": "smtp", "settings": {}}})
    assert response.status_code == 400
    assert "required" in response.json()["data"]["settings.host"]


def test_smtp_check_connects_and_quits(world):
    with MailSink() as sink:
        gateway = create(world.api("R_admin"), world.id("R"), smtp_gateway(sink.host, sink.port))
        path = f"{gateways_path(world.id('R'))}/{gateway['id']}/check_connection"
        assert world.api("R_admin").post(path).json()["data"] == {"ok": True}


def test_smtp_check_reports_a_refused_connection(world):
    with MailSink() as sink:
        host, port = sink.host, sink.port
    gateway = create(world.api("R_admin"), world.id("R"), smtp_gateway(host, port))
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/check_connection"
    answer = world.api("R_admin").post(path).json()["data"]
    assert answer["ok"] is False and "Connection" in answer["error"]


def test_smtp_gateway_relays_email_through_its_own_server(world):
    with MailSink() as sink:
        document = {**smtp_gateway(sink.host, sink.port), "from": "billing@r.example.net"}
        gateway = create(world.api("R_admin"), world.id("R"), document)
        body = {"text/plain": "Your invoice", "text/html": "<p>Your invoice</p>"}
        result = send(gateway["id"], channel="email", to="c@example.net", body=body, subject="Hi")
        (received,) = sink.wait_for(1)
    assert result.receipt.startswith("2.0.0")
    assert received.rcpt_tos == ["c@example.net"]
    assert received.message["From"] == "billing@r.example.net"
    assert received.message["Subject"] == "Hi"


def test_check_on_a_kind_without_the_feature_is_400(world, monkeypatch):
    from gateways.kinds.vendor import VendorKind

    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    monkeypatch.setattr(VendorKind, "features", lambda self, settings: ["outgoing"])
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/check_connection"
    response = world.api("R_admin").post(path)
    assert response.status_code == 400
    assert "not_supported" in response.json()["data"]["action"]
