"""Vendor ``twilio`` (SPEC-channels §13.2) against the local fake Twilio API.

Sends go through ``GatewayTransport``; the fake checks Basic auth and posts signed status
callbacks. Webhook tests post through Django's client, and the end-to-end ones run the
app under a live server so the fake's callbacks really reach our webhook URL.
"""

import base64
from types import SimpleNamespace

import pytest

from deliveries.transports import DeliveryError
from gateways.models import GatewayEvent
from gateways.transport import GatewayTransport
from gateways.twilio import signature
from gateways.twilio.fake import FakeTwilio
from gateways.vendors.twilio import TwilioVendor
from tests.conftest import Api
from tests.gateways_helpers import create, errors, gateways_path

TO = "+15551234567"
PUBLIC = "https://notify.example.com"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def twilio_gateway(config: dict, **extra) -> dict:
    return {
        "name": "Twilio",
        "kind": "vendor",
        "settings": {"vendor": "twilio", "config": config},
        **extra,
    }


def row(gateway, text="hello", **extra):
    fields = {
        "id": "d" * 32,
        "gateway_id": gateway["id"],
        "account_id": gateway["account_id"],
        "channel": "sms",
        "to": TO,
        "body": {"text/x-sms": text},
        "subject": "",
        "template_id": "voicemail_to_email",
        "attempts": 1,
        "macros": {},
        "media_url": "",
    }
    return SimpleNamespace(**{**fields, **extra})


def send(gateway, text="hello", **extra):
    return GatewayTransport().send(row(gateway, text, **extra))


def failure(gateway, **extra) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(gateway, **extra)
    return caught.value


def one(world, gateway, suffix=""):
    return f"{gateways_path(world.id('C1'))}/{gateway['id']}{suffix}"


@pytest.fixture
def gateway(world, fake):
    return create(world.api("C1_admin"), world.id("C1"), twilio_gateway(fake.config()))


def hook_path(gateway) -> str:
    return "/v2/webhooks/" + gateway["webhook_url"].split("/v2/webhooks/", 1)[1]


def events(world, gateway):
    return world.api("C1_admin").get(one(world, gateway, "/events")).json()["data"]


# --- the gateway document -------------------------------------------------------------------


def test_twilio_is_listed_among_the_vendors(world):
    kinds = world.api("C1_admin").get("/v2/gateway_kinds").json()["data"]
    vendor = next(kind for kind in kinds if kind["name"] == "vendor")
    twilio = next(entry for entry in vendor["vendors"] if entry["name"] == "twilio")
    assert twilio["channels"] == ["sms"]
    assert twilio["config_schema"]["properties"]["auth_token"]["x-secret"] is True


def test_a_twilio_gateway_serves_sms_with_every_feature(gateway):
    assert gateway["channel"] == "sms"
    assert "delivery_reports" in gateway["features"]
    assert gateway["fully_configured"] is True


def test_the_auth_token_is_never_returned(world, fake, gateway):
    assert gateway["settings"]["config"]["auth_token"] == "<Encrypted>"
    listed = world.api("C1_admin").get(gateways_path(world.id("C1"))).content.decode()
    assert fake.auth_token not in listed


def test_without_a_sender_it_is_not_fully_configured(world, fake):
    config = {k: v for k, v in fake.config().items() if k != "from"}
    created = create(world.api("C1_admin"), world.id("C1"), twilio_gateway(config))
    assert created["fully_configured"] is False
    error = failure(created)
    assert (error.permanent, str(error)) == (True, "gateway not fully configured")


def test_a_malformed_account_sid_is_refused(world, fake):
    document = twilio_gateway(fake.config(account_sid="XX123"))
    response = world.api("C1_admin").put(gateways_path(world.id("C1")), {"data": document})
    assert list(errors(response)) == ["settings.config.account_sid"]
    assert "pattern" in errors(response)["settings.config.account_sid"]


def test_a_channel_other_than_sms_is_refused(world, fake):
    document = twilio_gateway(fake.config(), channel="email")
    response = world.api("C1_admin").put(gateways_path(world.id("C1")), {"data": document})
    assert errors(response)["channel"]["enum"]["target"] == ["sms"]


def test_a_plain_user_cannot_create_one(world, fake):
    document = {"data": twilio_gateway(fake.config())}
    assert world.api("C1_user").put(gateways_path(world.id("C1")), document).status_code == 403


def test_another_tenant_cannot_read_it(world, gateway):
    path = f"{gateways_path(world.id('D'))}/{gateway['id']}"
    assert world.api("D_admin").get(path).status_code == 404


# --- check_connection -----------------------------------------------------------------------


def test_check_connection_reads_the_account(world, fake, gateway):
    answer = world.api("C1_admin").post(one(world, gateway, "/check_connection"))
    assert answer.json()["data"] == {"ok": True}
    request = fake.requests[-1]
    assert (request.method, request.path, request.authorized) == (
        "GET",
        f"/2010-04-01/Accounts/{fake.account_sid}.json",
        True,
    )


def test_check_connection_with_a_wrong_token_fails_with_401(world, fake):
    document = twilio_gateway(fake.config(auth_token="wrong"))
    gateway = create(world.api("C1_admin"), world.id("C1"), document)
    answer = world.api("C1_admin").post(one(world, gateway, "/check_connection")).json()["data"]
    assert (answer["ok"], answer["http_status"]) == (False, 401)


# --- sends ----------------------------------------------------------------------------------


def test_a_send_answers_the_message_sid(fake, gateway):
    result = send(gateway, "Your code is 1234")
    assert result.provider_message_id in fake.messages
    assert (result.status, result.receipt) == ("sent", "HTTP 201")


def test_a_send_posts_the_form_with_basic_auth(fake, gateway):
    send(gateway, "Your code is 1234")
    request = fake.requests[-1]
    pair = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {pair}"
    assert request.authorized is True
    assert {k: v for k, v in request.form.items()} == {
        "To": [TO],
        "From": ["+15005550006"],
        "Body": ["Your code is 1234"],
    }


def test_the_status_callback_is_the_absolute_webhook_url(fake, gateway, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    send(gateway)
    callback = fake.requests[-1].form["StatusCallback"]
    assert callback == [PUBLIC + hook_path(gateway)]


def test_without_a_public_base_url_no_status_callback_is_asked(fake, gateway):
    send(gateway)
    assert "StatusCallback" not in fake.requests[-1].form


def test_a_media_url_is_sent_as_media(fake, gateway):
    send(gateway, media_url="https://example.com/cat.png")
    assert fake.requests[-1].form["MediaUrl"] == ["https://example.com/cat.png"]


def test_a_twilio_400_is_permanent_with_its_code(fake, gateway):
    fake.reject(TO, 21211, http_status=400)
    error = failure(gateway)
    assert (error.permanent, error.code, error.http_status) == (True, "21211", 400)
    assert str(error).startswith("HTTP 400: ")


def test_a_twilio_429_is_transient_with_retry_after(fake, gateway):
    fake.reject(TO, 20429, http_status=429, retry_after="30")
    error = failure(gateway)
    assert (error.permanent, error.code, error.retry_after) == (False, "20429", 30.0)


def test_a_twilio_503_is_transient(fake, gateway):
    fake.reject(TO, 20500, http_status=503, retry_after="5")
    error = failure(gateway)
    assert (error.permanent, error.retry_after) == (False, 5.0)


def test_a_wrong_token_is_a_permanent_401(world, fake):
    document = twilio_gateway(fake.config(auth_token="wrong"))
    gateway = create(world.api("C1_admin"), world.id("C1"), document)
    error = failure(gateway)
    assert (error.permanent, error.http_status) == (True, 401)


def test_error_descriptions_link_to_twilios_docs():
    assert TwilioVendor.error_description("30003") == {
        "code": "30003",
        "description": TwilioVendor.error_descriptions["30003"],
        "link": "https://www.twilio.com/docs/api/errors/30003",
    }


# --- webhooks: signatures -------------------------------------------------------------------

STATUS_FORM = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "To": TO}


def signed_post(gateway, form: dict, token: str, *, header: str | None = None):
    url = PUBLIC + hook_path(gateway)
    headers = {"X-Twilio-Signature": header or signature(url, form, token)}
    body = "&".join(f"{k}={v}" for k, v in form.items()).replace("+", "%2B")
    return Api().post(
        hook_path(gateway),
        body,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


@pytest.fixture
def public(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def test_a_signed_status_callback_is_accepted(world, fake, gateway, public):
    response = signed_post(gateway, STATUS_FORM, fake.auth_token)
    assert response.status_code == 200
    assert response.json()["data"]["results"] == [
        {"event": "status", "result": "pending", "delivery_id": None}
    ]


def test_a_forged_signature_is_403_and_nothing_is_recorded(world, fake, gateway, public):
    response = signed_post(gateway, STATUS_FORM, "not-the-token")
    assert response.status_code == 403
    assert events(world, gateway) == []


def test_a_missing_signature_is_403(world, gateway, public):
    body = "MessageSid=SM1&MessageStatus=delivered"
    response = Api().post(
        hook_path(gateway), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert events(world, gateway) == []


def test_a_signature_over_other_params_is_403(world, fake, gateway, public):
    url = PUBLIC + hook_path(gateway)
    header = signature(url, {**STATUS_FORM, "MessageStatus": "failed"}, fake.auth_token)
    response = signed_post(gateway, STATUS_FORM, fake.auth_token, header=header)
    assert response.status_code == 403


def test_a_get_webhook_is_signed_over_its_query_string(world, fake, gateway, public):
    query = "?MessageSid=SM1&MessageStatus=sent"
    header = signature(PUBLIC + hook_path(gateway) + query, {}, fake.auth_token)
    response = Api().get(hook_path(gateway) + query, headers={"X-Twilio-Signature": header})
    assert response.status_code == 200
    unsigned = Api().get(hook_path(gateway) + query)
    assert unsigned.status_code == 403


def test_other_vendors_need_no_signature(world, anon):
    document = {"name": "Fake", "kind": "vendor", "settings": {"vendor": "fake"}}
    gateway = create(world.api("C1_admin"), world.id("C1"), document)
    response = anon.post(hook_path(gateway), {"type": "status", "id": "x", "status": "sent"})
    assert response.status_code == 200


# --- end to end: the fake Twilio calls our running app --------------------------------------


@pytest.fixture
def live(live_server, settings, live_world):
    settings.PUBLIC_BASE_URL = live_server.url
    return live_world


@pytest.fixture
def live_gateway(live, fake):
    return create(live.api("C1_admin"), live.id("C1"), twilio_gateway(fake.config()))


def test_signed_status_callbacks_reach_the_webhook_and_are_recorded(live, fake, live_gateway):
    result = send(live_gateway)
    callbacks = fake.wait_for_callbacks(2)
    assert [callback.status for callback in callbacks] == [200, 200]
    kept = events(live, live_gateway)
    assert [(event["model"], event["result"]) for event in kept] == [("status", "pending")] * 2
    details = GatewayEvent.objects.filter(gateway_id=live_gateway["id"])
    assert sorted((d.detail["id"], d.detail["status"]) for d in details) == [
        (result.provider_message_id, "delivered"),
        (result.provider_message_id, "sent"),
    ]


def test_an_undelivered_callback_carries_the_error_code(live, fake, live_gateway):
    fake.undeliver(TO, "30003")
    send(live_gateway)
    fake.wait_for_callbacks(2)
    details = GatewayEvent.objects.filter(gateway_id=live_gateway["id"])
    final = next(d.detail for d in details if d.detail["status"] != "sent")
    assert (final["status"], final["error_code"]) == ("failed", "30003")


def test_an_inbound_sms_is_parsed_into_a_message(live, fake, live_gateway):
    url = live_gateway["webhook_url"]
    status, _ = fake.send_inbound(url, from_="+15557654321", to="+15005550006", body="STOP")
    assert status == 200
    message = GatewayEvent.objects.get(gateway_id=live_gateway["id"], model="message").detail
    assert (message["from"], message["to"], message["text"]) == (
        "+15557654321",
        "+15005550006",
        "STOP",
    )


def test_an_inbound_sms_signed_with_another_token_is_refused(live, fake, live_gateway):
    url = live_gateway["webhook_url"]
    status, _ = fake.send_inbound(url, from_="+1555", to="+1666", body="hi", auth_token="x" * 32)
    assert status == 403
    assert events(live, live_gateway) == []
