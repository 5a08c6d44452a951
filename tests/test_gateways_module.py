"""Kind ``module``: BILLmanager gateway modules as gateways (SPEC-channels §13.1).

The modules are real executables (tests/modules/gate/gwtest speaks the protocol like the
seed's ePochta module; gwbad misbehaves on demand), run through the HTTP API and
``GatewayTransport``.
"""

import json
import os
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from deliveries.transports import DeliveryError
from gateways import modules
from gateways.models import GatewayEvent
from gateways.polling import poll_module_gateways
from gateways.transport import GatewayTransport
from tests.gateways_helpers import create, errors, gateways_path

MODULE_DIR = django_settings.BASE_DIR / "tests" / "modules"


@pytest.fixture(autouse=True)
def module_dir(settings):
    settings.CHANNELS_MODULE_DIR = MODULE_DIR
    modules.clear_features_cache()
    return MODULE_DIR


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox.jsonl"


def gwtest(outbox=None, **params) -> dict:
    values = {"login": "demo", "password": "secret", **params}
    if outbox is not None:
        values["outbox"] = str(outbox)
    return {
        "name": "Test SMS",
        "kind": "module",
        "settings": {"module": "gwtest", "params": values},
    }


def gwbad(mode: str, **extra) -> dict:
    return {
        "name": "Bad",
        "kind": "module",
        "settings": {"module": "gwbad", "params": {"mode": mode}},
        **extra,
    }


def row(gateway, text="hello", **extra):
    fields = {
        "id": "d" * 32,
        "gateway_id": gateway["id"],
        "account_id": gateway["account_id"],
        "channel": gateway["channel"],
        "to": "+15550002222",
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


def failure(gateway, text="hello", **extra) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(gateway, text, **extra)
    return caught.value


def path(world, account, gateway=None, suffix=""):
    base = gateways_path(world.id(account) if account else None)
    return f"{base}/{gateway['id']}{suffix}" if gateway else base + suffix


@pytest.fixture
def gateway(world, outbox):
    return create(world.api("C1_admin"), world.id("C1"), gwtest(outbox))


# --- the kind and its modules ---------------------------------------------------------------


def test_without_a_module_dir_the_kind_is_not_offered(world, settings):
    settings.CHANNELS_MODULE_DIR = ""
    kinds = world.api("C1_admin").get("/v2/gateway_kinds").json()["data"]
    assert "module" not in [kind["name"] for kind in kinds]


def test_without_a_module_dir_a_module_gateway_is_refused(world, settings):
    settings.CHANNELS_MODULE_DIR = ""
    response = world.api("C1_admin").put(path(world, "C1"), {"data": gwtest()})
    assert list(errors(response)) == ["kind"]
    assert "enum" in errors(response)["kind"]


def test_gateway_kinds_lists_installed_modules_with_their_forms(world):
    kinds = world.api("C1_admin").get("/v2/gateway_kinds").json()["data"]
    module_kind = next(kind for kind in kinds if kind["name"] == "module")
    listed = {entry["name"]: entry for entry in module_kind["modules"]}
    assert sorted(listed) == ["gwbad", "gwtest"]
    login = listed["gwtest"]["form"][0]
    assert (login["name"], login["label"], login["hint"], login["required"]) == (
        "login",
        "Login",
        "Login to the test provider",
        True,
    )
    assert listed["gwtest"]["secret_params"] == ["password"]
    assert (listed["gwtest"]["channel"], listed["gwbad"]["channel"]) == ("sms", "jabber")


# --- the gateway document -------------------------------------------------------------------


def test_a_module_gateway_takes_channel_and_features_from_the_module(gateway):
    assert gateway["channel"] == "sms"
    assert gateway["features"] == ["formtune", "check_connection", "outgoing", "ingoing"]
    assert gateway["fully_configured"] is True


def test_the_password_field_is_a_secret_shown_as_encrypted(world, gateway):
    assert gateway["settings"]["params"]["password"] == "<Encrypted>"
    read = world.api("C1_admin").get(path(world, "C1", gateway)).json()["data"]
    assert read["settings"]["params"] == {**gateway["settings"]["params"], "login": "demo"}
    listed = world.api("C1_admin").get(path(world, "C1")).json()["data"]
    assert "secret" not in json.dumps(listed)


def test_writing_encrypted_back_keeps_the_password(world, gateway):
    api = world.api("C1_admin")
    update = {"settings": gateway["settings"]}
    assert api.post(path(world, "C1", gateway), {"data": update}).status_code == 200
    answer = api.post(path(world, "C1", gateway, "/check_connection")).json()["data"]
    assert answer == {"ok": True}


def test_a_required_form_field_is_required(world):
    document = gwtest()
    del document["settings"]["params"]["login"]
    response = world.api("C1_admin").put(path(world, "C1"), {"data": document})
    assert errors(response) == {
        "settings.params.login": {
            "required": {"message": "Field is required but missing", "value": "login"}
        }
    }


def test_a_field_outside_the_form_is_refused(world):
    response = world.api("C1_admin").put(path(world, "C1"), {"data": gwtest(color="red")})
    assert list(errors(response)) == ["settings.params"]


def test_a_select_field_takes_only_its_choices(world):
    response = world.api("C1_admin").put(path(world, "C1"), {"data": gwtest(route="fast")})
    assert "enum" in errors(response)["settings.params.route"]


def test_a_channel_other_than_the_modules_is_refused(world):
    document = {**gwtest(), "channel": "email"}
    response = world.api("C1_admin").put(path(world, "C1"), {"data": document})
    assert errors(response)["channel"]["enum"]["target"] == ["sms"]


@pytest.mark.parametrize("name", ["nosuch", "../gate/gwtest", "/usr/bin/env", "gate/gwtest", ".."])
def test_a_module_not_installed_in_the_dir_is_refused(world, name):
    document = {"name": "X", "kind": "module", "settings": {"module": name, "params": {}}}
    response = world.api("C1_admin").put(path(world, "C1"), {"data": document})
    assert list(errors(response)) == ["settings.module"]
    assert "enum" in errors(response)["settings.module"]


def test_a_symlink_escaping_the_module_dir_is_refused(world, settings, tmp_path):
    (tmp_path / "gate").mkdir()
    (tmp_path / "gate" / "escape").symlink_to("/bin/true")
    os.symlink(MODULE_DIR / "gate" / "gwtest", tmp_path / "gate" / "outside")
    settings.CHANNELS_MODULE_DIR = tmp_path
    for name in ("escape", "outside"):
        document = {"name": "X", "kind": "module", "settings": {"module": name}}
        response = world.api("C1_admin").put(path(world, "C1"), {"data": document})
        assert "enum" in errors(response)["settings.module"]


# --- who may use it -------------------------------------------------------------------------


def test_an_account_admin_creates_one_for_its_account(world, outbox):
    created = create(world.api("C1_admin"), world.id("C1"), gwtest(outbox))
    assert created["account_id"] == world.id("C1")


def test_a_plain_user_cannot_create_one(world):
    response = world.api("C1_user").put(path(world, "C1"), {"data": gwtest()})
    assert response.status_code == 403


def test_only_superduper_creates_a_system_module_gateway(world):
    assert world.api("R_admin").put(path(world, None), {"data": gwtest()}).status_code == 403
    created = create(world.api("master_key"), None, gwtest())
    assert created["account_id"] is None


@pytest.mark.parametrize("outsider", ["C2_admin", "D_admin", "R2_admin"])
def test_another_tenant_can_neither_read_nor_check_nor_change_it(world, gateway, outsider):
    api = world.api(outsider)
    own = outsider.removesuffix("_admin")
    assert api.get(path(world, "C1", gateway)).status_code == 403
    assert api.get(path(world, own, gateway)).status_code == 404
    assert api.post(path(world, own, gateway, "/check_connection")).status_code == 404
    assert api.post(path(world, own, gateway), {"data": {"name": "Mine"}}).status_code == 404


# --- check_connection -----------------------------------------------------------------------


def test_check_connection_logs_in_with_the_form_values(world, gateway):
    answer = world.api("C1_admin").post(path(world, "C1", gateway, "/check_connection"))
    assert answer.json()["data"] == {"ok": True}


def test_check_connection_reports_the_modules_error(world):
    api = world.api("C1_admin")
    gateway = create(api, world.id("C1"), gwtest(password="wrong"))
    answer = api.post(path(world, "C1", gateway, "/check_connection")).json()["data"]
    assert answer == {"ok": False, "error": "auth: invalid login or password"}
    stored = api.get(path(world, "C1", gateway)).json()["data"]
    assert stored["last_error"]["error"] == "auth: invalid login or password"


def test_check_connection_of_an_unsaved_module_gateway(world):
    body = {"data": gwtest(password="wrong")}
    answer = world.api("C1_admin").post(path(world, "C1", suffix="/check_connection"), body)
    assert answer.json()["data"]["ok"] is False


# --- outgoing -------------------------------------------------------------------------------


def test_a_send_runs_outgoing_with_gateway_message_user_and_project(world, gateway, outbox):
    macros = {"user": {"id": "u" * 32, "first_name": "Ada", "last_name": "Lovelace"}}
    result = send(gateway, "Your code is 1234", subject="Code", macros=macros)
    assert result.status == "sent"
    record = json.loads(outbox.read_text())
    assert record["message"] == "Your code is 1234"
    assert record["params"]["password"] == "secret"
    assert record["user"] == {
        "phone": "+15550002222",
        "contact": "+15550002222",
        "name": "Ada Lovelace",
        "id": "u" * 32,
    }
    assert record["project"] == {"name": "C1", "id": world.id("C1"), "realm": "c1.example.net"}
    assert record["subject"] == "Code"


def test_an_error_answer_is_a_permanent_failure_with_its_type(gateway):
    error = failure(gateway, "FAILME please")
    assert (error.permanent, error.code, str(error)) == (
        True,
        "rejected",
        "message rejected by provider",
    )


@pytest.fixture
def bad(world):
    def make(mode: str, **extra) -> dict:
        return create(world.api("C1_admin"), world.id("C1"), gwbad(mode, **extra))

    return make


@pytest.mark.parametrize("mode", ["exit1", "segv"])
def test_a_crash_is_transient(bad, mode):
    error = failure(bad(mode), to="ada@jabber.example.net")
    assert error.permanent is False


def test_a_timeout_is_transient(bad):
    error = failure(bad("hang", timeout=1))
    assert error.permanent is False
    assert "timed out" in str(error) or "timeout" in str(error)


@pytest.mark.parametrize("mode", ["garbage", "laughs", "xxe", "dtd"])
def test_output_that_is_not_plain_xml_is_a_permanent_failure(bad, mode):
    error = failure(bad(mode))
    assert (error.permanent, str(error)) == (True, "module output not understood")


def test_a_module_removed_after_creation_fails_permanently(world, gateway, settings, tmp_path):
    settings.CHANNELS_MODULE_DIR = tmp_path
    error = failure(gateway)
    assert (error.permanent, str(error)) == (True, "gateway not fully configured")


# --- ingoing (polling) ----------------------------------------------------------------------


def events(world, gateway):
    return world.api("C1_admin").get(path(world, "C1", gateway, "/events")).json()["data"]


def polled_messages(gateway) -> dict[str, dict]:
    """The message events kept on the gateway, by text."""
    rows = GatewayEvent.objects.filter(gateway_id=gateway["id"], model="message")
    return {row.detail["text"]: row.detail for row in rows}


def test_a_poll_stores_each_incoming_message_as_an_event(world, gateway):
    report = poll_module_gateways()
    assert (report.gateways, report.messages, report.failures) == (1, 3, 0)
    models = [(event["model"], event["result"]) for event in events(world, gateway)]
    assert models.count(("message", "stored")) == 3
    assert ("poll", "started") in models


def test_polled_messages_are_stored_as_inbound_messages(world, gateway):
    poll_module_gateways()
    listed = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/inbound_messages")
    texts = sorted(message["text"] for message in listed.json()["data"])
    assert texts == ["Hello there", "STOP", "hello from nowhere"]


def test_a_polled_message_with_attributes_keeps_sender_recipient_and_id(gateway):
    poll_module_gateways()
    assert polled_messages(gateway)["STOP"] == {
        "type": "message",
        "id": "in-1",
        "from": "+15550001111",
        "to": "+15550002222",
        "text": "STOP",
        "media_url": None,
    }


def test_a_polled_bare_text_comes_from_an_unknown_sender(gateway):
    poll_module_gateways()
    assert polled_messages(gateway)["hello from nowhere"]["from"] is None


def test_a_polled_raw_mail_takes_its_sender_from_the_headers(gateway):
    poll_module_gateways()
    mail = polled_messages(gateway)["Hello there"]
    assert (mail["from"], mail["to"]) == ("alice@example.com", "support@example.com")


def test_a_gateway_polled_moments_ago_is_not_polled_again(gateway):
    poll_module_gateways()
    assert poll_module_gateways().gateways == 0


def test_disabled_gateways_are_not_polled(world, gateway):
    api = world.api("C1_admin")
    api.post(path(world, "C1", gateway), {"data": {"enabled": False}})
    assert poll_module_gateways().gateways == 0


def test_a_failing_poll_is_recorded_on_the_gateway(world, bad):
    gateway = bad("garbage")
    report = poll_module_gateways()
    assert report.failures == 1
    assert ("poll", "failed") in [(e["model"], e["result"]) for e in events(world, gateway)]


def test_nothing_is_polled_without_a_module_dir(gateway, settings):
    settings.CHANNELS_MODULE_DIR = ""
    assert poll_module_gateways().gateways == 0


def test_the_poll_modules_command_runs_one_round(gateway, capsys):
    call_command("poll_modules")
    assert "polled 1 gateway(s): 3 message(s), 0 failure(s)" in capsys.readouterr().out
