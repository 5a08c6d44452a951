"""Inbound messages (SPEC-channels §9): storing, de-duplication, user matching, STOP/START,
and reading them through the API."""

import pytest

from accounts.models import User
from gateways import services as gateways
from inbound.models import InboundMessage
from inbound.services import store_message
from preferences import services as preferences
from preferences.models import Reason, Suppression

PHONE = "+14155552671"


def make_gateway(account, channel="sms", **extra):
    document = {
        "name": f"Fake {channel}",
        "kind": "vendor",
        "channel": channel,
        "settings": {"vendor": "fake"},
        "stop_keywords": ["STOP", "Unsubscribe"],
        "start_keywords": ["START"],
        **extra,
    }
    return gateways.create(account, document)


def message(text="hello", sender=PHONE, provider_id="SM1", **extra) -> dict:
    return {"type": "message", "id": provider_id, "from": sender, "to": "+15550001111",
            "text": text, "media_url": "", **extra}  # fmt: skip


def listing(world, principal, name, query=""):
    response = world.api(principal).get(f"/v2/accounts/{world.id(name)}/inbound_messages{query}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.fixture
def gateway(world):
    return make_gateway(world.accounts["C1"])


# --- store_message ------------------------------------------------------------------------


def test_a_message_is_stored_in_the_gateway_owners_account(world, gateway):
    stored, result = store_message(gateway, message())
    assert result == "stored"
    assert stored.account_id == world.id("C1") and stored.gateway_id == gateway.id
    assert (stored.channel, stored.sender, stored.text) == ("sms", PHONE, "hello")


def test_the_same_provider_id_again_is_a_duplicate(world, gateway):
    first, _ = store_message(gateway, message())
    again, result = store_message(gateway, message(text="resent"))
    assert result == "duplicate"
    assert again.pk == first.pk and again.text == "hello"
    assert InboundMessage.objects.count() == 1


def test_the_same_provider_id_on_another_gateway_is_stored(world, gateway):
    other = make_gateway(world.accounts["C2"])
    store_message(gateway, message())
    assert store_message(other, message())[1] == "stored"


def test_messages_without_provider_id_are_never_duplicates(world, gateway):
    store_message(gateway, message(provider_id=""))
    assert store_message(gateway, message(provider_id=""))[1] == "stored"
    assert InboundMessage.objects.count() == 2


def test_a_duplicate_that_lost_the_race_to_the_constraint_is_a_duplicate(
    world, gateway, monkeypatch
):
    """The check before the insert missed the other writer: the unique constraint decides."""
    first, _ = store_message(gateway, message())
    monkeypatch.setattr("inbound.services._existing", _first_call_misses(first))
    again, result = store_message(gateway, message())
    assert result == "duplicate" and again.pk == first.pk
    assert InboundMessage.objects.count() == 1


def _first_call_misses(row):
    calls = []

    def existing(gateway, provider_id):
        calls.append(provider_id)
        return None if len(calls) == 1 else row

    return existing


def test_an_event_without_text_or_media_is_ignored(world, gateway):
    assert store_message(gateway, message(text="")) == (None, "ignored")


def test_a_picture_without_text_is_stored(world, gateway):
    stored, result = store_message(gateway, message(text="", media_url="https://x.test/a.png"))
    assert result == "stored" and stored.media_url == "https://x.test/a.png"


def test_odd_field_types_are_stored_as_text_or_empty(world, gateway):
    stored, _ = store_message(gateway, message(text=12345, sender=None, to={"x": 1}))
    assert (stored.text, stored.sender, stored.recipient) == ("12345", "", "")


def test_a_system_gateways_message_has_no_account(world):
    system = make_gateway(None)
    stored, _ = store_message(system, message())
    assert stored.account_id is None


# --- User matching ------------------------------------------------------------------------


def give_contact(user: User, channel: str, address: str) -> None:
    user.contacts = {channel: address}
    user.save()


def test_the_sender_is_matched_to_the_user_with_that_contact(world, gateway):
    give_contact(world.users["C1_user"], "sms", PHONE)
    stored, _ = store_message(gateway, message())
    assert stored.user_id == world.users["C1_user"].id


def test_a_user_in_a_descendant_account_is_matched(world, gateway):
    give_contact(world.users["G_admin"], "sms", PHONE)
    stored, _ = store_message(gateway, message())
    assert stored.user_id == world.users["G_admin"].id


def test_a_user_outside_the_owners_subtree_is_not_matched(world, gateway):
    give_contact(world.users["C2_admin"], "sms", PHONE)
    give_contact(world.users["D_admin"], "sms", PHONE)
    stored, _ = store_message(gateway, message())
    assert stored.user_id is None


def test_the_first_matching_user_wins(world, gateway):
    give_contact(world.users["C1_admin"], "sms", PHONE)
    give_contact(world.users["C1_user"], "sms", PHONE)
    stored, _ = store_message(gateway, message())
    assert stored.user_id == world.users["C1_admin"].id  # created first


def test_a_contact_on_another_channel_is_not_matched(world, gateway):
    give_contact(world.users["C1_user"], "whatsapp", PHONE)
    stored, _ = store_message(gateway, message())
    assert stored.user_id is None


def test_on_the_email_channel_the_users_email_is_matched(world):
    mail = make_gateway(world.accounts["C1"], channel="email")
    stored, _ = store_message(mail, message(sender="C1User@C1.example.net"))
    assert stored.user_id == world.users["C1_user"].id


def test_a_custom_channel_contact_is_matched(world):
    jabber = make_gateway(world.accounts["C1"], channel="jabber")
    give_contact(world.users["C1_user"], "jabber", "c1user@jabber.example.net")
    stored, _ = store_message(jabber, message(sender="c1user@jabber.example.net"))
    assert stored.user_id == world.users["C1_user"].id


# --- STOP / START -------------------------------------------------------------------------


def test_stop_adds_an_inbound_stop_suppression_in_the_owners_account(world, gateway):
    store_message(gateway, message(text="STOP"))
    row = Suppression.objects.get()
    assert (row.account_id, row.channel, row.address, row.reason) == (
        world.id("C1"),
        "sms",
        PHONE,
        Reason.INBOUND_STOP,
    )
    assert preferences.suppressed(world.accounts["G"], "sms", PHONE)


def test_stop_is_trimmed_and_case_insensitive(world, gateway):
    store_message(gateway, message(text="  unsubscribe \n"))
    assert Suppression.objects.count() == 1


def test_stop_inside_a_sentence_is_no_keyword(world, gateway):
    store_message(gateway, message(text="please stop calling"))
    assert not Suppression.objects.exists()


def test_start_lifts_the_stop(world, gateway):
    store_message(gateway, message(text="STOP", provider_id="SM1"))
    store_message(gateway, message(text="start", provider_id="SM2"))
    assert not Suppression.objects.exists()


def test_start_does_not_lift_a_manual_suppression(world, gateway):
    preferences.add_suppression(world.accounts["C1"], "sms", PHONE)
    store_message(gateway, message(text="START"))
    assert Suppression.objects.get().reason == Reason.MANUAL


def test_a_duplicate_stop_changes_nothing(world, gateway):
    store_message(gateway, message(text="STOP"))
    Suppression.objects.all().delete()
    store_message(gateway, message(text="STOP"))
    assert not Suppression.objects.exists()


def test_stop_twice_keeps_one_suppression(world, gateway):
    store_message(gateway, message(text="STOP", provider_id="SM1"))
    store_message(gateway, message(text="STOP", provider_id="SM2"))
    assert Suppression.objects.count() == 1


def test_a_gateway_without_keywords_suppresses_nothing(world):
    quiet = make_gateway(world.accounts["C1"], stop_keywords=[], start_keywords=[])
    store_message(quiet, message(text="STOP"))
    assert not Suppression.objects.exists()


def test_stop_on_a_system_gateway_suppresses_in_the_master_account(world):
    system = make_gateway(None)
    store_message(system, message(text="STOP"))
    assert Suppression.objects.get().account_id == world.id("master")
    assert preferences.suppressed(world.accounts["D"], "sms", PHONE)


def test_the_stop_suppression_is_listed_by_the_api(world, gateway):
    store_message(gateway, message(text="STOP"))
    response = world.api("C1_user").get(f"/v2/accounts/{world.id('C1')}/suppressions")
    assert [(r["address"], r["reason"]) for r in response.json()["data"]] == [
        (PHONE, "inbound_stop")
    ]


# --- The API ------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_the_document_fields(world, gateway):
    store_message(gateway, message(provider_id="SM1", text="one"))
    store_message(gateway, message(provider_id="SM2", text="two"))
    data = listing(world, "C1_admin", "C1")
    assert [row["text"] for row in data] == ["two", "one"]
    assert set(data[0]) == {
        "id", "account_id", "gateway_id", "channel", "from", "to", "text", "media_url",
        "provider_message_id", "user_id", "received_at",
    }  # fmt: skip


def test_a_priv_level_user_may_read_the_list(world, gateway):
    store_message(gateway, message())
    assert len(listing(world, "C1_user", "C1")) == 1


def test_the_detail_shows_one_message(world, gateway):
    stored, _ = store_message(gateway, message())
    response = world.api("C1_user").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages/{stored.id}"
    )
    assert response.status_code == 200
    assert response.json()["data"]["from"] == PHONE


def test_an_unknown_message_id_is_a_404(world):
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('C1')}/inbound_messages/x")
    assert response.status_code == 404


def test_a_descendants_message_is_a_404_under_the_ancestor_detail(world):
    stored, _ = store_message(make_gateway(world.accounts["G"]), message())
    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages/{stored.id}"
    )
    assert response.status_code == 404


def test_filter_by_channel(world, gateway):
    store_message(gateway, message(provider_id="SM1"))
    store_message(make_gateway(world.accounts["C1"], channel="jabber"), message(sender="x@y"))
    assert [r["channel"] for r in listing(world, "C1_admin", "C1", "?channel=jabber")] == ["jabber"]


def test_filter_by_from(world, gateway):
    store_message(gateway, message(provider_id="SM1"))
    store_message(gateway, message(provider_id="SM2", sender="+14155552672"))
    data = listing(world, "C1_admin", "C1", "?from=%2B14155552672")
    assert [r["from"] for r in data] == ["+14155552672"]


def test_filter_by_gateway_id(world, gateway):
    other = make_gateway(world.accounts["C1"], name="Other")
    store_message(gateway, message(provider_id="SM1"))
    store_message(other, message(provider_id="SM2"))
    data = listing(world, "C1_admin", "C1", f"?gateway_id={other.id}")
    assert [r["gateway_id"] for r in data] == [other.id]


def test_include_descendants_adds_the_descendants_messages(world, gateway):
    store_message(gateway, message(provider_id="SM1"))
    store_message(make_gateway(world.accounts["G"]), message(provider_id="SM2"))
    assert len(listing(world, "C1_admin", "C1")) == 1
    data = listing(world, "R_admin", "C1", "?include_descendants=true")
    assert {r["account_id"] for r in data} == {world.id("C1"), world.id("G")}


def test_include_descendants_must_be_a_boolean(world):
    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages?include_descendants=yes"
    )
    assert response.status_code == 400
    assert "type" in response.json()["data"]["include_descendants"]


def test_the_list_pages_with_start_key(world, gateway):
    for number in range(3):
        store_message(gateway, message(provider_id=f"SM{number}", text=str(number)))
    first = (
        world.api("C1_admin")
        .get(f"/v2/accounts/{world.id('C1')}/inbound_messages?page_size=2")
        .json()
    )
    second = listing(world, "C1_admin", "C1", f"?page_size=2&start_key={first['next_start_key']}")
    assert [r["text"] for r in first["data"] + second] == ["2", "1", "0"]


def test_a_garbage_start_key_is_a_400(world):
    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages?start_key=63840000000"
    )
    assert response.status_code == 400


def test_system_gateway_messages_are_listed_for_superduper_only(world):
    store_message(make_gateway(None), message())
    assert len(listing(world, "master_admin", "master")) == 1
    assert listing(world, "R_admin", "R", "?include_descendants=true") == []


def test_another_tenant_cannot_read_the_messages(world, gateway):
    store_message(gateway, message())
    response = world.api("D_admin").get(f"/v2/accounts/{world.id('C1')}/inbound_messages")
    assert response.status_code == 403


def test_another_tenant_cannot_read_one_message(world, gateway):
    stored, _ = store_message(gateway, message())
    response = world.api("D_admin").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages/{stored.id}"
    )
    assert response.status_code == 403


def test_a_sibling_admin_gets_403(world, gateway):
    store_message(gateway, message())
    response = world.api("C2_admin").get(f"/v2/accounts/{world.id('C1')}/inbound_messages")
    assert response.status_code == 403


def test_a_descendant_cannot_read_the_ancestors_messages(world):
    store_message(make_gateway(world.accounts["R"]), message())
    response = world.api("C1_admin").get(f"/v2/accounts/{world.id('R')}/inbound_messages")
    assert response.status_code == 403


def test_messages_are_read_only(world):
    response = world.api("C1_admin").put(
        f"/v2/accounts/{world.id('C1')}/inbound_messages", {"data": {}}
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    "values",
    [
        ["0001-01-01T00:00:00+14:00", "a" * 32],  # before the earliest time a database holds
        ["2026-01-01T00:00:00", "a" * 32],  # naive
        ["2026-13-01T00:00:00+00:00", "a" * 32],  # impossible
        ["2026-01-01T00:00:00+00:00", 7],  # id not a string
    ],
)
def test_a_start_key_token_we_never_issued_is_a_400(world, values):
    from config.pagination import encode_key

    response = world.api("C1_admin").get(
        f"/v2/accounts/{world.id('C1')}/inbound_messages?start_key={encode_key(values)}"
    )
    assert response.status_code == 400
