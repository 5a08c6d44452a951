"""The ``internal`` transport: an outbox row becomes exactly one message in a user's inbox."""

import pytest

from accounts.models import User
from deliveries.transports import DeliveryError
from inbox.models import InboxMessage
from inbox.transport import InboxTransport
from tests.inbox_helpers import delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world) -> User:
    return world.users["C1_user"]


def test_transport_is_registered_under_the_internal_channel_name():
    assert InboxTransport.name == "internal"


def test_send_stores_subject_and_text_for_the_user_named_in_to(alice):
    InboxTransport().send(delivery(alice.id, "Invoice ready", template_id="new_invoice"))
    message = InboxMessage.objects.get(user=alice)
    assert (message.subject, message.text) == ("Invoice ready", "Invoice ready (text)")
    assert message.template_id == "new_invoice"


def test_message_belongs_to_the_recipient_users_account(world, alice):
    InboxTransport().send(delivery(alice.id, account_id=world.id("R")))
    assert InboxMessage.objects.get(user=alice).account_id == world.id("C1")


def test_sender_may_be_an_ancestor_of_the_users_account(world, alice):
    InboxTransport().send(delivery(alice.id, account_id=world.id("master")))
    assert InboxMessage.objects.filter(user=alice).exists()


@pytest.mark.parametrize("sender", ["C2", "G", "D"])
def test_user_outside_the_sending_account_is_a_permanent_error(world, alice, sender):
    with pytest.raises(DeliveryError) as raised:
        InboxTransport().send(delivery(alice.id, account_id=world.id(sender)))
    assert raised.value.permanent
    assert not InboxMessage.objects.exists()


def test_send_reports_delivered_with_the_inbox_message_id(alice):
    result = InboxTransport().send(delivery(alice.id))
    message = InboxMessage.objects.get(user=alice)
    assert result.provider_message_id == message.id
    assert (result.status, result.receipt) == ("delivered", "stored in inbox")


def test_message_keeps_the_outbox_row_id(alice):
    row = delivery(alice.id)
    InboxTransport().send(row)
    assert InboxMessage.objects.get(user=alice).delivery_id == row.id


def test_sending_the_same_row_twice_stores_one_message(alice):
    row = delivery(alice.id)
    first = InboxTransport().send(row)
    second = InboxTransport().send(row)
    assert InboxMessage.objects.filter(user=alice).count() == 1
    assert first.provider_message_id == second.provider_message_id


def test_html_body_is_sanitized_before_it_is_stored(alice):
    html = "<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>"
    InboxTransport().send(delivery(alice.id, body={"text/plain": "Hi", "text/html": html}))
    stored = InboxMessage.objects.get(user=alice).html
    assert "<p>Hi</p>" in stored
    assert "script" not in stored and "onerror" not in stored


def test_body_without_html_stores_empty_html(alice):
    InboxTransport().send(delivery(alice.id))
    assert InboxMessage.objects.get(user=alice).html == ""


def test_row_without_body_or_subject_stores_an_empty_message(alice):
    row = delivery(alice.id)
    del row.body, row.subject, row.template_id
    InboxTransport().send(row)
    message = InboxMessage.objects.get(user=alice)
    assert (message.subject, message.text, message.html) == ("", "", "")


@pytest.mark.parametrize("to", ["0" * 32, "not-a-user-id", "", None, ["x"]])
def test_unknown_user_is_a_permanent_error(world, to):
    with pytest.raises(DeliveryError) as raised:
        InboxTransport().send(delivery(to))
    assert raised.value.permanent
    assert not InboxMessage.objects.exists()


def test_user_deleted_after_queueing_is_a_permanent_error(alice):
    row = delivery(alice.id)
    alice.delete()
    with pytest.raises(DeliveryError) as raised:
        InboxTransport().send(row)
    assert raised.value.permanent


def test_row_without_id_is_a_permanent_error(alice):
    with pytest.raises(DeliveryError) as raised:
        InboxTransport().send(delivery(alice.id, id=None))
    assert raised.value.permanent


def test_close_is_harmless():
    InboxTransport().close()
