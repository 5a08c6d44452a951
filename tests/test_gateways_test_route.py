"""``POST …/gateways/{G}/test`` (SPEC-channels §3): one delivery through G → 202
``{"delivery_id"}``; who may test which gateway; the input rules with their exact paths."""

import pytest

from smtplog.models import SmtpLog, Status
from tests.gateways_helpers import FAKE_SMS, create, gateways_path

pytestmark = pytest.mark.django_db

PHONE = "+14155552671"


def route(account_id, gateway_id) -> str:
    return f"{gateways_path(account_id)}/{gateway_id}/test"


@pytest.fixture
def fake(world) -> dict:
    return create(world.api("R_admin"), world.id("R"), {**FAKE_SMS, "from": "+14155550100"})


def post_test(world, principal, account, gateway_id, data):
    return world.api(principal).post(route(world.id(account), gateway_id), {"data": data})


def field_errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["data"]


def test_owner_admin_tests_its_gateway_and_gets_the_delivery_id(world, fake):
    response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": "Testing"})
    assert response.status_code == 202, response.content
    row = SmtpLog.objects.get(pk=response.json()["data"]["delivery_id"])
    assert (row.template_id, row.channel, row.to, row.gateway_id) == (
        "gateway_test", "sms", PHONE, fake["id"],
    )  # fmt: skip
    assert row.account_id == world.id("R") and row.body == {"text/x-sms": "Testing"}


def test_test_delivery_is_sent_through_the_gateway_once_committed(
    world, fake, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": "hi"})
    row = SmtpLog.objects.get(pk=response.json()["data"]["delivery_id"])
    assert row.status == Status.DELIVERED and row.provider_message_id.startswith("fake-")


def test_test_delivery_shows_in_the_delivery_log(world, fake):
    response = post_test(world, "R_key", "R", fake["id"], {"to": PHONE, "text": "hi"})
    delivery_id = response.json()["data"]["delivery_id"]
    entry = world.api("R_admin").get(f"/v2/accounts/{world.id('R')}/deliveries/{delivery_id}")
    assert entry.json()["data"]["template_id"] == "gateway_test"


def test_the_address_is_normalized_for_the_channel(world):
    custom = create(
        world.api("R_admin"), world.id("R"), {**FAKE_SMS, "name": "XMPP", "channel": "jabber"}
    )
    response = post_test(
        world, "R_admin", "R", custom["id"], {"to": "bob@xmpp.example", "text": "x"}
    )
    row = SmtpLog.objects.get(pk=response.json()["data"]["delivery_id"])
    assert (row.channel, row.to, row.body) == ("jabber", "bob@xmpp.example", {"text/x-sms": "x"})


def test_descendant_testing_an_inherited_gateway_gets_403(world, fake):
    response = post_test(world, "C1_admin", "C1", fake["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 403
    assert not SmtpLog.objects.exists()


def test_sibling_reseller_testing_under_its_own_account_gets_404(world, fake):
    response = post_test(world, "R2_admin", "R2", fake["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 404


def test_sibling_reseller_testing_under_the_owners_account_gets_403(world, fake):
    response = post_test(world, "R2_admin", "R", fake["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 403


def test_priv_level_user_may_not_test(world, fake):
    response = post_test(world, "R_user", "R", fake["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 403


def test_unknown_gateway_is_404(world):
    response = post_test(world, "R_admin", "R", "c" * 32, {"to": PHONE, "text": "x"})
    assert response.status_code == 404


def test_deleted_gateway_is_404(world, fake):
    world.api("R_admin").delete(f"{gateways_path(world.id('R'))}/{fake['id']}")
    response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 404


def test_superduper_tests_a_system_gateway(world):
    system = create(world.api("master_key"), None, FAKE_SMS)
    response = world.api("master_admin").post(
        f"/v2/gateways/{system['id']}/test", {"data": {"to": PHONE, "text": "x"}}
    )
    assert response.status_code == 202, response.content
    row = SmtpLog.objects.get(pk=response.json()["data"]["delivery_id"])
    assert row.account_id == world.id("master") and row.gateway_account_id is None


def test_reseller_may_not_test_a_system_gateway(world):
    system = create(world.api("master_key"), None, FAKE_SMS)
    response = world.api("R_admin").post(
        f"/v2/gateways/{system['id']}/test", {"data": {"to": PHONE, "text": "x"}}
    )
    assert response.status_code == 403


def test_account_testing_an_inherited_system_gateway_gets_403(world):
    system = create(world.api("master_key"), None, FAKE_SMS)
    response = post_test(world, "R_admin", "R", system["id"], {"to": PHONE, "text": "x"})
    assert response.status_code == 403


def test_missing_to_is_required(world, fake):
    errors = field_errors(post_test(world, "R_admin", "R", fake["id"], {"text": "x"}))
    assert "required" in errors["to"]


def test_to_that_is_not_e164_on_sms_is_wrong_format(world, fake):
    response = post_test(world, "R_admin", "R", fake["id"], {"to": "555-0100", "text": "x"})
    assert "wrong_format" in field_errors(response)["to"]


def test_to_that_is_not_a_string_is_wrong_format(world, fake):
    response = post_test(world, "R_admin", "R", fake["id"], {"to": 14155552671, "text": "x"})
    assert "wrong_format" in field_errors(response)["to"]


def test_to_that_is_not_an_email_on_an_email_gateway_is_wrong_format(world):
    relay = create(
        world.api("R_admin"),
        world.id("R"),
        {"name": "Relay", "kind": "smtp", "settings": {"host": "127.0.0.1", "port": 2525}},
    )
    response = post_test(world, "R_admin", "R", relay["id"], {"to": "bob", "text": "x"})
    assert "wrong_format" in field_errors(response)["to"]


def test_missing_text_is_required(world, fake):
    errors = field_errors(post_test(world, "R_admin", "R", fake["id"], {"to": PHONE}))
    assert "required" in errors["text"]


def test_text_that_is_not_a_string_is_a_type_error(world, fake):
    response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": ["x"]})
    assert "type" in field_errors(response)["text"]


def test_empty_text_is_min_length(world, fake):
    response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": ""})
    assert "minLength" in field_errors(response)["text"]


def test_text_over_sms_max_length_is_max_length(world, fake, settings):
    settings.SMS_MAX_LENGTH = 10
    response = post_test(world, "R_admin", "R", fake["id"], {"to": PHONE, "text": "x" * 11})
    assert field_errors(response)["text"]["maxLength"]["target"] == 10


def test_both_bad_fields_are_reported_together(world, fake):
    errors = field_errors(post_test(world, "R_admin", "R", fake["id"], {}))
    assert set(errors) == {"to", "text"}
    assert not SmtpLog.objects.exists()
