"""Kind ``freeside``: a Freeside-style prepare/send service as a gateway (SPEC-channels §5),
through the gateway API and GatewayTransport, against the Freeside demo server."""

import json
from types import SimpleNamespace

import pytest
from django.test import override_settings

from deliveries.transports import DeliveryError
from gateways.freeside.demo_server import DemoServer
from gateways.models import Gateway
from gateways.transport import GatewayTransport
from tests.gateways_helpers import create, errors, gateways_path


@pytest.fixture
def demo():
    with DemoServer() as server:
        yield server


@pytest.fixture
def guarded_demo():
    with DemoServer(username="freeside", password="pw") as server:
        yield server


def freeside_doc(settings: dict, **extra) -> dict:
    return {"name": "Freeside", "kind": "freeside", "settings": settings, **extra}


def row(gateway_id: str, **extra) -> SimpleNamespace:
    """A delivery row as the outbox hands it over (prepared_document starts empty)."""
    fields = {
        "id": "d" * 32,
        "gateway_id": gateway_id,
        "account_id": "a" * 32,
        "channel": "sms",
        "to": "+15550002222",
        "body": {"text/x-sms": "Your invoice is ready", "text/plain": "plain"},
        "subject": "Invoice",
        "template_id": "password_reset",
        "attempts": 1,
        "macros": {"username": "bob", "user": {"first_name": "Bob"}},
        "media_url": "",
        "msgtype": "",
        "prepared_document": None,
    }
    return SimpleNamespace(**{**fields, **extra})


def gateway_for(world, server: DemoServer, **settings) -> dict:
    document = freeside_doc(server.settings(**settings), channel="sms")
    return create(world.api("R_admin"), world.id("R"), document)


def document_path(world, gateway: dict) -> str:
    return f"{gateways_path(world.id('R'))}/{gateway['id']}"


# --- the document ---------------------------------------------------------------------------


def test_a_freeside_gateway_defaults_retry_on_to_502_503_504(world, demo):
    gateway = gateway_for(world, demo)
    assert gateway["retry_on"] == [502, 503, 504]
    assert gateway["features"] == ["outgoing", "check_connection"]
    assert gateway["fully_configured"] is True


def test_the_password_is_encrypted_and_never_returned(world, guarded_demo):
    gateway = gateway_for(world, guarded_demo)
    assert gateway["settings"]["password"] == "<Encrypted>"
    stored = Gateway.objects.get(pk=gateway["id"])
    assert "pw" not in json.dumps(stored.settings)


def test_prepare_and_send_urls_are_required(world):
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": freeside_doc({"username": "x"})}
    )
    data = errors(response)
    assert "required" in data["settings.prepare_url"]
    assert "required" in data["settings.send_url"]


def test_a_url_that_is_not_http_is_wrong_format(world, demo):
    settings = demo.settings(prepare_url="ftp://freeside.example.net/prepare")
    path = gateways_path(world.id("R"))
    response = world.api("R_admin").put(path, {"data": freeside_doc(settings)})
    assert "wrong_format" in errors(response)["settings.prepare_url"]


@override_settings(CHANNELS_BLOCK_PRIVATE_NETWORKS=True)
def test_blocking_private_networks_refuses_a_loopback_url_at_save(world, demo):
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": freeside_doc(demo.settings())}
    )
    assert "wrong_format" in errors(response)["settings.prepare_url"]


def test_blocking_private_networks_refuses_a_loopback_target_at_send(world, demo):
    gateway = gateway_for(world, demo)
    blocking = override_settings(CHANNELS_BLOCK_PRIVATE_NETWORKS=True)
    with blocking, pytest.raises(DeliveryError) as failure:
        GatewayTransport().send(row(gateway["id"]))
    assert failure.value.permanent
    assert demo.received == []


# --- sending --------------------------------------------------------------------------------


def test_prepare_then_send_delivers_with_receipt_http_200(world, demo):
    result = GatewayTransport().send(row(gateway_for(world, demo)["id"]))
    assert (result.status, result.receipt) == ("sent", "HTTP 200")
    assert [r.stage for r in demo.received] == ["prepare", "send"]


def test_the_prepare_document_follows_freeside_key_precedence(world, demo):
    content = {"msgtype": "from-content", "company_name": "Acme", "first": "Content", "mobile": "x"}
    gateway = gateway_for(world, demo, content=content)
    macros = {"username": "bob", "first": "Macro", "user": {"first_name": "Bob"}}
    GatewayTransport().send(row(gateway["id"], macros=macros, msgtype="invoice"))
    sent = json.loads(demo.prepares[0].body)
    assert sent == {
        "msgname": "password_reset",
        "msgtype": "from-content",
        "company_name": "Acme",
        "first": "Macro",
        "username": "bob",
        "user.first_name": "Bob",
        "mobile": "+15550002222",
        "content": "Your invoice is ready",
    }


def test_an_email_row_prepares_with_invoicing_email_and_the_plain_body(world, demo):
    gateway = gateway_for(world, demo)
    GatewayTransport().send(row(gateway["id"], channel="email", to="bob@example.com"))
    sent = json.loads(demo.prepares[0].body)
    assert (sent["invoicing_email"], sent["content"]) == ("bob@example.com", "plain")
    assert "mobile" not in sent


def test_basic_auth_is_sent_when_a_username_is_set(world, guarded_demo):
    gateway = gateway_for(world, guarded_demo)
    assert GatewayTransport().send(row(gateway["id"])).status == "sent"
    assert all(r.headers["Authorization"].startswith("Basic ") for r in guarded_demo.received)


def test_no_authorization_header_without_a_username(world, demo):
    GatewayTransport().send(row(gateway_for(world, demo)["id"]))
    assert all("Authorization" not in r.headers for r in demo.received)


def test_send_posts_the_prepared_document_byte_for_byte(world, demo):
    delivery = row(gateway_for(world, demo)["id"])
    GatewayTransport().send(delivery)
    assert demo.sends[0].body == delivery.prepared_document
    assert json.loads(delivery.prepared_document)["msgname"] == "password_reset"


def test_a_prepare_500_is_permanent_with_the_body_and_no_send(world, demo):
    demo.fail("prepare", 500, "Username   required\n")
    delivery = row(gateway_for(world, demo)["id"])
    with pytest.raises(DeliveryError) as failure:
        GatewayTransport().send(delivery)
    assert failure.value.permanent
    assert str(failure.value) == "prepare: HTTP 500: Username required"
    assert demo.sends == []
    assert delivery.prepared_document is None


def test_a_send_503_keeps_the_prepared_document_for_the_retry(world, demo):
    demo.fail("send", 503, "busy")
    delivery = row(gateway_for(world, demo)["id"])
    with pytest.raises(DeliveryError) as failure:
        GatewayTransport().send(delivery)
    assert not failure.value.permanent
    assert str(failure.value) == "send: HTTP 503: busy"
    assert json.loads(delivery.prepared_document)["msgname"] == "password_reset"
    assert failure.value.prepared_document == delivery.prepared_document


def test_send_503_then_200_is_one_prepare_and_two_sends(world, demo):
    demo.fail("send", 503, "busy")
    transport = GatewayTransport()
    delivery = row(gateway_for(world, demo)["id"])
    with pytest.raises(DeliveryError):
        transport.send(delivery)
    delivery.attempts = 2
    assert transport.send(delivery).status == "sent"
    assert [r.stage for r in demo.received] == ["prepare", "send", "send"]
    assert demo.sends[0].body == demo.sends[1].body == delivery.prepared_document


def test_a_stored_prepared_document_given_as_text_is_sent_as_is(world, demo):
    stored = '{"body":"Hi ünïcode","msgname":"x"}'
    delivery = row(gateway_for(world, demo)["id"], prepared_document=stored)
    GatewayTransport().send(delivery)
    assert demo.prepares == []
    assert demo.sends[0].body == stored.encode("utf-8")


def test_both_stages_carry_the_delivery_id(world, demo):
    GatewayTransport().send(row(gateway_for(world, demo)["id"]))
    assert {r.headers["Idempotency-Key"] for r in demo.received} == {"d" * 32}


def test_a_send_500_is_permanent_for_freeside(world, demo):
    demo.fail("send", 500, "bad")
    with pytest.raises(DeliveryError) as failure:
        GatewayTransport().send(row(gateway_for(world, demo)["id"]))
    assert failure.value.permanent


# --- check_connection -----------------------------------------------------------------------


def test_check_connection_runs_a_side_effect_free_prepare(world, demo):
    gateway = gateway_for(world, demo)
    response = world.api("R_admin").post(f"{document_path(world, gateway)}/check_connection")
    assert response.json()["data"] == {"ok": True}
    assert [r.stage for r in demo.received] == ["prepare"]
    assert json.loads(demo.prepares[0].body)["msgname"] == "check_connection"


def test_a_failed_check_reports_the_status_and_sets_last_error(world, guarded_demo):
    gateway = gateway_for(world, guarded_demo, password="wrong")
    api = world.api("R_admin")
    response = api.post(f"{document_path(world, gateway)}/check_connection")
    data = response.json()["data"]
    assert data == {"ok": False, "error": "prepare: HTTP 401: Unauthorized", "http_status": 401}
    assert api.get(document_path(world, gateway)).json()["data"]["last_error"] is not None


def test_check_on_an_unsaved_body_stores_nothing(world, demo):
    path = f"{gateways_path(world.id('R'))}/check_connection"
    response = world.api("R_admin").post(path, {"data": freeside_doc(demo.settings())})
    assert response.json()["data"] == {"ok": True}
    assert not Gateway.objects.exists()


# --- the kinds list -------------------------------------------------------------------------


def test_gateway_kinds_shows_freeside_and_http_json_with_schema_and_features(world):
    response = world.api("C1_user").get("/v2/gateway_kinds")
    kinds = {k["name"]: k for k in response.json()["data"]}
    freeside = kinds["freeside"]
    assert freeside["features"] == ["outgoing", "check_connection"]
    assert freeside["retry_on"] == [502, 503, 504]
    assert freeside["settings_schema"]["properties"]["password"]["x-secret"] is True
    http_json = kinds["http_json"]
    assert http_json["settings_schema"]["required"] == ["definition"]
    assert "send_file" in http_json["features"]
