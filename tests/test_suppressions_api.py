"""Suppressions through the API (SPEC-channels §10) and the send-path checks behind them."""

import pytest

from preferences import services
from preferences.models import Reason, Suppression


def path(world, name: str, suffix: str = "") -> str:
    return f"/v2/accounts/{world.id(name)}/suppressions{suffix}"


def suppress(world, principal: str, name: str, channel="sms", address="+14155552671"):
    body = {"data": {"channel": channel, "address": address}}
    return world.api(principal).put(path(world, name), body)


def test_put_creates_a_manual_suppression_with_201(world):
    response = suppress(world, "C1_admin", "C1")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["reason"] == "manual"
    assert (data["channel"], data["address"], data["account_id"]) == (
        "sms",
        "+14155552671",
        world.id("C1"),
    )
    assert len(data["id"]) == 32


def test_list_shows_the_accounts_suppressions_newest_first(world):
    suppress(world, "C1_admin", "C1", address="+14155552671")
    suppress(world, "C1_admin", "C1", channel="email", address="a@example.com")
    response = world.api("C1_admin").get(path(world, "C1"))
    assert response.status_code == 200
    assert [row["address"] for row in response.json()["data"]] == [
        "a@example.com",
        "+14155552671",
    ]


def test_list_filters_by_channel(world):
    suppress(world, "C1_admin", "C1", address="+14155552671")
    suppress(world, "C1_admin", "C1", channel="email", address="a@example.com")
    response = world.api("C1_admin").get(path(world, "C1") + "?channel=email")
    assert [row["address"] for row in response.json()["data"]] == ["a@example.com"]


def test_list_pages_with_start_key(world):
    for number in ("+14155552671", "+14155552672", "+14155552673"):
        suppress(world, "C1_admin", "C1", address=number)
    api = world.api("C1_admin")
    first = api.get(path(world, "C1") + "?page_size=2").json()
    second = api.get(path(world, "C1") + f"?page_size=2&start_key={first['next_start_key']}")
    seen = [r["address"] for r in first["data"] + second.json()["data"]]
    assert seen == ["+14155552673", "+14155552672", "+14155552671"]
    assert "next_start_key" not in second.json()


def test_a_foreign_start_key_is_a_400(world):
    response = world.api("C1_admin").get(path(world, "C1") + "?start_key=yesterday")
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["start_key"]


def test_delete_lifts_a_suppression(world):
    row = suppress(world, "C1_admin", "C1").json()["data"]
    response = world.api("C1_admin").delete(path(world, "C1", f"/{row['id']}"))
    assert response.status_code == 200
    assert response.json()["data"]["id"] == row["id"]
    assert not Suppression.objects.exists()


def test_get_one_suppression(world):
    row = suppress(world, "C1_admin", "C1").json()["data"]
    response = world.api("C1_user").get(path(world, "C1", f"/{row['id']}"))
    assert response.status_code == 200
    assert response.json()["data"] == row


def test_an_unknown_suppression_id_is_a_404(world):
    response = world.api("C1_admin").delete(path(world, "C1", "/" + "0" * 32))
    assert response.status_code == 404


def test_a_suppression_of_another_account_is_a_404_under_this_one(world):
    row = suppress(world, "R_admin", "C2").json()["data"]
    response = world.api("R_admin").delete(path(world, "C1", f"/{row['id']}"))
    assert response.status_code == 404


def test_duplicate_put_is_a_409_conflict(world):
    suppress(world, "C1_admin", "C1")
    response = suppress(world, "C1_admin", "C1")
    assert response.status_code == 409
    assert response.json()["message"] == "datastore_conflict"


def test_duplicate_in_another_spelling_is_a_409_too(world):
    suppress(world, "C1_admin", "C1", channel="email", address="Bob@Example.com")
    response = suppress(world, "C1_admin", "C1", channel="email", address="bob@example.com")
    assert response.status_code == 409


def test_an_invalid_sms_address_is_address_wrong_format(world):
    response = suppress(world, "C1_admin", "C1", address="0123")
    assert response.status_code == 400
    assert list(response.json()["data"]) == ["address"]
    assert "wrong_format" in response.json()["data"]["address"]


def test_an_invalid_email_address_is_address_wrong_format(world):
    response = suppress(world, "C1_admin", "C1", channel="email", address="nobody")
    assert "wrong_format" in response.json()["data"]["address"]


def test_a_bad_channel_name_is_channel_pattern(world):
    response = suppress(world, "C1_admin", "C1", channel="SMS!")
    assert response.status_code == 400
    assert "pattern" in response.json()["data"]["channel"]


def test_missing_fields_are_required(world):
    response = world.api("C1_admin").put(path(world, "C1"), {"data": {}})
    data = response.json()["data"]
    assert set(data) == {"channel", "address"}
    assert all("required" in errors for errors in data.values())


@pytest.mark.parametrize(
    ("principal", "method", "target", "expected"),
    [
        ("C1_user", "GET", "C1", 200),
        ("C1_user", "PUT", "C1", 403),
        ("C1_user", "DELETE", "C1", 403),
        ("C1_admin", "GET", "C2", 403),
        ("C1_admin", "PUT", "C2", 403),
        ("C2_admin", "DELETE", "C1", 403),
        ("D_admin", "GET", "C1", 403),
        ("D_admin", "PUT", "C1", 403),
        ("R_admin", "PUT", "C1", 201),
        ("R_key", "PUT", "C1", 201),
        ("R_user", "GET", "C1", 200),
        ("R_user", "PUT", "C1", 403),
        ("master_admin", "GET", "D", 200),
        (None, "GET", "C1", 401),
    ],
)
def test_suppression_permissions(world, principal, method, target, expected):
    existing = Suppression.objects.create(
        account=world.accounts[target], channel="sms", address="+14155550000"
    )
    api = world.api(principal)
    if method == "GET":
        response = api.get(path(world, target))
    elif method == "PUT":
        body = {"data": {"channel": "sms", "address": "+14155552671"}}
        response = api.put(path(world, target), body)
    else:
        response = api.delete(path(world, target, f"/{existing.id}"))
    assert response.status_code == expected, response.content


def test_another_tenant_cannot_read_the_suppressions(world):
    suppress(world, "C1_admin", "C1")
    response = world.api("D_admin").get(path(world, "C1"))
    assert response.status_code == 403
    assert "+14155552671" not in response.content.decode()


# --- The send-path checks ----------------------------------------------------------------


def test_an_accounts_suppression_applies_to_its_own_sends(world):
    suppress(world, "C1_admin", "C1")
    assert services.suppressed(world.accounts["C1"], "sms", "+14155552671")


def test_an_ancestors_suppression_applies_to_descendants_sends(world):
    suppress(world, "R_admin", "R")
    assert services.suppressed(world.accounts["G"], "sms", "+14155552671")


def test_a_descendants_suppression_does_not_apply_to_the_ancestor(world):
    suppress(world, "C1_admin", "C1")
    assert not services.suppressed(world.accounts["R"], "sms", "+14155552671")


def test_a_siblings_suppression_does_not_apply(world):
    suppress(world, "C1_admin", "C1")
    assert not services.suppressed(world.accounts["C2"], "sms", "+14155552671")


def test_a_suppression_is_per_channel(world):
    suppress(world, "C1_admin", "C1")
    assert not services.suppressed(world.accounts["C1"], "whatsapp", "+14155552671")


def test_suppressed_addresses_returns_the_given_spellings_in_one_query(
    world, django_assert_num_queries
):
    suppress(world, "R_admin", "R", channel="email", address="bob@example.com")
    suppress(world, "C1_admin", "C1", channel="email", address="carol@example.com")
    addresses = ["Bob@Example.com", "carol@example.com", "dave@example.com"]
    with django_assert_num_queries(1):
        found = services.suppressed_addresses(world.accounts["G"], "email", addresses)
    assert found == {"Bob@Example.com", "carol@example.com"}


def test_suppressed_addresses_of_nothing_asks_nothing(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.suppressed_addresses(world.accounts["C1"], "sms", []) == set()


def test_add_suppression_twice_returns_the_existing_row(world):
    first, created = services.add_suppression(
        world.accounts["C1"], "sms", "+14155552671", Reason.INBOUND_STOP
    )
    again, created_again = services.add_suppression(world.accounts["C1"], "sms", "+14155552671")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.reason == Reason.INBOUND_STOP
