"""Kind ``http_json`` (a Ringotel definition as a gateway, SPEC-channels §4) through the
gateway API, GatewayTransport and the inbound webhook route, against the local fake
provider."""

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import override_settings

from deliveries.transports import DeliveryError
from gateways.fakeprovider import FakeProvider
from gateways.models import Gateway, GatewayEvent
from gateways.ringotel.oauth import TOKENS
from gateways.transport import GatewayTransport
from tests.gateways_helpers import create, errors, gateways_path

SEED = json.loads((Path(__file__).parent / "data" / "ringotel_seed.json").read_text())


@pytest.fixture
def provider():
    with FakeProvider() as fake:
        yield fake


@pytest.fixture(autouse=True)
def fresh_tokens():
    TOKENS.clear()
    yield
    TOKENS.clear()


def seed_definition(url: str) -> dict:
    """The seed's example file with its request_url pointed at the fake provider."""
    definition = copy.deepcopy(SEED["definition"])
    for request in definition["API"].values():
        request["request_url"] = url
    return definition


def gateway_doc(definition: dict, properties: dict | None = None, **extra) -> dict:
    settings = {"definition": definition, **({"properties": properties} if properties else {})}
    return {
        "name": extra.pop("name", "Acme SMS"),
        "kind": "http_json",
        "settings": settings,
        **extra,
    }


def simple_definition(url: str, **extra) -> dict:
    """One SendMessage with a response_map capturing the provider's id."""
    return {
        "class": "sms",
        "API": {
            "SendMessage": {
                "request_method": "POST",
                "request_url": url,
                "request_parameters": {"to": "$to$", "text": "$content$"},
                "response_map": {"id": "$messageid$"},
            }
        },
        **extra,
    }


def row(gateway_id: str, text: str = "hello", **extra) -> SimpleNamespace:
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
        "prepared_document": None,
    }
    return SimpleNamespace(**{**fields, **extra})


def send(gateway_id: str, text: str = "hello", **extra):
    return GatewayTransport().send(row(gateway_id, text, **extra))


def document_path(world, gateway: dict, account: str = "R") -> str:
    return f"{gateways_path(world.id(account))}/{gateway['id']}"


# --- the document ---------------------------------------------------------------------------


def test_the_seed_file_pasted_unchanged_is_an_sms_gateway_with_its_features(world):
    document = gateway_doc(copy.deepcopy(SEED["definition"]))
    gateway = create(world.api("R_admin"), world.id("R"), document)
    assert gateway["kind"] == "http_json"
    assert gateway["channel"] == "sms"
    assert gateway["features"] == ["outgoing", "send_file", "ingoing", "delivery_reports"]
    assert gateway["fully_configured"] is True


def test_channel_defaults_to_the_definition_class(world, provider):
    definition = {**simple_definition(provider.url("/sms")), "class": "jabber"}
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    assert gateway["channel"] == gateway["contact_type"] == "jabber"


def test_a_definition_without_send_message_is_required_at_its_path(world, provider):
    definition = seed_definition(provider.url("/sms"))
    del definition["API"]["SendMessage"]
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    assert "required" in errors(response)["settings.definition.API.SendMessage"]


def test_an_unknown_request_method_is_enum(world, provider):
    definition = seed_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["request_method"] = "DELETE"
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    assert "enum" in errors(response)["settings.definition.API.SendMessage.request_method"]


def test_a_request_url_that_is_not_http_is_wrong_format(world):
    definition = seed_definition("ftp://files.example.net/")
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    assert "wrong_format" in errors(response)["settings.definition.API.SendMessage.request_url"]


def test_an_unknown_placeholder_is_reported_at_its_leaf(world, provider):
    definition = seed_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["request_parameters"]["x"] = "$nope$"
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    path = "settings.definition.API.SendMessage.request_parameters.x"
    assert "unknown_placeholder" in errors(response)[path]


def test_an_unknown_auth_type_is_enum(world, provider):
    definition = {**seed_definition(provider.url("/sms")), "auth": {"type": "Digest"}}
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    assert "enum" in errors(response)["settings.definition.auth.type"]


def test_kind_may_not_change(world, provider):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), gateway_doc(seed_definition(provider.url("/sms"))))
    response = api.post(document_path(world, gateway), {"data": {"kind": "vendor"}})
    assert "immutable" in errors(response)["kind"]


def test_a_property_without_a_value_is_not_fully_configured(world, provider):
    definition = {**simple_definition(provider.url("/sms")), "properties": ["Sender ID"]}
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    assert gateway["fully_configured"] is False


def test_sending_through_an_unconfigured_gateway_fails_with_no_request(world, provider):
    definition = {**simple_definition(provider.url("/sms")), "properties": ["Sender ID"]}
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    with pytest.raises(DeliveryError) as failure:
        send(gateway["id"])
    assert str(failure.value) == "gateway not fully configured"
    assert failure.value.permanent
    assert provider.requests == []


# --- secrets --------------------------------------------------------------------------------


def bearer_definition(url: str) -> dict:
    return {
        **simple_definition(url),
        "properties": ["API key", "Sender ID"],
        "auth": {"type": "Bearer", "token": "$API key$"},
    }


def test_a_secret_property_is_shown_encrypted_and_stored_sealed(world, provider):
    properties = {"API key": "k-123", "Sender ID": "ACME"}
    gateway = create(
        world.api("R_admin"),
        world.id("R"),
        gateway_doc(bearer_definition(provider.url("/sms")), properties),
    )
    assert gateway["settings"]["properties"] == {"API key": "<Encrypted>", "Sender ID": "ACME"}
    stored = Gateway.objects.get(pk=gateway["id"])
    assert "k-123" not in json.dumps(stored.settings) and "k-123" not in stored.secrets


def test_secret_properties_names_the_encrypted_ones(world, provider):
    doc = gateway_doc(bearer_definition(provider.url("/sms")), {"API key": "k", "Sender ID": "S"})
    doc["settings"]["secret_properties"] = ["Sender ID"]
    gateway = create(world.api("R_admin"), world.id("R"), doc)
    assert gateway["settings"]["properties"] == {"API key": "k", "Sender ID": "<Encrypted>"}


def test_an_update_carrying_encrypted_keeps_the_secret(world, provider):
    api = world.api("R_admin")
    properties = {"API key": "k-123", "Sender ID": "ACME"}
    gateway = create(
        api, world.id("R"), gateway_doc(bearer_definition(provider.url("/sms")), properties)
    )
    settings = {**gateway["settings"], "properties": {**gateway["settings"]["properties"]}}
    settings["properties"]["Sender ID"] = "NEWCO"
    response = api.post(document_path(world, gateway), {"data": {"settings": settings}})
    assert response.status_code == 200, response.content
    send(gateway["id"])
    assert provider.requests[0]["headers"]["authorization"] == "Bearer k-123"


def test_a_literal_bearer_token_and_an_oauth_client_secret_are_secrets(world, provider):
    api = world.api("R_admin")
    literal = {**simple_definition(provider.url("/sms")), "auth": {"type": "Bearer", "token": "T"}}
    gateway = create(api, world.id("R"), gateway_doc(literal))
    assert gateway["settings"]["definition"]["auth"]["token"] == "<Encrypted>"
    oauth = {**simple_definition(provider.url("/sms")), "OAuth2": oauth_section(provider)}
    gateway = create(api, world.id("R"), gateway_doc(oauth, name="OAuth"))
    assert gateway["settings"]["definition"]["OAuth2"]["client_secret"] == "<Encrypted>"


def test_secrets_are_not_echoed_in_validation_errors(world, provider):
    definition = {**simple_definition(provider.url("/sms")), "auth": {"type": "Bearer"}}
    definition["auth"]["token"] = "s3cret-value"
    definition["API"]["SendMessage"]["request_method"] = "DELETE"
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(definition)}
    )
    assert "s3cret-value" not in response.content.decode()


# --- who sees what --------------------------------------------------------------------------


@pytest.fixture
def inherited(world, provider):
    """R's http_json gateway with a secret property, inherited by its descendants."""
    properties = {"API key": "k-123", "Sender ID": "ACME"}
    return create(
        world.api("R_admin"),
        world.id("R"),
        gateway_doc(bearer_definition(provider.url("/sms")), properties),
    )


def test_a_descendant_gets_the_reduced_view_without_definition_or_secrets(world, inherited):
    response = world.api("C1_admin").get(document_path(world, inherited, "C1"))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["inherited"] is True
    assert "settings" not in data and "webhook_url" not in data
    assert "k-123" not in response.content.decode()
    assert "SendMessage" not in response.content.decode()


def test_a_descendant_list_never_shows_the_definition(world, inherited):
    response = world.api("C1_admin").get(gateways_path(world.id("C1")))
    body = response.content.decode()
    assert inherited["id"] in body
    assert "definition" not in body and "k-123" not in body


def test_a_descendant_may_not_change_an_inherited_gateway(world, inherited):
    path = document_path(world, inherited, "C1")
    response = world.api("C1_admin").post(path, {"data": {"name": "Mine"}})
    assert response.status_code == 403


def test_a_descendant_may_not_read_events_or_check_an_inherited_gateway(world, inherited):
    api = world.api("C1_admin")
    path = document_path(world, inherited, "C1")
    assert api.get(f"{path}/events").status_code == 403
    assert api.post(f"{path}/check_connection").status_code == 403


def test_another_tenant_does_not_see_the_gateway(world, inherited):
    response = world.api("R2_admin").get(document_path(world, inherited, "R2"))
    assert response.status_code == 404


def test_another_tenant_cannot_check_or_list_events_of_the_gateway(world, inherited):
    api = world.api("R2_admin")
    path = document_path(world, inherited, "R2")
    assert api.post(f"{path}/check_connection").status_code == 404
    assert api.get(f"{path}/events").status_code == 404


def test_another_tenant_cannot_reach_the_owner_path(world, inherited):
    response = world.api("R2_admin").get(document_path(world, inherited, "R"))
    assert response.status_code == 403
    assert "k-123" not in response.content.decode()


# --- sending: the seed's example --------------------------------------------------------------


@pytest.fixture
def seed_gateway(world, provider):
    document = gateway_doc(seed_definition(provider.url("/webhook")), **{"from": "+15550001111"})
    return create(world.api("R_admin"), world.id("R"), document)


def test_the_seed_send_message_posts_its_parameters_and_captures_data_id(seed_gateway, provider):
    provider.script("/webhook", {"body": {"data": {"id": "9612c4e2"}}})
    macros = {"user": {"username": "alice"}, "account": {"realm": "acme.example.net"}}
    result = send(seed_gateway["id"], "Your code is 1234", macros=macros)
    assert (result.provider_message_id, result.status) == ("9612c4e2", "sent")
    sent = provider.requests[0]
    assert sent["method"] == "POST"
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["json"] == {
        "from": "+15550001111",
        "to": "+15550002222",
        "extension": "alice",
        "domain": "acme.example.net",
        "content": "Your code is 1234",
    }


def test_a_send_with_media_url_uses_send_file(seed_gateway, provider):
    provider.script("/webhook", {"body": {"data": {"id": "f-1"}}})
    result = send(seed_gateway["id"], "a picture", media_url="https://cdn.example.net/p.png")
    assert result.provider_message_id == "f-1"
    assert provider.requests[0]["json"]["media_url"] == "https://cdn.example.net/p.png"
    assert "content" not in provider.requests[0]["json"]


def test_every_request_carries_user_agent_and_the_delivery_id(seed_gateway, provider):
    send(seed_gateway["id"])
    headers = provider.requests[0]["headers"]
    assert headers["user-agent"].startswith("kazoo-notify/")
    assert headers["idempotency-key"] == headers["x-notify-delivery-id"] == "d" * 32


def test_a_retry_sends_the_same_idempotency_key(seed_gateway, provider):
    provider.script("/webhook", {"status": 503})
    with pytest.raises(DeliveryError):
        send(seed_gateway["id"], attempts=1)
    send(seed_gateway["id"], attempts=2)
    keys = [r["headers"]["idempotency-key"] for r in provider.requests]
    assert keys == ["d" * 32, "d" * 32]


def test_a_2xx_without_message_id_is_sent_with_a_note(seed_gateway, provider):
    provider.script("/webhook", {"body": {"ok": True}})
    result = send(seed_gateway["id"])
    assert (result.provider_message_id, result.status) == (None, "sent")
    assert result.detail == "no provider message id"


# --- auth -----------------------------------------------------------------------------------


def test_bearer_auth_sends_the_property_as_token(world, provider):
    gateway = create(
        world.api("R_admin"),
        world.id("R"),
        gateway_doc(bearer_definition(provider.url("/sms")), {"API key": "k-1", "Sender ID": "S"}),
    )
    send(gateway["id"])
    assert provider.requests[0]["headers"]["authorization"] == "Bearer k-1"


def test_basic_auth_sends_user_and_password(world, provider):
    definition = {
        **simple_definition(provider.url("/sms")),
        "properties": ["Login", "Password"],
        "auth": {"type": "Basic", "username": "$Login$", "password": "$Password$"},
    }
    properties = {"Login": "acme", "Password": "pw"}
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition, properties))
    send(gateway["id"])
    assert provider.requests[0]["headers"]["authorization"] == "Basic YWNtZTpwdw=="


def oauth_section(provider) -> dict:
    return {
        "client_id": "client-1",
        "client_secret": "shh",
        "flow_type": "client_credentials",
        "authorization_endpoint": provider.url("/authorize"),
        "token_endpoint": provider.url("/token"),
        "token_parameters": {"content_type": "application/x-www-form-urlencoded"},
        "request_auth": "Bearer",
    }


@pytest.fixture
def oauth_gateway(world, provider):
    definition = {**simple_definition(provider.url("/sms")), "OAuth2": oauth_section(provider)}
    return create(world.api("R_admin"), world.id("R"), gateway_doc(definition))


def token(value: str) -> dict:
    return {"body": {"access_token": value, "token_type": "Bearer", "expires_in": 3600}}


def paths(provider) -> list[str]:
    return [r["path"] for r in provider.requests]


def test_oauth2_fetches_a_token_with_client_credentials(oauth_gateway, provider):
    provider.script("/token", token("t-1"))
    send(oauth_gateway["id"])
    token_request, api_request = provider.requests
    assert token_request["path"] == "/token"
    assert "grant_type=client_credentials" in token_request["body"]
    assert "client_secret=shh" in token_request["body"]
    assert api_request["headers"]["authorization"] == "Bearer t-1"


def test_oauth2_token_is_cached_across_sends(oauth_gateway, provider):
    provider.script("/token", token("t-1"))
    send(oauth_gateway["id"])
    send(oauth_gateway["id"])
    assert paths(provider) == ["/token", "/sms", "/sms"]


def test_an_api_401_refreshes_the_token_once_and_repeats(oauth_gateway, provider):
    provider.script("/token", token("t-old"), token("t-new"))
    provider.script("/sms", {"status": 401, "body": "expired"}, {"body": {"id": "m-1"}})
    result = send(oauth_gateway["id"])
    assert result.provider_message_id == "m-1"
    assert paths(provider) == ["/token", "/sms", "/token", "/sms"]
    assert provider.requests[3]["headers"]["authorization"] == "Bearer t-new"


def test_a_second_401_is_a_permanent_failure(oauth_gateway, provider):
    provider.script("/token", token("t-1"), token("t-2"))
    provider.script("/sms", {"status": 401, "body": "no"}, {"status": 401, "body": "still no"})
    with pytest.raises(DeliveryError) as failure:
        send(oauth_gateway["id"])
    assert failure.value.permanent and failure.value.http_status == 401
    assert paths(provider) == ["/token", "/sms", "/token", "/sms"]


def test_a_401_at_send_time_sets_the_gateway_last_error(world, oauth_gateway, provider):
    provider.script("/token", token("t-1"), token("t-2"))
    provider.script("/sms", {"status": 401, "body": "no"}, {"status": 401, "body": "still no"})
    with pytest.raises(DeliveryError):
        send(oauth_gateway["id"])
    data = world.api("R_admin").get(document_path(world, oauth_gateway)).json()["data"]
    assert data["last_error"]["error"] == "HTTP 401: still no"


def test_a_refused_token_request_is_a_permanent_failure(oauth_gateway, provider):
    provider.script("/token", {"status": 401, "body": {"error": "invalid_client"}})
    with pytest.raises(DeliveryError) as failure:
        send(oauth_gateway["id"])
    assert failure.value.permanent
    assert paths(provider) == ["/token"]


# --- the §8 outcome table -------------------------------------------------------------------


@pytest.fixture
def simple(world, provider):
    definition = simple_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["response_map"] = {
        "id": "$messageid$",
        "error": "$error$",
        "code": "$error_code$",
        "state": "$status$",
    }
    return create(world.api("R_admin"), world.id("R"), gateway_doc(definition))


def test_2xx_is_sent_with_the_provider_id(simple, provider):
    provider.script("/sms", {"body": {"id": "m-7"}})
    result = send(simple["id"])
    assert (result.provider_message_id, result.status, result.receipt) == (
        "m-7",
        "sent",
        "HTTP 200",
    )


def test_a_delivered_status_in_the_answer_is_delivered_at_once(simple, provider):
    provider.script("/sms", {"body": {"id": "m-7", "state": "delivered"}})
    assert send(simple["id"]).status == "delivered"


def test_a_status_in_retry_on_is_transient_with_retry_after(simple, provider):
    provider.script("/sms", {"status": 429, "headers": {"Retry-After": "7"}, "body": "slow"})
    with pytest.raises(DeliveryError) as failure:
        send(simple["id"])
    assert not failure.value.permanent
    assert failure.value.retry_after == 7.0
    assert str(failure.value) == "HTTP 429: slow"


def test_another_4xx_is_permanent_with_the_body_and_provider_code(simple, provider):
    provider.script("/sms", {"status": 400, "body": {"error": "bad number", "code": "E21"}})
    with pytest.raises(DeliveryError) as failure:
        send(simple["id"])
    assert failure.value.permanent and failure.value.code == "E21"
    assert str(failure.value).startswith("HTTP 400: ")
    assert "bad number" in str(failure.value)


def test_a_5xx_outside_retry_on_is_permanent(world, simple, provider):
    path = document_path(world, simple)
    world.api("R_admin").post(path, {"data": {"retry_on": [503]}})
    provider.script("/sms", {"status": 500, "body": "boom"})
    with pytest.raises(DeliveryError) as failure:
        send(simple["id"])
    assert failure.value.permanent


def test_a_refused_connection_is_transient_and_unreachable(world):
    definition = simple_definition("http://127.0.0.1:9/sms")
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    with pytest.raises(DeliveryError) as failure:
        send(gateway["id"])
    assert not failure.value.permanent and failure.value.unreachable


def test_an_error_in_a_2xx_answer_is_a_permanent_failure_with_its_code(simple, provider):
    provider.script("/sms", {"body": {"error": "Insufficient balance", "code": "402"}})
    with pytest.raises(DeliveryError) as failure:
        send(simple["id"])
    assert failure.value.permanent
    assert (str(failure.value), failure.value.code) == ("Insufficient balance", "402")


# --- request shapes -------------------------------------------------------------------------


def test_a_form_request_sends_top_level_keys(world, provider):
    definition = simple_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["request_content_type"] = "application/x-www-form-urlencoded"
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    send(gateway["id"], "hi there")
    assert provider.requests[0]["body"] == "to=%2B15550002222&text=hi+there"


def test_a_get_request_sends_the_query_string(world, provider):
    definition = simple_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["request_method"] = "GET"
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    send(gateway["id"], "hi")
    assert provider.requests[0]["query"] == "to=%2B15550002222&text=hi"


def test_headers_and_macros_are_substituted(world, provider):
    definition = simple_definition(provider.url("/sms"))
    definition["API"]["SendMessage"]["headers"] = {"X-Tenant": "$macro.account.name$"}
    definition["API"]["SendMessage"]["request_parameters"]["n"] = "$macro.count$"
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    send(gateway["id"], macros={"account": {"name": "Acme"}, "count": 3})
    assert provider.requests[0]["headers"]["x-tenant"] == "Acme"
    assert provider.requests[0]["json"]["n"] == 3


# --- check_connection -----------------------------------------------------------------------


def with_check(url: str, check_url: str) -> dict:
    definition = simple_definition(url)
    definition["API"]["CheckConnection"] = {"request_method": "GET", "request_url": check_url}
    return definition


def test_check_connection_needs_a_2xx_from_the_check_request(world, provider):
    api = world.api("R_admin")
    definition = with_check(provider.url("/sms"), provider.url("/me"))
    gateway = create(api, world.id("R"), gateway_doc(definition))
    assert "check_connection" in gateway["features"]
    response = api.post(f"{document_path(world, gateway)}/check_connection")
    assert response.json()["data"] == {"ok": True}
    assert paths(provider) == ["/me"]


def test_a_failed_check_reports_the_status_and_sets_last_error(world, provider):
    api = world.api("R_admin")
    gateway = create(
        api, world.id("R"), gateway_doc(with_check(provider.url("/sms"), provider.url("/me")))
    )
    provider.script("/me", {"status": 401, "body": "bad key"})
    response = api.post(f"{document_path(world, gateway)}/check_connection")
    assert response.json()["data"] == {
        "ok": False,
        "error": "HTTP 401: bad key",
        "http_status": 401,
    }
    assert api.get(document_path(world, gateway)).json()["data"]["last_error"]["error"] == (
        "HTTP 401: bad key"
    )


def test_check_with_only_oauth2_fetches_a_token(world, oauth_gateway, provider):
    provider.script("/token", token("t-1"))
    response = world.api("R_admin").post(f"{document_path(world, oauth_gateway)}/check_connection")
    assert response.json()["data"] == {"ok": True}
    assert paths(provider) == ["/token"]


def test_check_on_an_unsaved_body_stores_nothing(world, provider):
    provider.script("/token", {"status": 401, "body": "invalid_client"})
    definition = {**simple_definition(provider.url("/sms")), "OAuth2": oauth_section(provider)}
    path = f"{gateways_path(world.id('R'))}/check_connection"
    response = world.api("R_admin").post(path, {"data": gateway_doc(definition)})
    data = response.json()["data"]
    assert data["ok"] is False and data["http_status"] == 401
    assert not Gateway.objects.exists()


def test_check_without_check_connection_or_oauth2_is_not_supported(world, seed_gateway):
    response = world.api("R_admin").post(f"{document_path(world, seed_gateway)}/check_connection")
    assert "not_supported" in errors(response)["action"]


# --- private networks -----------------------------------------------------------------------


@override_settings(CHANNELS_BLOCK_PRIVATE_NETWORKS=True)
def test_blocking_private_networks_refuses_a_loopback_url_at_save(world, provider):
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": gateway_doc(simple_definition(provider.url("/sms")))}
    )
    assert "wrong_format" in errors(response)["settings.definition.API.SendMessage.request_url"]


def test_blocking_private_networks_refuses_a_loopback_target_at_send(world, simple, provider):
    blocking = override_settings(CHANNELS_BLOCK_PRIVATE_NETWORKS=True)
    with blocking, pytest.raises(DeliveryError) as failure:
        send(simple["id"])
    assert failure.value.permanent
    assert provider.requests == []


# --- inbound webhooks -----------------------------------------------------------------------


def post_webhook(anon, gateway: dict, body: dict):
    path = gateway["webhook_url"].split("/v2/", 1)[1]
    return anon.post(f"/v2/{path}", body)


@pytest.mark.parametrize(
    ("model", "event"),
    [
        (
            "delivered",
            {
                "type": "status",
                "id": "9612c4e2-27f8-4463-a517-c6306ffdabff",
                "status": "delivered",
                "error_code": None,
                "error": None,
            },
        ),
        (
            "message",
            {
                "type": "message",
                "id": None,
                "from": "+61855555555",
                "to": "+61123456789",
                "text": "Hello there!",
                "media_url": None,
            },
        ),
        (
            "file",
            {
                "type": "message",
                "id": None,
                "from": "+61855555555",
                "to": "+61123456789",
                "text": "Sending a file",
                "media_url": "https://your.server.com/files/8a8d89798as9ud.jpeg",
            },
        ),
    ],
)
def test_the_seed_webhook_bodies_become_events(seed_gateway, anon, model, event):
    response = post_webhook(anon, seed_gateway, SEED["webhook_bodies"][model])
    assert response.status_code == 200
    assert response.json()["data"]["results"][0]["event"] == event["type"]
    recorded = GatewayEvent.objects.get(gateway_id=seed_gateway["id"])
    assert recorded.detail == event


def test_a_body_matching_no_model_is_unmatched(seed_gateway, anon):
    response = post_webhook(anon, seed_gateway, {"method": "typing", "params": {}})
    assert response.json()["data"]["results"] == [
        {"event": None, "result": "unmatched", "delivery_id": None}
    ]


def test_webhook_requests_are_listed_in_the_gateway_events(world, seed_gateway, anon):
    post_webhook(anon, seed_gateway, SEED["webhook_bodies"]["delivered"])
    response = world.api("R_admin").get(f"{document_path(world, seed_gateway)}/events")
    assert [e["model"] for e in response.json()["data"]] == ["status"]


def test_a_status_model_maps_the_provider_status(world, provider, anon):
    definition = simple_definition(provider.url("/sms"))
    definition["Webhook"] = {
        "status": {
            "request_parameters": {"type": "dlr", "id": "$messageid$", "state": "$status$"},
            "status_map": {"DELIVRD": "delivered", "EXPIRED": "temporary-failure"},
        }
    }
    gateway = create(world.api("R_admin"), world.id("R"), gateway_doc(definition))
    post_webhook(anon, gateway, {"type": "dlr", "id": "m-1", "state": "EXPIRED"})
    recorded = GatewayEvent.objects.get(gateway_id=gateway["id"])
    assert (recorded.detail["status"], recorded.detail["failure"]) == (
        "failed",
        "temporary-failure",
    )
