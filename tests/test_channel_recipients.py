"""Recipients on non-email channels (notifications.recipients.channel_recipients)."""

import pytest

from config.errors import ValidationFailed
from notifications.recipients import Recipient, channel_recipients

pytestmark = pytest.mark.django_db

PHONE_R = "+14155552671"
PHONE_C1 = "+447911123456"
PHONE_OTHER = "+14155550199"


def set_contacts(world, user, **contacts):
    world.users[user].contacts = contacts
    world.users[user].save()


def admins_template() -> dict:
    return {"to": {"type": "admins"}}


def test_admins_get_their_sms_contacts_from_the_reseller(world):
    set_contacts(world, "R_admin", sms=PHONE_R)
    result = channel_recipients(world.accounts["C1"], admins_template(), "sms")
    assert result.recipients == [Recipient(PHONE_R, world.users["R_admin"].id)]


def test_admins_without_contacts_walk_up_to_the_next_level(world):
    set_contacts(world, "master_admin", sms=PHONE_OTHER)
    result = channel_recipients(world.accounts["C1"], admins_template(), "sms")
    assert [r.address for r in result.recipients] == [PHONE_OTHER]


def test_admins_with_no_address_anywhere_give_nobody(world):
    assert channel_recipients(world.accounts["C1"], admins_template(), "sms").recipients == []


def test_disabled_admins_are_skipped(world):
    set_contacts(world, "R_admin", sms=PHONE_R)
    world.users["R_admin"].enabled = False
    world.users["R_admin"].save()
    assert channel_recipients(world.accounts["C1"], admins_template(), "sms").recipients == []


def test_internal_channel_addresses_admins_by_user_id(world):
    result = channel_recipients(world.accounts["C1"], admins_template(), "internal")
    assert result.recipients == [Recipient(world.users["R_admin"].id, world.users["R_admin"].id)]


def test_specified_uses_the_template_to_contacts(world):
    doc = {"to": {"type": "specified", "contacts": {"sms": [PHONE_R, PHONE_C1]}}}
    result = channel_recipients(world.accounts["C1"], doc, "sms")
    assert result.recipients == [Recipient(PHONE_R), Recipient(PHONE_C1)]


def test_original_gives_nobody(world):
    doc = {"to": {"type": "original", "contacts": {"sms": [PHONE_R]}}}
    assert channel_recipients(world.accounts["C1"], doc, "sms").recipients == []


def test_send_contacts_replace_the_template_recipients(world):
    set_contacts(world, "R_admin", sms=PHONE_R)
    result = channel_recipients(
        world.accounts["C1"], admins_template(), "sms", contacts={"sms": [PHONE_C1]}
    )
    assert result.recipients == [Recipient(PHONE_C1)]


def test_send_contacts_for_another_channel_leave_the_template_in_charge(world):
    set_contacts(world, "R_admin", sms=PHONE_R)
    result = channel_recipients(
        world.accounts["C1"], admins_template(), "sms", contacts={"jabber": ["x@y"]}
    )
    assert [r.address for r in result.recipients] == [PHONE_R]


def test_user_ids_add_those_users_contacts(world):
    set_contacts(world, "C1_user", sms=PHONE_C1)
    result = channel_recipients(
        world.accounts["C1"],
        {},
        "sms",
        contacts={"sms": [PHONE_R]},
        user_ids=[world.users["C1_user"].id, world.users["C1_admin"].id],
    )
    assert result.recipients == [
        Recipient(PHONE_R),
        Recipient(PHONE_C1, world.users["C1_user"].id),
    ]


def test_user_ids_of_a_descendant_account_are_allowed(world):
    set_contacts(world, "G_admin", sms=PHONE_C1)
    result = channel_recipients(
        world.accounts["C1"], {}, "sms", user_ids=[world.users["G_admin"].id]
    )
    assert [r.address for r in result.recipients] == [PHONE_C1]


def test_user_ids_outside_the_subtree_are_not_found_at_their_index(world):
    ids = [world.users["C1_user"].id, world.users["R_admin"].id, world.users["D_admin"].id, 5]
    with pytest.raises(ValidationFailed) as caught:
        channel_recipients(world.accounts["C1"], {}, "sms", user_ids=ids)
    assert set(caught.value.data) == {"user_ids.1", "user_ids.2", "user_ids.3"}
    assert "not_found" in caught.value.data["user_ids.1"]


def test_addresses_are_deduplicated(world):
    set_contacts(world, "C1_user", sms=PHONE_C1)
    result = channel_recipients(
        world.accounts["C1"],
        {},
        "sms",
        contacts={"sms": [PHONE_C1, PHONE_C1]},
        user_ids=[world.users["C1_user"].id],
    )
    assert result.recipients == [Recipient(PHONE_C1)]


def test_invalid_addresses_are_reported_separately(world):
    result = channel_recipients(
        world.accounts["C1"], {}, "sms", contacts={"sms": [PHONE_R, "12345", "12345", 7]}
    )
    assert result.recipients == [Recipient(PHONE_R)]
    assert result.invalid == ["12345", "7"]


def test_email_is_not_a_channel_for_this_function(world):
    with pytest.raises(ValueError):
        channel_recipients(world.accounts["C1"], {}, "email")
