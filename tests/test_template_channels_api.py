"""Template fields for channels: channels, priority, gateways, opt_out_allowed, to.contacts."""

from io import StringIO

import pytest
from django.core.management import call_command

from notifications.channels import known_channels
from notifications.models import NotificationTemplate
from notifications.system_templates import sync_system_templates
from tests.gateways_helpers import create

pytestmark = pytest.mark.django_db

VM = "voicemail_to_email"
GATEWAY = "0123456789abcdef0123456789abcdef"


def notif(world, account, template_id=""):
    base = f"/v2/accounts/{world.id(account)}/notifications"
    return f"{base}/{template_id}" if template_id else base


def template(**extra):
    return {
        "data": {
            "id": VM,
            "from": "reseller@example.com",
            "subject": "Hello",
            "to": {"type": "original"},
            **extra,
        }
    }


def put(world, principal="R_admin", account="R", **extra):
    return world.api(principal).put(notif(world, account), template(**extra))


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["data"]


# --- defaults --------------------------------------------------------------------------------


def test_get_shows_the_defaults_of_the_new_fields(world):
    data = world.api("C1_admin").get(notif(world, "C1", VM)).json()["data"]
    assert data["channels"] == ["email"]
    assert data["priority"] == 5
    assert data["opt_out_allowed"] is True


def test_list_entries_carry_channels_and_priority(world):
    put(world, channels=["sms", "email"], priority=8)
    entries = {e["id"]: e for e in world.api("R_admin").get(notif(world, "R")).json()["data"]}
    assert entries[VM]["channels"] == ["sms", "email"]
    assert entries[VM]["priority"] == 8
    assert entries["new_user"]["channels"] == ["email"]


def test_put_stores_and_answers_the_new_fields(world):
    response = put(
        world,
        channels=["email", "sms", "internal"],
        priority=9,
        gateways={"sms": GATEWAY},
        opt_out_allowed=False,
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["channels"] == ["email", "sms", "internal"]
    assert data["priority"] == 9
    assert data["gateways"] == {"sms": GATEWAY}
    assert data["opt_out_allowed"] is False


def test_post_replaces_the_new_fields(world):
    put(world, channels=["sms"], priority=1)
    body = template(channels=["internal"])
    data = world.api("R_admin").post(notif(world, "R", VM), body).json()["data"]
    assert data["channels"] == ["internal"]
    assert data["priority"] == 5  # not sent: back to the default


def test_descendants_inherit_the_new_fields(world):
    put(world, channels=["sms"], priority=2, opt_out_allowed=False)
    data = world.api("G_admin").get(notif(world, "G", VM)).json()["data"]
    assert (data["channels"], data["priority"], data["opt_out_allowed"]) == (["sms"], 2, False)


def test_another_resellers_fields_are_not_inherited(world):
    put(world, channels=["sms"])
    data = world.api("D_admin").get(notif(world, "D", VM)).json()["data"]
    assert data["channels"] == ["email"]


# --- channels --------------------------------------------------------------------------------


def test_unknown_channel_is_enum_at_its_index(world):
    data = errors(put(world, channels=["email", "pager", "sms", "fax"]))
    assert set(data) == {"channels.1", "channels.3"}
    assert data["channels.1"]["enum"]["value"] == "pager"
    assert data["channels.1"]["enum"]["target"] == ["email", "internal", "sms"]


def test_empty_channels_list_is_min_items(world):
    assert "minItems" in errors(put(world, channels=[]))["channels"]


def test_channels_must_be_a_list(world):
    assert errors(put(world, channels="sms"))["channels"]["type"]["target"] == "array"


def test_channel_names_must_be_strings(world):
    assert "type" in errors(put(world, channels=[7]))["channels.0"]


def test_system_templates_validate_channels_too(world):
    body = template(channels=["pager"])
    data = errors(world.api("master_admin").post(f"/v2/notifications/{VM}", body))
    assert "enum" in data["channels.0"]


def jabber_gateway(world, owner="R", **extra):
    document = {"name": "Jabber", "kind": "vendor", "channel": "jabber"}
    document |= {"settings": {"vendor": "fake"}, **extra}
    return create(world.api("master_admin"), world.id(owner), document)


def test_a_visible_gateways_channel_is_a_known_channel(world):
    jabber_gateway(world)
    assert put(world, channels=["jabber"]).status_code == 201


def test_a_customer_may_use_the_channel_of_an_inherited_gateway(world):
    jabber_gateway(world)
    assert put(world, principal="C1_admin", account="C1", channels=["jabber"]).status_code == 201


def test_another_trees_gateway_channel_is_unknown(world):
    jabber_gateway(world, owner="R2")
    assert "enum" in errors(put(world, channels=["jabber"]))["channels.0"]


def test_a_non_inheritable_ancestor_gateway_channel_is_unknown_below(world):
    jabber_gateway(world, inherit=False)
    response = put(world, principal="C1_admin", account="C1", channels=["jabber"])
    assert "enum" in errors(response)["channels.0"]


def test_system_templates_know_only_the_systems_own_gateway_channels(world):
    jabber_gateway(world)
    assert known_channels(None) == {"email", "sms", "internal"}


def test_without_gateways_the_known_channels_are_the_built_ins(world):
    assert known_channels(world.accounts["R"]) == {"email", "sms", "internal"}


# --- priority --------------------------------------------------------------------------------


def test_priority_above_nine_is_maximum(world):
    assert errors(put(world, priority=10))["priority"]["maximum"]["target"] == 9


def test_priority_below_zero_is_minimum(world):
    assert errors(put(world, priority=-1))["priority"]["minimum"]["target"] == 0


def test_priority_must_be_an_integer(world):
    assert "type" in errors(put(world, priority=2.5))["priority"]
    assert "type" in errors(put(world, priority=True))["priority"]


# --- gateways --------------------------------------------------------------------------------


def test_gateway_pin_must_be_a_32_hex_id(world):
    data = errors(put(world, gateways={"sms": "not-an-id"}))
    assert "pattern" in data["gateways.sms"]


def test_gateway_pin_channel_name_is_wrong_format(world):
    data = errors(put(world, gateways={"Bad Name": GATEWAY}))
    assert data["gateways.Bad Name"]["wrong_format"]["value"] == "Bad Name"


def test_gateways_must_be_an_object(world):
    assert "type" in errors(put(world, gateways=[GATEWAY]))["gateways"]


# --- opt_out_allowed -------------------------------------------------------------------------


def test_opt_out_allowed_must_be_boolean(world):
    assert "type" in errors(put(world, opt_out_allowed="no"))["opt_out_allowed"]


def test_shipped_password_recovery_does_not_allow_opting_out(world):
    data = world.api("C1_admin").get(notif(world, "C1", "password_recovery")).json()["data"]
    assert data["opt_out_allowed"] is False


def test_migrate_keeps_an_api_edited_password_recovery(world):
    body = template(id="password_recovery", opt_out_allowed=True)
    world.api("master_admin").post("/v2/notifications/password_recovery", body)
    sync_system_templates()
    row = NotificationTemplate.objects.get(account__isnull=True, template_id="password_recovery")
    assert row.document["opt_out_allowed"] is True


def test_migrate_refreshes_an_untouched_password_recovery_from_the_catalogue(world):
    row = NotificationTemplate.objects.get(account__isnull=True, template_id="password_recovery")
    row.document = {k: v for k, v in row.document.items() if k != "opt_out_allowed"}
    row.save()
    sync_system_templates()
    row.refresh_from_db()
    assert row.document["opt_out_allowed"] is False


def test_restore_system_templates_restores_password_recovery_opt_out(world):
    body = template(id="password_recovery", opt_out_allowed=True)
    world.api("master_admin").post("/v2/notifications/password_recovery", body)
    call_command("restore_system_templates", "password_recovery", stdout=StringIO())
    data = world.api("C1_admin").get(notif(world, "C1", "password_recovery")).json()["data"]
    assert data["opt_out_allowed"] is False


# --- to.contacts -----------------------------------------------------------------------------


def test_to_contacts_are_stored_for_specified_recipients(world):
    to = {"type": "specified", "contacts": {"sms": ["+14155552671"], "jabber": ["ops@xmpp.io"]}}
    response = put(world, to=to)
    assert response.status_code == 201
    assert response.json()["data"]["to"]["contacts"] == to["contacts"]


def test_to_contacts_sms_must_be_e164(world):
    to = {"type": "specified", "contacts": {"sms": ["+14155552671", "0155 5555"]}}
    data = errors(put(world, to=to))
    assert set(data) == {"to.contacts.sms.1"}
    assert data["to.contacts.sms.1"]["wrong_format"]["value"] == "0155 5555"


def test_to_contacts_sms_must_be_a_real_number(world):
    data = errors(put(world, to={"type": "specified", "contacts": {"sms": ["+15550001111"]}}))
    assert "wrong_format" in data["to.contacts.sms.0"]


def test_to_contacts_channel_name_is_wrong_format(world):
    data = errors(put(world, to={"type": "specified", "contacts": {"SMS": ["+14155552671"]}}))
    assert "wrong_format" in data["to.contacts.SMS"]


def test_to_contacts_email_is_forbidden(world):
    data = errors(put(world, to={"type": "specified", "contacts": {"email": ["a@b.co"]}}))
    assert "forbidden" in data["to.contacts.email"]


def test_to_contacts_values_must_be_lists_of_strings(world):
    data = errors(put(world, to={"type": "specified", "contacts": {"sms": "+14155552671"}}))
    assert "type" in data["to.contacts.sms"]


def test_to_contacts_custom_channel_address_over_254_is_wrong_format(world):
    data = errors(put(world, to={"type": "specified", "contacts": {"jabber": ["x" * 255]}}))
    assert "wrong_format" in data["to.contacts.jabber.0"]
