"""User ``contacts``: {channel: address} on users, validated per channel (SPEC-channels §8)."""

import pytest

pytestmark = pytest.mark.django_db

PHONE = "+14155552671"


def users(world, account="C1"):
    return f"/v2/accounts/{world.id(account)}/users"


def user_path(world, user="C1_user", account="C1"):
    return f"{users(world, account)}/{world.users[user].id}"


def new_user(**extra):
    return {"data": {"first_name": "Ann", "last_name": "Lee", "username": "ann", **extra}}


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["data"]


def test_new_user_has_empty_contacts(world):
    response = world.api("C1_admin").put(users(world), new_user())
    assert response.status_code == 201
    assert response.json()["data"]["contacts"] == {}


def test_put_user_with_contacts_stores_them(world):
    contacts = {"sms": PHONE, "jabber": "ann@xmpp.example.net"}
    response = world.api("C1_admin").put(users(world), new_user(contacts=contacts))
    assert response.status_code == 201
    user_id = response.json()["data"]["id"]
    fetched = world.api("C1_admin").get(f"{users(world)}/{user_id}").json()["data"]
    assert fetched["contacts"] == contacts


def test_post_contacts_replaces_the_whole_object(world):
    api = world.api("C1_admin")
    api.post(user_path(world), {"data": {"contacts": {"sms": PHONE, "jabber": "x"}}})
    response = api.post(user_path(world), {"data": {"contacts": {"jabber": "y"}}})
    assert response.status_code == 200
    assert response.json()["data"]["contacts"] == {"jabber": "y"}


def test_post_without_contacts_keeps_them(world):
    api = world.api("C1_admin")
    api.post(user_path(world), {"data": {"contacts": {"sms": PHONE}}})
    response = api.post(user_path(world), {"data": {"first_name": "Renamed"}})
    assert response.json()["data"]["contacts"] == {"sms": PHONE}


def test_ancestor_admin_writes_a_descendant_users_contacts(world):
    response = world.api("R_admin").post(user_path(world), {"data": {"contacts": {"sms": PHONE}}})
    assert response.status_code == 200


def test_sms_contact_must_be_e164(world):
    data = errors(world.api("C1_admin").put(users(world), new_user(contacts={"sms": "4155552671"})))
    assert data["contacts.sms"]["wrong_format"]["value"] == "4155552671"


def test_sms_contact_must_be_a_valid_number(world):
    body = new_user(contacts={"sms": "+15550001111"})  # E.164 shaped, but not a real number
    data = errors(world.api("C1_admin").put(users(world), body))
    assert "wrong_format" in data["contacts.sms"]


def test_sms_contact_with_spaces_is_wrong_format(world):
    body = {"data": {"contacts": {"sms": "+1 415 555 2671"}}}
    assert (
        "wrong_format" in errors(world.api("C1_admin").post(user_path(world), body))["contacts.sms"]
    )


def test_contact_channel_name_is_wrong_format(world):
    body = {"data": {"contacts": {"Jabber": "x", "9lives": "y"}}}
    data = errors(world.api("C1_admin").post(user_path(world), body))
    assert set(data) == {"contacts.Jabber", "contacts.9lives"}
    assert "wrong_format" in data["contacts.Jabber"]


def test_contact_value_over_254_characters_is_max_length(world):
    body = {"data": {"contacts": {"jabber": "x" * 255}}}
    assert (
        "maxLength" in errors(world.api("C1_admin").post(user_path(world), body))["contacts.jabber"]
    )


def test_empty_contact_value_is_min_length(world):
    body = {"data": {"contacts": {"jabber": ""}}}
    assert (
        "minLength" in errors(world.api("C1_admin").post(user_path(world), body))["contacts.jabber"]
    )


def test_contact_value_must_be_a_string(world):
    body = {"data": {"contacts": {"sms": 14155552671}}}
    assert "type" in errors(world.api("C1_admin").post(user_path(world), body))["contacts.sms"]


def test_email_contact_is_forbidden(world):
    body = {"data": {"contacts": {"email": "a@b.co"}}}
    data = errors(world.api("C1_admin").post(user_path(world), body))
    assert "email field" in data["contacts.email"]["forbidden"]["message"]


def test_internal_contact_is_forbidden(world):
    body = {"data": {"contacts": {"internal": world.users["C1_user"].id}}}
    assert (
        "forbidden"
        in errors(world.api("C1_admin").post(user_path(world), body))["contacts.internal"]
    )


def test_contacts_must_be_an_object(world):
    body = {"data": {"contacts": [PHONE]}}
    assert "type" in errors(world.api("C1_admin").post(user_path(world), body))["contacts"]


def test_plain_user_cannot_write_contacts_even_their_own(world):
    body = {"data": {"contacts": {"sms": PHONE}}}
    assert world.api("C1_user").post(user_path(world), body).status_code == 403


def test_plain_user_reads_contacts(world):
    world.api("C1_admin").post(user_path(world), {"data": {"contacts": {"sms": PHONE}}})
    response = world.api("C1_user").get(user_path(world))
    assert response.json()["data"]["contacts"] == {"sms": PHONE}


def test_other_tenant_cannot_write_contacts(world):
    body = {"data": {"contacts": {"sms": PHONE}}}
    assert world.api("D_admin").post(user_path(world), body).status_code == 403
    assert world.api("C2_admin").post(user_path(world), body).status_code == 403


def test_other_tenant_cannot_create_a_user_with_contacts(world):
    response = world.api("R2_admin").put(users(world), new_user(contacts={"sms": PHONE}))
    assert response.status_code == 403


def test_invalid_contacts_leave_the_user_unchanged(world):
    api = world.api("C1_admin")
    api.post(user_path(world), {"data": {"contacts": {"sms": PHONE}}})
    api.post(user_path(world), {"data": {"contacts": {"sms": "nope"}}})
    assert api.get(user_path(world)).json()["data"]["contacts"] == {"sms": PHONE}
