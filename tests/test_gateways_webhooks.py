"""Inbound webhooks: who may post, what is kept in the gateway's events (§9, first part)."""

import json

import pytest

from tests.conftest import Api
from tests.gateways_helpers import FAKE_SMS, create, gateways_path

STATUS = {"type": "status", "id": "fake-1", "status": "delivered"}


def hook_path(gateway):
    return "/v2/webhooks/" + gateway["webhook_url"].split("/v2/webhooks/", 1)[1]


@pytest.fixture
def gateway(world):
    return create(world.api("R_admin"), world.id("R"), FAKE_SMS)


def events(world, gateway):
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/events"
    return world.api("R_admin").get(path).json()["data"]


def test_a_native_event_is_accepted_and_kept_pending(world, gateway, anon):
    response = anon.post(hook_path(gateway), STATUS)
    assert response.status_code == 200
    assert response.json()["data"]["results"] == [
        {"event": "status", "result": "pending", "delivery_id": None}
    ]
    assert [(e["model"], e["result"]) for e in events(world, gateway)] == [("status", "pending")]


def test_an_array_of_events_gives_one_result_each(gateway, anon):
    reply = {"type": "message", "from": "+1555", "to": "+1666", "text": "STOP"}
    response = anon.post(hook_path(gateway), [STATUS, reply])
    assert [r["event"] for r in response.json()["data"]["results"]] == ["status", "message"]


def test_an_unrecognised_body_is_unmatched(gateway, anon):
    response = anon.post(hook_path(gateway), {"hello": "world"})
    assert response.json()["data"]["results"][0]["result"] == "unmatched"


def test_a_form_body_is_accepted(gateway, anon):
    body = "type=status&id=fake-2&status=delivered"
    response = anon.post(hook_path(gateway), body, content_type="application/x-www-form-urlencoded")
    assert response.json()["data"]["results"][0]["event"] == "status"


def test_get_takes_the_query_string_as_body(gateway, anon):
    response = anon.get(hook_path(gateway) + "?type=status&id=fake-3&status=delivered")
    assert response.status_code == 200
    assert response.json()["data"]["results"][0]["event"] == "status"


def test_an_unparseable_body_is_400(gateway, anon):
    response = anon.post(hook_path(gateway), "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_body_over_the_limit_is_413(gateway, anon, settings):
    settings.CHANNELS_WEBHOOK_MAX_BYTES = 10
    assert anon.post(hook_path(gateway), STATUS).status_code == 413


def test_a_wrong_hook_token_is_404(gateway, anon):
    path = f"/v2/webhooks/{gateway['id']}/{'0' * 32}"
    assert anon.post(path, STATUS).status_code == 404


def test_an_unknown_gateway_is_404(anon, db):
    assert anon.post(f"/v2/webhooks/{'0' * 32}/{'0' * 32}", STATUS).status_code == 404


def test_a_deleted_gateway_is_404(world, gateway, anon):
    world.api("R_admin").delete(f"{gateways_path(world.id('R'))}/{gateway['id']}")
    assert anon.post(hook_path(gateway), STATUS).status_code == 404


def test_after_rotation_the_old_url_is_404_and_the_new_one_works(world, gateway, anon):
    path = f"{gateways_path(world.id('R'))}/{gateway['id']}/rotate_webhook"
    rotated = world.api("R_admin").post(path).json()["data"]
    assert anon.post(hook_path(gateway), STATUS).status_code == 404
    assert anon.post(hook_path(rotated), STATUS).status_code == 200


@pytest.fixture
def guarded(world):
    document = {**FAKE_SMS, "webhook_auth": {"type": "Bearer", "token": "cb-secret"}}
    return create(world.api("R_admin"), world.id("R"), document)


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic Y2Itc2VjcmV0"])
def test_webhook_auth_refuses_a_missing_or_wrong_bearer_with_401(guarded, header):
    headers = {"Authorization": header} if header else {}
    assert Api().post(hook_path(guarded), STATUS, headers=headers).status_code == 401


def test_webhook_auth_accepts_the_right_bearer(guarded):
    headers = {"Authorization": "Bearer cb-secret"}
    assert Api().post(hook_path(guarded), STATUS, headers=headers).status_code == 200


def test_events_never_hold_request_headers(world, guarded):
    from gateways.models import GatewayEvent

    Api().post(hook_path(guarded), STATUS, headers={"Authorization": "Bearer cb-secret"})
    assert "cb-secret" not in json.dumps(list(GatewayEvent.objects.values("detail")))
