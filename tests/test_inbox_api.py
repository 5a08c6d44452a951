"""The inbox API (SPEC-channels §13.3): listing, paging, unread, marking, read_all, bad input.

Alice is a ``priv_level: user`` of C1; her own token reads and marks her inbox.
Permissions per principal are in ``test_inbox_permissions.py``.
"""

import pytest

from accounts.models import AuthToken
from inbox.models import InboxMessage
from tests.conftest import make_user
from tests.inbox_helpers import deliver, deliver_many

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world):
    user = make_user(world.accounts["C1"], "alice", "user")
    world.users["alice"] = user
    world.tokens["alice"] = AuthToken.issue(user.account, user, AuthToken.CREDENTIALS)[1]
    return user


@pytest.fixture
def api(world, alice):
    return world.api("alice")


@pytest.fixture
def inbox(world, alice) -> str:
    return f"/v2/accounts/{world.id('C1')}/users/{alice.id}/inbox"


def subjects(response) -> list[str]:
    return [entry["subject"] for entry in response.json()["data"]]


# --- Listing --------------------------------------------------------------------------------


def test_inbox_lists_newest_first(api, inbox, alice):
    deliver_many(alice, 3)
    assert subjects(api.get(inbox)) == ["m2", "m1", "m0"]


def test_empty_inbox_is_an_empty_list(api, inbox):
    body = api.get(inbox).json()
    assert (body["data"], body["unread_count"]) == ([], 0)


def test_inbox_lists_only_the_users_own_messages(world, api, inbox, alice):
    deliver(alice, "mine")
    deliver(world.users["C1_user"], "not mine")
    assert subjects(api.get(inbox)) == ["mine"]


def test_inbox_entry_carries_the_message_document(api, inbox, alice):
    message = deliver(alice, "Invoice", body={"text/plain": "Pay", "text/html": "<b>Pay</b>"})
    entry = api.get(inbox).json()["data"][0]
    assert entry["id"] == message.id
    assert entry["delivery_id"] == message.delivery_id
    assert (entry["subject"], entry["text"], entry["html"]) == ("Invoice", "Pay", "<b>Pay</b>")
    assert (entry["read"], entry["read_at"]) == (False, None)
    assert entry["template_id"] == "customer_update"
    assert entry["created_at"]


def test_inbox_pages_follow_next_start_key(api, inbox, alice):
    deliver_many(alice, 5)
    seen, path = [], f"{inbox}?page_size=2"
    while True:
        body = api.get(path).json()
        assert body["page_size"] == len(body["data"])
        seen += [entry["subject"] for entry in body["data"]]
        if "next_start_key" not in body:
            break
        path = f"{inbox}?page_size=2&start_key={body['next_start_key']}"
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


def test_last_page_has_no_next_start_key(api, inbox, alice):
    deliver_many(alice, 2)
    body = api.get(f"{inbox}?page_size=2").json()
    assert "next_start_key" not in body


def test_page_with_same_second_messages_splits_on_id(api, inbox, alice):
    messages = deliver_many(alice, 4)
    InboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        created_at=messages[0].created_at
    )
    first = api.get(f"{inbox}?page_size=3").json()
    second = api.get(f"{inbox}?page_size=3&start_key={first['next_start_key']}").json()
    ids = [entry["id"] for entry in first["data"] + second["data"]]
    assert sorted(ids) == sorted(m.id for m in messages)


def test_paginate_false_lists_everything(api, inbox, alice):
    deliver_many(alice, 3)
    body = api.get(f"{inbox}?paginate=false&page_size=1").json()
    assert len(body["data"]) == 3


# --- Unread ---------------------------------------------------------------------------------


def test_unread_true_lists_only_unread_messages(api, inbox, alice):
    first, _ = deliver_many(alice, 2)
    api.post(f"{inbox}/{first.id}", {"data": {"read": True}})
    assert subjects(api.get(f"{inbox}?unread=true")) == ["m1"]


def test_unread_false_lists_every_message(api, inbox, alice):
    first, _ = deliver_many(alice, 2)
    api.post(f"{inbox}/{first.id}", {"data": {"read": True}})
    assert subjects(api.get(f"{inbox}?unread=false")) == ["m1", "m0"]


def test_envelope_carries_unread_count_beside_page_size(api, inbox, alice):
    deliver_many(alice, 3)
    body = api.get(inbox).json()
    assert (body["unread_count"], body["page_size"]) == (3, 3)


def test_unread_count_counts_all_unread_not_only_the_page(api, inbox, alice):
    deliver_many(alice, 3)
    assert api.get(f"{inbox}?page_size=1").json()["unread_count"] == 3


def test_unread_count_drops_when_a_message_is_read(api, inbox, alice):
    first, _ = deliver_many(alice, 2)
    api.post(f"{inbox}/{first.id}", {"data": {"read": True}})
    assert api.get(inbox).json()["unread_count"] == 1


def test_unread_count_is_in_the_envelope_without_pagination(api, inbox, alice):
    deliver_many(alice, 2)
    assert api.get(f"{inbox}?paginate=false").json()["unread_count"] == 2


# --- One message, read/unread ---------------------------------------------------------------


def test_get_message_returns_it(api, inbox, alice):
    message = deliver(alice, "Hi")
    response = api.get(f"{inbox}/{message.id}")
    assert response.status_code == 200
    assert response.json()["data"]["subject"] == "Hi"


def test_reading_a_message_does_not_mark_it_read(api, inbox, alice):
    message = deliver(alice)
    api.get(f"{inbox}/{message.id}")
    assert api.get(f"{inbox}/{message.id}").json()["data"]["read"] is False


def test_marking_a_message_read_sets_read_at(api, inbox, alice):
    message = deliver(alice)
    response = api.post(f"{inbox}/{message.id}", {"data": {"read": True}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["read"] is True and data["read_at"]
    assert InboxMessage.objects.get(pk=message.id).read_at is not None


def test_marking_a_read_message_unread_clears_read_at(api, inbox, alice):
    message = deliver(alice)
    api.post(f"{inbox}/{message.id}", {"data": {"read": True}})
    data = api.post(f"{inbox}/{message.id}", {"data": {"read": False}}).json()["data"]
    assert (data["read"], data["read_at"]) == (False, None)


def test_marking_read_twice_keeps_the_first_read_at(api, inbox, alice):
    message = deliver(alice)
    first = api.post(f"{inbox}/{message.id}", {"data": {"read": True}}).json()["data"]
    again = api.post(f"{inbox}/{message.id}", {"data": {"read": True}}).json()["data"]
    assert again["read_at"] == first["read_at"]


def test_marking_one_message_leaves_the_others_unread(api, inbox, alice):
    first, second = deliver_many(alice, 2)
    api.post(f"{inbox}/{first.id}", {"data": {"read": True}})
    assert api.get(f"{inbox}/{second.id}").json()["data"]["read"] is False


# --- read_all -------------------------------------------------------------------------------


def test_read_all_marks_every_message_read(api, inbox, alice):
    deliver_many(alice, 3)
    response = api.post(f"{inbox}/read_all")
    assert response.status_code == 200
    assert response.json()["data"] == {"marked_read": 3, "unread_count": 0}
    assert api.get(f"{inbox}?unread=true").json()["data"] == []


def test_read_all_counts_only_messages_that_were_unread(api, inbox, alice):
    first, _, _ = deliver_many(alice, 3)
    api.post(f"{inbox}/{first.id}", {"data": {"read": True}})
    assert api.post(f"{inbox}/read_all").json()["data"]["marked_read"] == 2


def test_read_all_keeps_earlier_read_at(api, inbox, alice):
    first, _ = deliver_many(alice, 2)
    read_at = api.post(f"{inbox}/{first.id}", {"data": {"read": True}}).json()["data"]["read_at"]
    api.post(f"{inbox}/read_all")
    assert api.get(f"{inbox}/{first.id}").json()["data"]["read_at"] == read_at


def test_read_all_leaves_other_users_inboxes_alone(world, api, inbox, alice):
    deliver(alice)
    other = deliver(world.users["C1_user"])
    api.post(f"{inbox}/read_all")
    assert InboxMessage.objects.get(pk=other.pk).read_at is None


def test_read_all_on_an_empty_inbox_marks_nothing(api, inbox):
    assert api.post(f"{inbox}/read_all").json()["data"]["marked_read"] == 0


def test_read_all_accepts_an_empty_data_object(api, inbox, alice):
    deliver(alice)
    assert api.post(f"{inbox}/read_all", {"data": {}}).status_code == 200


def test_get_read_all_is_method_not_allowed(api, inbox):
    assert api.get(f"{inbox}/read_all").status_code == 405


# --- Bad input and unknown ids --------------------------------------------------------------


def test_mark_without_read_is_a_required_error(api, inbox, alice):
    message = deliver(alice)
    response = api.post(f"{inbox}/{message.id}", {"data": {}})
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "validation error"
    assert "required" in body["data"]["read"]


@pytest.mark.parametrize("value", ["true", 1, None, [], {}])
def test_mark_with_non_boolean_read_is_a_type_error(api, inbox, alice, value):
    message = deliver(alice)
    response = api.post(f"{inbox}/{message.id}", {"data": {"read": value}})
    assert response.status_code == 400
    assert "type" in response.json()["data"]["read"]
    assert InboxMessage.objects.get(pk=message.id).read_at is None


def test_mark_with_non_object_data_is_a_type_error(api, inbox, alice):
    message = deliver(alice)
    response = api.post(f"{inbox}/{message.id}", {"data": True})
    assert response.status_code == 400
    assert "type" in response.json()["data"]["data"]


def test_mark_with_malformed_json_is_400(api, inbox, alice):
    message = deliver(alice)
    response = api.post(f"{inbox}/{message.id}", "{not json")
    assert response.status_code == 400


def test_unread_filter_that_is_not_boolean_is_400(api, inbox):
    response = api.get(f"{inbox}?unread=maybe")
    assert response.status_code == 400
    assert "type" in response.json()["data"]["unread"]


@pytest.mark.parametrize(
    "start_key",
    [
        "garbage",
        "WzFd",  # [1]
        "WyJub3QgYSBkYXRlIiwiYWIiXQ",  # ["not a date","ab"]
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwiYWIiXQ",  # naive ["2026-01-01T00:00:00","ab"]
        "WyI5OTk5LTEyLTMxVDIzOjU5OjU5LTA1OjAwIiwiYWIiXQ",  # beyond datetime.max in UTC
    ],
)
def test_start_key_that_is_not_ours_is_400(api, inbox, start_key):
    response = api.get(f"{inbox}?start_key={start_key}")
    assert response.status_code == 400
    assert "wrong_format" in response.json()["data"]["start_key"]


def test_bad_page_size_is_rejected_as_in_other_lists(api, inbox):
    assert api.get(f"{inbox}?page_size=0").status_code == 404


def test_unknown_user_is_404(world, inbox):
    path = f"/v2/accounts/{world.id('C1')}/users/{'0' * 32}/inbox"
    assert world.api("C1_admin").get(path).status_code == 404


def test_malformed_user_id_is_404(world):
    path = f"/v2/accounts/{world.id('C1')}/users/nobody/inbox"
    assert world.api("C1_admin").get(path).status_code == 404


def test_user_of_another_account_under_this_account_is_404(world):
    g_admin = world.users["G_admin"]
    path = f"/v2/accounts/{world.id('C1')}/users/{g_admin.id}/inbox"
    assert world.api("C1_admin").get(path).status_code == 404


def test_unknown_message_is_404(api, inbox):
    assert api.get(f"{inbox}/{'0' * 32}").status_code == 404


def test_malformed_message_id_is_404(api, inbox):
    assert api.post(f"{inbox}/not-an-id", {"data": {"read": True}}).status_code == 404


def test_another_users_message_is_404_in_this_inbox(world, api, inbox):
    other = deliver(world.users["C1_user"])
    assert api.get(f"{inbox}/{other.id}").status_code == 404
    assert api.post(f"{inbox}/{other.id}", {"data": {"read": True}}).status_code == 404
