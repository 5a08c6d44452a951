"""Gateway CRUD over /v2/gateways and /v2/accounts/{A}/gateways (SPEC-channels §2–§3)."""

import pytest

from tests.gateways_helpers import FAKE_SMS, create, errors, gateways_path

# --- create / read / update / delete --------------------------------------------------------


def test_put_creates_a_gateway_with_defaults(world):
    api = world.api("R_admin")
    data = create(api, world.id("R"), FAKE_SMS)
    assert len(data["id"]) == 32
    assert data["account_id"] == world.id("R")
    assert data["channel"] == data["contact_type"] == "sms"
    assert data["enabled"] is True and data["paused"] is False and data["inherit"] is True
    assert data["retry_on"] == [408, 425, 429, 500, 502, 503, 504]
    assert data["timeout"] == 10
    assert data["features"] == [
        "outgoing",
        "ingoing",
        "delivery_reports",
        "check_connection",
        "send_file",
    ]
    assert data["fully_configured"] is True
    assert data["webhook_url"].endswith(f"/v2/webhooks/{data['id']}/" + data["webhook_url"][-32:])


def test_smtp_gateway_defaults_to_the_email_channel(world):
    data = create(
        world.api("R_admin"),
        world.id("R"),
        {"name": "Relay", "kind": "smtp", "settings": {"host": "mail.example.net"}},
    )
    assert data["channel"] == "email"
    assert data["features"] == ["outgoing", "check_connection"]


def test_webhook_url_is_absolute_with_public_base_url(world, settings):
    settings.PUBLIC_BASE_URL = "https://notify.example.net"
    data = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    assert data["webhook_url"].startswith("https://notify.example.net/v2/webhooks/")


def test_get_returns_the_full_document_to_the_owner(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), {**FAKE_SMS, "from": "+15550001111"})
    response = api.get(f"{gateways_path(world.id('R'))}/{gateway['id']}")
    assert response.status_code == 200
    assert response.json()["data"]["from"] == "+15550001111"
    assert response.json()["data"]["settings"] == {"vendor": "fake"}


def test_post_updates_only_the_given_fields(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}"
    response = api.post(path, {"data": {"name": "Renamed", "paused": True}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["paused"], data["channel"]) == ("Renamed", True, "sms")
    assert data["modified_at"] >= gateway["modified_at"]


def test_delete_hides_the_gateway(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}"
    assert api.delete(path).status_code == 200
    assert api.get(path).status_code == 404
    assert api.get(gateways_path(world.id("R"))).json()["data"] == []


def test_unknown_gateway_is_404(world):
    response = world.api("R_admin").get(f"{gateways_path(world.id('R'))}/{'0' * 32}")
    assert response.status_code == 404


def test_malformed_gateway_id_is_404(world):
    response = world.api("R_admin").get(f"{gateways_path(world.id('R'))}/nothex")
    assert response.status_code == 404


def test_default_true_clears_the_flag_on_other_gateways_of_the_channel(world):
    api = world.api("R_admin")
    first = create(api, world.id("R"), {**FAKE_SMS, "default": True})
    email = create(api, world.id("R"), {**FAKE_SMS, "channel": "email", "default": True})
    create(api, world.id("R"), {**FAKE_SMS, "name": "Second", "default": True})
    path = gateways_path(world.id("R"))
    assert api.get(f"{path}/{first['id']}").json()["data"]["default"] is False
    assert api.get(f"{path}/{email['id']}").json()["data"]["default"] is True


# --- lists ----------------------------------------------------------------------------------


def test_list_has_own_gateways_then_inherited_ones_by_channel_then_name(world):
    r = world.api("R_admin")
    create(r, world.id("R"), {**FAKE_SMS, "name": "R sms"})
    create(r, world.id("R"), {**FAKE_SMS, "name": "R hidden", "inherit": False})
    c1 = world.api("C1_admin")
    create(c1, world.id("C1"), {**FAKE_SMS, "name": "b sms"})
    create(c1, world.id("C1"), {**FAKE_SMS, "name": "a sms"})
    create(c1, world.id("C1"), {**FAKE_SMS, "name": "z email", "channel": "email"})
    entries = c1.get(gateways_path(world.id("C1"))).json()["data"]
    assert [(e["name"], e.get("inherited", False)) for e in entries] == [
        ("z email", False),
        ("a sms", False),
        ("b sms", False),
        ("R sms", True),
    ]


def test_list_filters_by_channel(world):
    api = world.api("R_admin")
    create(api, world.id("R"), FAKE_SMS)
    create(api, world.id("R"), {**FAKE_SMS, "name": "Mail", "channel": "email"})
    response = api.get(gateways_path(world.id("R")) + "?channel=email")
    assert [e["name"] for e in response.json()["data"]] == ["Mail"]


def test_descendant_sees_an_ancestors_gateway_in_the_reduced_view_only(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    response = world.api("G_admin").get(f"{gateways_path(world.id('G'))}/{gateway['id']}")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "id": gateway["id"],
        "name": "Fake SMS",
        "kind": "vendor",
        "channel": "sms",
        "features": gateway["features"],
        "account_id": world.id("R"),
        "default": False,
        "inherited": True,
    }


def test_descendant_does_not_see_a_gateway_with_inherit_false(world):
    gateway = create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "inherit": False})
    response = world.api("C1_admin").get(f"{gateways_path(world.id('C1'))}/{gateway['id']}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", ""), ("delete", ""), ("post", "/rotate_webhook"), ("post", "/check_connection")],
)
def test_descendant_cannot_write_an_inherited_gateway(world, method, suffix):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('C1'))}/{gateway['id']}{suffix}"
    response = getattr(world.api("C1_admin"), method)(path, {"data": {"name": "Mine"}})
    assert response.status_code == 403


def test_descendant_cannot_read_inherited_gateway_events(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('C1'))}/{gateway['id']}/events"
    assert world.api("C1_admin").get(path).status_code == 403


def test_ancestor_admin_manages_a_customers_gateways_in_full(world):
    gateway = create(world.api("C1_admin"), world.id("C1"), FAKE_SMS)
    path = f"{gateways_path(world.id('C1'))}/{gateway['id']}"
    assert "settings" in world.api("R_admin").get(path).json()["data"]
    assert world.api("R_admin").post(path, {"data": {"name": "By R"}}).status_code == 200


# --- other tenants --------------------------------------------------------------------------


def test_sibling_reseller_cannot_list_another_resellers_gateways(world):
    create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    assert world.api("R2_admin").get(gateways_path(world.id("R"))).status_code == 403


def test_sibling_reseller_cannot_see_another_resellers_gateway_through_its_own_path(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    api = world.api("R2_admin")
    assert api.get(f"{gateways_path(world.id('R2'))}/{gateway['id']}").status_code == 404
    assert all(
        e["id"] != gateway["id"] for e in api.get(gateways_path(world.id("D"))).json()["data"]
    )


def test_sibling_reseller_cannot_check_another_resellers_gateway(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('R2'))}/{gateway['id']}/check_connection"
    assert world.api("R2_admin").post(path).status_code == 404


def test_sibling_customer_cannot_see_a_customers_gateway(world):
    gateway = create(world.api("C1_admin"), world.id("C1"), FAKE_SMS)
    api = world.api("C2_admin")
    assert api.get(f"{gateways_path(world.id('C2'))}/{gateway['id']}").status_code == 404
    assert api.get(f"{gateways_path(world.id('C1'))}/{gateway['id']}").status_code == 403


def test_priv_level_user_can_read_but_not_write(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    api = world.api("R_user")
    path = gateways_path(world.id("R"))
    assert api.get(f"{path}/{gateway['id']}").status_code == 200
    assert api.put(path, {"data": FAKE_SMS}).status_code == 403
    assert api.post(f"{path}/{gateway['id']}", {"data": {"name": "x"}}).status_code == 403
    assert api.delete(f"{path}/{gateway['id']}").status_code == 403
    assert api.post(f"{path}/{gateway['id']}/rotate_webhook").status_code == 403


def test_api_key_token_can_write(world):
    create(world.api("R_key"), world.id("R"), FAKE_SMS)


def test_anonymous_gets_401(world, anon):
    assert anon.get(gateways_path(world.id("R"))).status_code == 401
    assert anon.get("/v2/gateway_kinds").status_code == 401


# --- system gateways ------------------------------------------------------------------------


def test_superduper_creates_a_system_gateway(world):
    data = create(world.api("master_admin"), None, FAKE_SMS)
    assert data["account_id"] is None


def test_only_superduper_writes_system_gateways(world):
    assert world.api("R_admin").put("/v2/gateways", {"data": FAKE_SMS}).status_code == 403


def test_master_priv_level_user_token_cannot_write_system_gateways(world):
    from accounts.models import AuthToken
    from tests.conftest import Api, make_user

    user = make_user(world.accounts["master"], "mreader", "user")
    token = AuthToken.issue(user.account, user, AuthToken.CREDENTIALS)[1]
    assert Api(token).put("/v2/gateways", {"data": FAKE_SMS}).status_code == 403


def test_others_see_system_gateways_in_the_reduced_view(world):
    gateway = create(world.api("master_key"), None, FAKE_SMS)
    entries = world.api("D_admin").get("/v2/gateways").json()["data"]
    assert entries == [
        {
            "id": gateway["id"],
            "name": "Fake SMS",
            "kind": "vendor",
            "channel": "sms",
            "features": gateway["features"],
            "account_id": None,
            "default": False,
            "inherited": True,
        }
    ]


def test_system_gateway_is_inherited_by_accounts(world):
    gateway = create(world.api("master_key"), None, FAKE_SMS)
    entries = world.api("D_admin").get(gateways_path(world.id("D"))).json()["data"]
    assert [(e["id"], e["inherited"]) for e in entries] == [(gateway["id"], True)]


def test_system_gateway_writes_from_an_account_path_are_403(world):
    gateway = create(world.api("master_key"), None, FAKE_SMS)
    path = f"{gateways_path(world.id('D'))}/{gateway['id']}"
    assert world.api("D_admin").delete(path).status_code == 403


def test_account_gateway_is_not_on_the_system_path(world):
    gateway = create(world.api("R_admin"), world.id("R"), FAKE_SMS)
    assert world.api("master_admin").get(f"/v2/gateways/{gateway['id']}").status_code == 404


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "path", "rule"),
    [
        ({"kind": "vendor", "settings": {"vendor": "fake"}}, "name", "required"),
        ({"name": "x"}, "kind", "required"),
        ({**FAKE_SMS, "name": ""}, "name", "minLength"),
        ({**FAKE_SMS, "name": "n" * 129}, "name", "maxLength"),
        ({**FAKE_SMS, "kind": "carrier_pigeon"}, "kind", "enum"),
        ({**FAKE_SMS, "channel": "SMS"}, "channel", "wrong_format"),
        ({**FAKE_SMS, "channel": "a" * 33}, "channel", "wrong_format"),
        ({**FAKE_SMS, "timeout": 0}, "timeout", "minimum"),
        ({**FAKE_SMS, "timeout": 61}, "timeout", "maximum"),
        ({**FAKE_SMS, "retry_on": [399]}, "retry_on.0", "minimum"),
        ({**FAKE_SMS, "retry_on": [500, 600]}, "retry_on.1", "maximum"),
        ({**FAKE_SMS, "enabled": "yes"}, "enabled", "type"),
        ({**FAKE_SMS, "settings": {"vendor": "nope"}}, "settings.vendor", "enum"),
        ({**FAKE_SMS, "settings": {}}, "settings.vendor", "required"),
        (
            {"name": "h", "kind": "vendor", "settings": {"vendor": "webhook", "config": {}}},
            "settings.config.url",
            "required",
        ),
        (
            {
                "name": "h",
                "kind": "vendor",
                "settings": {"vendor": "webhook", "config": {"url": "ftp://example.net/x"}},
            },
            "settings.config.url",
            "wrong_format",
        ),
        ({"name": "m", "kind": "smtp", "settings": {}}, "settings.host", "required"),
        (
            {"name": "m", "kind": "smtp", "settings": {"host": "h", "port": 70000}},
            "settings.port",
            "maximum",
        ),
        ({**FAKE_SMS, "webhook_auth": {"type": "Basic"}}, "webhook_auth.type", "enum"),
        (
            {"name": "m", "kind": "smtp", "channel": "sms", "settings": {"host": "h"}},
            "channel",
            "enum",
        ),
    ],
)
def test_invalid_document_is_rejected_with_path_and_rule(world, document, path, rule):
    response = world.api("R_admin").put(gateways_path(world.id("R")), {"data": document})
    assert rule in errors(response)[path], response.json()["data"]


def test_kind_cannot_change(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), FAKE_SMS)
    response = api.post(
        f"{gateways_path(world.id('R'))}/{gateway['id']}",
        {"data": {"kind": "smtp", "settings": {"host": "h"}}},
    )
    assert "immutable" in errors(response)["kind"]


def test_private_network_url_is_refused_when_blocking(world, settings):
    settings.CHANNELS_BLOCK_PRIVATE_NETWORKS = True
    document = {
        "name": "h",
        "kind": "vendor",
        "settings": {"vendor": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}},
    }
    response = world.api("R_admin").put(gateways_path(world.id("R")), {"data": document})
    assert "wrong_format" in errors(response)["settings.config.url"]


def test_private_network_url_is_allowed_by_default(world):
    document = {
        "name": "h",
        "kind": "vendor",
        "settings": {"vendor": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}},
    }
    create(world.api("R_admin"), world.id("R"), document)


# --- kinds, rotate, events ------------------------------------------------------------------


def test_gateway_kinds_lists_kinds_with_schemas_and_vendors(world):
    response = world.api("C1_user").get("/v2/gateway_kinds")
    kinds = {k["name"]: k for k in response.json()["data"]}
    assert {"smtp", "vendor", "http_json", "freeside"} <= set(kinds)
    assert kinds["smtp"]["settings_schema"]["properties"]["password"]["x-secret"] is True
    vendors = {v["name"]: v for v in kinds["vendor"]["vendors"]}
    assert set(vendors) == {"fake", "webhook", "twilio"}
    assert vendors["webhook"]["config_schema"]["properties"]["token"]["x-secret"] is True
    assert vendors["fake"]["features"] == kinds["vendor"]["features"]


def test_rotate_webhook_changes_the_webhook_url(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), FAKE_SMS)
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/rotate_webhook"
    response = api.post(path)
    assert response.status_code == 200
    assert response.json()["data"]["webhook_url"] != gateway["webhook_url"]


def test_events_list_the_last_100_inbound_requests_newest_first(world):
    from gateways import services
    from gateways.models import Gateway

    api = world.api("R_admin")
    gateway = create(api, world.id("R"), FAKE_SMS)
    row = Gateway.objects.get(pk=gateway["id"])
    for n in range(105):
        services.record_event(row, "status", "pending" if n < 104 else "unmatched")
    response = api.get(f"{gateways_path(world.id('R'))}/{gateway['id']}/events")
    entries = response.json()["data"]
    assert len(entries) == 100
    assert entries[0]["result"] == "unmatched"
    assert set(entries[0]) == {"at", "model", "result", "delivery_id"}
