"""Gateway secrets: encrypted at rest, obscured on read, kept/replaced/cleared on write,
rotatable, and nowhere to be found in the database file or the logs (SPEC-channels §2)."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from gateways.models import Gateway
from smtplog.sink import MailSink
from tests.gateways_helpers import create, gateways_path, smtp_gateway, webhook_gateway

SECRET = "s3cr3t-Planted-Value-9f1c"


def _hook(token=SECRET, **extra):
    return webhook_gateway("https://hooks.example.net/sms", token=token, **extra)


def _path(world, gateway):
    return f"{gateways_path(world.id('R'))}/{gateway['id']}"


def test_secret_reads_back_as_encrypted(world):
    data = create(world.api("R_admin"), world.id("R"), _hook())
    assert data["settings"]["config"] == {
        "url": "https://hooks.example.net/sms",
        "token": "<Encrypted>",
    }


def test_unset_secret_is_omitted(world):
    data = create(world.api("R_admin"), world.id("R"), _hook(token=None))
    assert "token" not in data["settings"]["config"]


def test_webhook_auth_token_reads_back_as_encrypted(world):
    document = _hook(webhook_auth={"type": "Bearer", "token": SECRET})
    data = create(world.api("R_admin"), world.id("R"), document)
    assert data["webhook_auth"] == {"type": "Bearer", "token": "<Encrypted>"}


def test_secret_is_stored_encrypted_not_in_settings(world):
    data = create(world.api("R_admin"), world.id("R"), _hook())
    row = Gateway.objects.get(pk=data["id"])
    assert "token" not in row.settings["config"]
    assert SECRET not in row.secrets
    assert row.resolved()["settings"]["config"]["token"] == SECRET


def _stored_token(gateway_id):
    return Gateway.objects.get(pk=gateway_id).resolved()["settings"]["config"].get("token")


@pytest.mark.parametrize("written", ["<Encrypted>", None])
def test_encrypted_placeholder_or_absent_key_keeps_the_secret(world, written):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), _hook())
    config = {"url": "https://hooks.example.net/v2"}
    if written is not None:
        config["token"] = written
    settings = {"vendor": "webhook", "config": config}
    assert api.post(_path(world, gateway), {"data": {"settings": settings}}).status_code == 200
    assert _stored_token(gateway["id"]) == SECRET


def test_a_new_string_replaces_the_secret(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), _hook())
    settings = {"vendor": "webhook", "config": {"url": "https://h.example.net", "token": "new"}}
    api.post(_path(world, gateway), {"data": {"settings": settings}})
    assert _stored_token(gateway["id"]) == "new"


def test_null_clears_the_secret(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), _hook())
    settings = {"vendor": "webhook", "config": {"url": "https://h.example.net", "token": None}}
    response = api.post(_path(world, gateway), {"data": {"settings": settings}})
    assert "token" not in response.json()["data"]["settings"]["config"]
    assert _stored_token(gateway["id"]) is None


def test_null_webhook_auth_clears_its_token(world):
    api = world.api("R_admin")
    gateway = create(api, world.id("R"), _hook(webhook_auth={"type": "Bearer", "token": SECRET}))
    response = api.post(_path(world, gateway), {"data": {"webhook_auth": None}})
    assert response.json()["data"]["webhook_auth"] is None
    assert Gateway.objects.get(pk=gateway["id"]).secret_values() == {
        ("settings", "config", "token"): SECRET
    }


def test_smtp_password_is_a_secret(world):
    data = create(world.api("R_admin"), world.id("R"), smtp_gateway("h", 25, password=SECRET))
    assert data["settings"]["password"] == "<Encrypted>"


def test_list_shows_secrets_obscured(world):
    api = world.api("R_admin")
    create(api, world.id("R"), _hook())
    assert SECRET not in api.get(gateways_path(world.id("R"))).content.decode()


# --- keys and rotation ----------------------------------------------------------------------


def test_without_configured_keys_a_key_is_derived_from_secret_key(world, settings):
    settings.CHANNELS_SECRET_KEYS = []
    gateway = create(world.api("R_admin"), world.id("R"), _hook())
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(Exception, match="no configured key"):
        _stored_token(gateway["id"])


def test_rotation_re_encrypts_under_the_new_first_key(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CHANNELS_SECRET_KEYS = [old]
    gateway = create(world.api("R_admin"), world.id("R"), _hook())
    settings.CHANNELS_SECRET_KEYS = [new, old]
    assert _stored_token(gateway["id"]) == SECRET  # old rows still decrypt
    call_command("rotate_channel_secrets", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.CHANNELS_SECRET_KEYS = [new]
    assert _stored_token(gateway["id"]) == SECRET


def test_new_writes_use_the_first_key(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CHANNELS_SECRET_KEYS = [new, old]
    gateway = create(world.api("R_admin"), world.id("R"), _hook())
    settings.CHANNELS_SECRET_KEYS = [new]
    assert _stored_token(gateway["id"]) == SECRET


def test_a_removed_key_no_longer_decrypts(world, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CHANNELS_SECRET_KEYS = [old]
    gateway = create(world.api("R_admin"), world.id("R"), _hook())
    settings.CHANNELS_SECRET_KEYS = [new]
    with pytest.raises(Exception, match="no configured key"):
        _stored_token(gateway["id"])


# --- the planted secret ---------------------------------------------------------------------


@pytest.fixture
def closed_port():
    with MailSink() as sink:
        port = sink.port
    return port


def test_a_planted_secret_is_nowhere_in_the_database_file_or_the_logs(
    live_world, caplog, closed_port
):
    """Committed rows (``live_world``), so the database file really holds them."""
    world = live_world
    caplog.set_level(logging.DEBUG)
    api = world.api("R_admin")
    path = gateways_path(world.id("R"))
    hook = create(api, world.id("R"), _hook(webhook_auth={"type": "Bearer", "token": SECRET}))
    relay = create(api, world.id("R"), smtp_gateway("127.0.0.1", closed_port, password=SECRET))
    api.get(path)
    api.get(f"{path}/{hook['id']}")
    api.post(f"{path}/{hook['id']}", {"data": {"name": "Renamed"}})
    api.post(
        f"{path}/{relay['id']}",
        {"data": {"settings": {"host": "127.0.0.1", "port": closed_port, "username": "u"}}},
    )
    api.post(f"{path}/{relay['id']}/check_connection")  # fails: nothing listens there
    unsaved = smtp_gateway("127.0.0.1", closed_port, username="u", password=SECRET)
    assert api.post(f"{path}/check_connection", {"data": unsaved}).json()["data"]["ok"] is False
    api.put(path, {"data": {**_hook(), "timeout": 99}})  # a validation error
    api.post(f"{path}/{relay['id']}", {"data": {"kind": "vendor"}})  # another one
    api.get("/v2/admin-nothing")

    if connection.vendor == "sqlite":
        connection.close()
        database = connection.settings_dict["NAME"]
        raw = b""
        for suffix in ("", "-wal", "-journal"):
            try:
                raw += open(database + suffix, "rb").read()  # noqa: SIM115
            except FileNotFoundError:
                continue
        assert b"hooks.example.net" in raw  # the rows are there...
        assert SECRET.encode() not in raw  # ...their secret is not
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT settings::text, webhook_auth::text, secrets FROM gateways_gateway"
            )
            assert SECRET not in repr(cursor.fetchall())
    assert "gateway created" in caplog.text
    assert SECRET not in caplog.text
    assert all(SECRET not in repr(record.__dict__) for record in caplog.records)


def test_a_validation_error_on_a_secret_does_not_echo_it(world):
    long_secret = SECRET * 300  # over maxLength
    response = world.api("R_admin").put(
        gateways_path(world.id("R")), {"data": _hook(token=long_secret)}
    )
    assert response.status_code == 400
    assert "maxLength" in response.json()["data"]["settings.config.token"]
    assert SECRET not in response.content.decode()


def test_a_webhook_auth_token_of_the_wrong_type_is_not_echoed(world):
    document = _hook(webhook_auth={"type": "Bearer", "token": 987654321987})
    response = world.api("R_admin").put(gateways_path(world.id("R")), {"data": document})
    assert "type" in response.json()["data"]["webhook_auth.token"]
    assert "987654321987" not in response.content.decode()


def test_admin_shows_gateways_with_secrets_obscured(world):
    from django.contrib.auth.models import Permission, User
    from django.test import Client

    gateway = create(world.api("R_admin"), world.id("R"), _hook())
    user = User.objects.create_user("viewer", password="viewer-pass", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_gateway"))
    client = Client()
    client.force_login(user)
    listing = client.get("/admin/gateways/gateway/")
    page = client.get(f"/admin/gateways/gateway/{gateway['id']}/change/")
    assert listing.status_code == page.status_code == 200
    assert "&lt;Encrypted&gt;" in page.content.decode()
    assert SECRET not in listing.content.decode() + page.content.decode()
    assert client.get("/admin/gateways/gateway/add/").status_code == 403
