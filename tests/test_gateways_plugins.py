"""A third-party vendor plugs in through CHANNELS_VENDORS without touching our code."""

from types import SimpleNamespace

import pytest

from deliveries.transports import DeliveryError
from gateways import http
from gateways.fakeprovider import FakeProvider
from gateways.models import Gateway
from gateways.transport import GatewayTransport
from gateways.vendors.base import Vendor
from tests.gateways_helpers import create, gateways_path

PLUGIN = "tests.test_gateways_plugins.EchoVendor"


class EchoVendor(Vendor):
    """Sends nothing; answers with the text reversed as its provider id."""

    name = "echo"
    channels = ["sms", "jabber"]
    features = ["outgoing"]
    config_schema = {
        "type": "object",
        "required": ["api_key"],
        "properties": {"api_key": {"type": "string", "x-secret": True}},
    }
    error_descriptions = {"17": "Number blocked"}
    error_link = "https://echo.example/errors/{code}"

    def send(self, message, config):
        return message.text[::-1], "delivered"


@pytest.fixture
def plugin(settings):
    settings.CHANNELS_VENDORS = [PLUGIN]


def echo(**extra):
    settings = {"vendor": "echo", "config": {"api_key": "k-123"}}
    return {"name": "Echo", "kind": "vendor", "settings": settings, **extra}


def test_a_listed_vendor_appears_in_gateway_kinds(world, plugin):
    kinds = world.api("R_admin").get("/v2/gateway_kinds").json()["data"]
    vendor = next(k for k in kinds if k["name"] == "vendor")
    assert "echo" in [v["name"] for v in vendor["vendors"]]


def test_an_unlisted_vendor_is_unknown(world):
    response = world.api("R_admin").put(gateways_path(world.id("R")), {"data": echo()})
    assert "enum" in response.json()["data"]["settings.vendor"]


def test_its_x_secret_fields_are_encrypted(world, plugin):
    data = create(world.api("R_admin"), world.id("R"), echo())
    assert data["settings"]["config"]["api_key"] == "<Encrypted>"
    assert "api_key" not in Gateway.objects.get(pk=data["id"]).settings["config"]


def test_its_first_channel_is_the_default_channel(world, plugin):
    assert create(world.api("R_admin"), world.id("R"), echo())["channel"] == "sms"


def test_a_channel_it_does_not_serve_is_rejected(world, plugin):
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": echo(channel="email")}
    )
    assert "enum" in response.json()["data"]["channel"]


def test_its_config_schema_is_enforced(world, plugin):
    document = {"name": "Echo", "kind": "vendor", "settings": {"vendor": "echo", "config": {}}}
    response = world.api("R_admin").put(gateways_path(world.id("R")), {"data": document})
    assert "required" in response.json()["data"]["settings.config.api_key"]


def test_it_sends_through_the_gateway_transport(world, plugin):
    gateway = create(world.api("R_admin"), world.id("R"), echo())
    delivery = SimpleNamespace(gateway_id=gateway["id"], channel="sms", body={"text/x-sms": "abc"})
    result = GatewayTransport().send(delivery)
    assert (result.provider_message_id, result.status) == ("cba", "delivered")


def test_error_description_links_to_the_vendor_docs():
    assert EchoVendor.error_description(17) == {
        "code": "17",
        "description": "Number blocked",
        "link": "https://echo.example/errors/17",
    }


def test_check_on_a_vendor_without_the_feature_is_400(world, plugin):
    gateway = create(world.api("R_admin"), world.id("R"), echo())
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/check_connection"
    response = world.api("R_admin").post(path)
    assert response.status_code == 400  # "check_connection" is not among its features
    assert "not_supported" in response.json()["data"]["action"]


# --- gateways.http directly -----------------------------------------------------------------


def test_a_read_timeout_is_transient_but_not_unreachable():
    with FakeProvider() as provider:
        provider.script("/slow", {"status": 200, "delay": 1.5})
        with pytest.raises(DeliveryError) as failure:
            http.request("POST", provider.url("/slow"), http.Options(timeout=0.3), json_body={})
    assert not failure.value.permanent and not failure.value.unreachable


def test_retry_after_as_an_http_date_is_seconds_from_now():
    assert http.retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert http.retry_after({"retry-after": "120"}) == 120.0
    assert http.retry_after({"Retry-After": "99999"}) == 3600.0
    assert http.retry_after({"Retry-After": "soon"}) is None


def test_basic_auth_is_sent_when_asked():
    with FakeProvider() as provider:
        http.request("GET", provider.url("/x"), http.Options(), basic=("user", "pass"))
        assert provider.requests[0]["headers"]["authorization"] == "Basic dXNlcjpwYXNz"
